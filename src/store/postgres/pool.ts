// The PostgreSQL engine's bounded connection pool, and the check that the server commits durably before anything is written.

import { hostname } from 'node:os';
import pg from 'pg';
import { IdnodeError } from '../../errors.js';
import { translatePgError } from './pg-errors.js';

/** Connections per process when IDNODE_PG_POOL does not say otherwise. */
export const DEFAULT_POOL_SIZE = 10;

/** How long the engine waits for one answer of the server when `queryTimeoutMs` does not say otherwise. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

export interface PoolOptions {
  /**
   * A connection URL with one host (`postgresql://user@host:port/database?sslmode=…`). node-postgres 8 refuses libpq's
   * multi-host form and has no `target_session_attrs`: primary-locator.ts splits a host list and finds the primary.
   */
  readonly url: string;
  /** At most this many connections (IDNODE_PG_POOL); a request beyond waits for one, up to `connectTimeoutMs`. */
  readonly poolSize?: number;
  /** How long a query waits for a connection, new or pooled, before it rejects STORE_UNAVAILABLE. */
  readonly connectTimeoutMs?: number;
  /**
   * How long the engine waits for any one answer of the server (a statement, COMMIT, the LISTEN heartbeat) before it
   * takes the server as lost: STORE_UNAVAILABLE, the connection closed, the primary looked for again. A machine that
   * vanished closes no socket; this bounds the wait. Default DEFAULT_QUERY_TIMEOUT_MS; migrations are not bounded.
   */
  readonly queryTimeoutMs?: number;
  /**
   * Read bigint and numeric columns as JavaScript numbers, as better-sqlite3 reads SQLite's integers (the blocking
   * connection the store's statement modules run on; their counts and times stay far below 2^53).
   */
  readonly numericTypes?: boolean;
}

/**
 * How this process's connections name themselves in pg_stat_activity: `idnode <host>/<pid>`, so that a command that
 * must run alone (secret --rotate-all) can see another idnode process connected (Store.otherConnections).
 */
export const APPLICATION_NAME = `idnode ${hostname()}/${process.pid}`.slice(0, 63);

/** bigint (int8) and numeric: parsed to numbers for `numericTypes`. */
const NUMERIC_OIDS = new Set([20, 1700]);

/** The client settings every connection of the engine uses (the pool's and the commit listener's). */
export function clientConfig(options: PoolOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // A connection whose peer vanished (a failed-over primary) is noticed by the kernel instead of hanging forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(options.numericTypes === true
      ? {
          types: {
            getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
              NUMERIC_OIDS.has(oid) ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
          },
        }
      : {}),
  };
}

/**
 * A query with node-postgres's per-query read timeout (`query_timeout`: no answer within `timeoutMs` rejects "Query read
 * timeout"), which its type declarations leave out. `name` makes it a prepared statement.
 */
export function timedQuery(statement: { readonly text: string; readonly name?: string }, values: unknown[], timeoutMs: number): pg.QueryConfig {
  const config: pg.QueryConfig & { query_timeout: number } = { ...statement, values, query_timeout: timeoutMs };
  return config;
}

/** A pool of at most `poolSize` connections. An idle connection that breaks is dropped quietly; the next query opens another. */
export function createPool(options: PoolOptions): pg.Pool {
  const size = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new IdnodeError('INTERNAL', `pool size ${size} is not a positive integer`);
  const pool = new pg.Pool({ ...clientConfig(options), max: size, idleTimeoutMillis: 30_000 });
  // Without a listener, an idle client's error (the server restarted) would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Refuses a server that would acknowledge a commit it might lose: `fsync` and `synchronous_commit` must be on (as the
 * SQLite store refuses to run unless synchronous=FULL). `synchronous_commit` = local, remote_write, on or remote_apply
 * all wait for the local flush; with a synchronous standby configured, on and remote_apply also wait for it. Rejects
 * STORE_UNAVAILABLE.
 */
export async function checkDurability(pool: pg.Pool): Promise<void> {
  let settings: Map<string, string>;
  try {
    const result = await pool.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')");
    settings = new Map(result.rows.map((row) => [row.name, row.setting]));
  } catch (error) {
    throw translatePgError(error);
  }
  const problem = durabilityProblem(settings.get('fsync'), settings.get('synchronous_commit'));
  if (problem !== undefined) throw new IdnodeError('STORE_UNAVAILABLE', problem);
}

/** Why a server with these settings could lose an acknowledged commit, or undefined when it cannot. */
export function durabilityProblem(fsync: string | undefined, synchronousCommit: string | undefined): string | undefined {
  if (fsync !== 'on') return `PostgreSQL fsync is ${fsync ?? 'unknown'}, expected on`;
  if (synchronousCommit === undefined || synchronousCommit === 'off') return `PostgreSQL synchronous_commit is ${synchronousCommit ?? 'unknown'}, expected on`;
  return undefined;
}
