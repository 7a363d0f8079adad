// `--store postgres`: a throwaway PostgreSQL cluster, its database made by idnode's own first start, and the run's
// seeded SQLite store copied into it row for row (the same keys, spellings and encoded records), in bulk.

import Database from 'better-sqlite3';
import pg from 'pg';
import { postmasterPid, PostgresCluster } from '../test/support/postgres-server.js';
import { cpuSeconds, freePort, spawnServer, stopServer, waitReady } from './processes.js';

/** The scenarios the PostgreSQL pass measures (the default list of --store postgres). */
export const POSTGRES_SCENARIOS = ['resolve-hot', 'resolve-cold', 'resolve-404', 'resolve-404-cold', 'register'] as const;

/** Why the other scenarios are left out of the PostgreSQL pass (they still run in the SQLite pass when chosen). */
export const POSTGRES_LEFT_OUT: Readonly<Record<string, string>> = {
  'put-durable': 'its ceiling is a server committing each PUT to SQLite; register measures the same PUTs on PostgreSQL against the bare baseline',
  'reads-during-writes': "it compares SQLite's writer thread with writes on the event loop; on PostgreSQL writes always leave the event loop",
  batchCreate: 'its account is made in the SQLite store by `idnode account add` before the run',
  'proxy-hot': 'the same lookups as resolve-hot (the engine only matters on a miss)',
  'proxy-cold': 'the same lookups as resolve-cold',
  'udp-resolve-hot': 'the same lookups as resolve-hot over the Handle protocol',
  'udp-resolve-cold': 'the same lookups as resolve-cold over the Handle protocol',
  'tcp-resolve-hot': 'the same lookups as resolve-hot over the Handle protocol',
  'tcp-resolve-cold': 'the same lookups as resolve-cold over the Handle protocol',
};

/** Rows per INSERT … SELECT FROM unnest(…): one statement carries about 15 MB of parameters. */
const BATCH = 50_000;

/**
 * Settings beyond the harness's (fsync and synchronous_commit stay on: the node refuses anything else). A benchmark
 * database gets what a small production server would: the 1,000,000-record table (~300 MB) fits in shared_buffers,
 * and checkpoints do not interrupt the measured runs every few seconds.
 */
export const BENCH_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "'512MB'",
  max_wal_size: "'4GB'",
  checkpoint_timeout: "'30min'",
  max_connections: '200',
};

export interface SeededPostgres {
  readonly cluster: PostgresCluster;
  /** The connection URL of the seeded database (trust authentication on 127.0.0.1). */
  readonly url: string;
  readonly seedSeconds: number;
  readonly sizeBytes: number;
  /** `SELECT version()`, for the report. */
  readonly version: string;
  /** The postmaster's pid: its process tree is the server's CPU. */
  readonly pid: number;
  /** postgresql.conf lines the bench set beyond initdb's (fsync and synchronous_commit on). */
  readonly settings: Readonly<Record<string, string>>;
}

interface HandleRow {
  prefix_key: string;
  suffix_key: string;
  spelling: string | null;
  record: string;
  created_at: number;
  updated_at: number;
}

/**
 * Starts a cluster, lets idnode (`cli serve`, environment `env`) create and migrate a database on it as on any first
 * start, stops that node, then copies `sqlitePath`'s records, homed prefixes and report counters into it in one
 * transaction with triggers off (the per-row count triggers are replaced by one count per prefix at the end), then
 * VACUUM ANALYZE and CHECKPOINT, so the measured runs start from a settled database.
 */
export async function seedPostgres(
  sqlitePath: string,
  cli: string,
  env: Record<string, string>,
  log: (line: string) => void,
  /** More postgresql.conf lines (e.g. shared_preload_libraries for a look at pg_stat_statements). */
  extraSettings: Readonly<Record<string, string>> = {},
): Promise<SeededPostgres> {
  const started = performance.now();
  const settings = { ...BENCH_SETTINGS, ...extraSettings };
  const cluster = await PostgresCluster.start({ settings });
  try {
    const url = await cluster.createDatabase();
    const port = await freePort();
    const first = spawnServer('idnode-first-start', cli, ['serve'], { ...env, IDNODE_STORE: 'postgres', IDNODE_PG_URL: url, IDNODE_PORT: String(port), IDNODE_HANDLE_PORT: '0', IDNODE_WORKERS: '1' }, port, true);
    try {
      await waitReady(first, 120_000);
    } finally {
      await stopServer(first);
    }
    const sqlite = new Database(sqlitePath, { readonly: true, fileMustExist: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      // Triggers off for this transaction (superuser): handle_counts is filled once below; filing is off in the bench.
      await client.query('SET LOCAL session_replication_role = replica');
      let batch: HandleRow[] = [];
      let done = 0;
      let lastReport = performance.now();
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const column = <K extends keyof HandleRow>(key: K): HandleRow[K][] => batch.map((row) => row[key]);
        await client.query(
          'INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at) ' +
            'SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])',
          [column('prefix_key'), column('suffix_key'), column('spelling'), column('record'), column('created_at'), column('updated_at')],
        );
        done += batch.length;
        batch = [];
        if (performance.now() - lastReport >= 5000) {
          lastReport = performance.now();
          log(`postgres seed: ${done.toLocaleString('en-US')} records (${Math.round(done / ((lastReport - started) / 1000)).toLocaleString('en-US')} rows/s)`);
        }
      };
      for (const row of sqlite.prepare<[], HandleRow>('SELECT prefix_key, suffix_key, spelling, record, created_at, updated_at FROM handles ORDER BY prefix_key, suffix_key').iterate()) {
        batch.push(row);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      for (const row of sqlite.prepare<[], { prefix_key: string; prefix: string; homed_at: number }>('SELECT prefix_key, prefix, homed_at FROM prefixes').iterate()) {
        await client.query('INSERT INTO prefixes (prefix_key, prefix, homed_at) VALUES ($1, $2, $3) ON CONFLICT (prefix_key) DO NOTHING', [row.prefix_key, row.prefix, row.homed_at]);
      }
      for (const row of sqlite.prepare<[], { day: string; prefix_key: string; created: number }>('SELECT day, prefix_key, created FROM daily_counts').iterate()) {
        await client.query(
          'INSERT INTO daily_counts (day, prefix_key, created) VALUES ($1, $2, $3) ON CONFLICT (day, prefix_key) DO UPDATE SET created = daily_counts.created + excluded.created',
          [row.day, row.prefix_key, row.created],
        );
      }
      await client.query('DELETE FROM handle_counts');
      await client.query('INSERT INTO handle_counts (prefix_key, count) SELECT prefix_key, count(*) FROM handles GROUP BY prefix_key');
      await client.query('COMMIT');
      log(`postgres seed: ${done.toLocaleString('en-US')} records copied; VACUUM ANALYZE, CHECKPOINT`);
      await client.query('VACUUM (ANALYZE) handles');
      await client.query('CHECKPOINT');
      const size = await client.query<{ size: string; version: string }>('SELECT pg_database_size(current_database())::text AS size, version() AS version');
      const seedSeconds = (performance.now() - started) / 1000;
      const pid = postmasterPid(cluster.data);
      if (pid === undefined) throw new Error('postgres seed: no postmaster pid');
      return { cluster, url, seedSeconds, sizeBytes: Number(size.rows[0]?.size ?? 0), version: size.rows[0]?.version ?? 'unknown', pid, settings: { fsync: 'on', synchronous_commit: 'on', ...settings } };
    } finally {
      await client.end().catch(() => undefined);
      sqlite.close();
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** CPU seconds the PostgreSQL server (postmaster and every backend) has used so far. */
export function postgresCpuSeconds(seeded: SeededPostgres): number | null {
  return cpuSeconds(seeded.pid);
}
