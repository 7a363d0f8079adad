// Numbered PostgreSQL migrations from schema/postgres/NNN-name.sql — the same numbers and names as SQLite's schema/ —
// applied in order, each in its own transaction, under an advisory lock so processes starting together do not race.

import type pg from 'pg';
import { IdnodeError } from '../../errors.js';
import { loadMigrations, SCHEMA_DIR, type Migration } from '../migrations.js';
import { translatePgError } from './pg-errors.js';

/** schema/postgres/ at the package root. */
export const POSTGRES_SCHEMA_DIR = new URL('postgres/', SCHEMA_DIR);

/**
 * The advisory lock every idnode process takes while it migrates a database (an arbitrary constant: "idnode" in
 * ASCII). A session lock: the server releases it if the process dies mid-way.
 */
export const MIGRATION_LOCK = 0x69646e6f6465;

/** The PostgreSQL migrations, sorted by number (starting at 1, no gaps: the loader refuses otherwise). */
export function loadPostgresMigrations(): Migration[] {
  return loadMigrations(POSTGRES_SCHEMA_DIR);
}

/** One row per applied migration, so the version is max(version) and the history is kept (SQLite: PRAGMA user_version). */
const CREATE_VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_version (
  version bigint PRIMARY KEY,
  name text COLLATE "C" NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The schema version of the database (0 before any migration). Rejects STORE_*. */
export async function postgresSchemaVersion(client: pg.ClientBase): Promise<number> {
  try {
    const exists = await client.query<{ name: string | null }>("SELECT to_regclass('schema_version')::text AS name");
    if (exists.rows[0]?.name === null || exists.rows[0]?.name === undefined) return 0;
    const result = await client.query<{ version: string | null }>('SELECT max(version)::text AS version FROM schema_version');
    return Number(result.rows[0]?.version ?? 0);
  } catch (error) {
    throw translatePgError(error);
  }
}

/**
 * Applies every migration newer than the database's version (up to `upTo`, for tests), each in its own transaction
 * with its schema_version row, holding MIGRATION_LOCK throughout: a second process waits, then finds them applied.
 * Returns the version reached. Rejects STORE_UNAVAILABLE when the database is newer than this idnode, STORE_* when
 * PostgreSQL fails; a migration that fails is rolled back whole and rejects.
 */
export async function migratePostgres(pool: pg.Pool, upTo = Number.POSITIVE_INFINITY): Promise<number> {
  const migrations = loadPostgresMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePgError(error);
  }
  let locked = false;
  let failed: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    locked = true;
    await client.query(CREATE_VERSION_TABLE);
    let current = await postgresSchemaVersion(client);
    if (current > latest) throw new IdnodeError('STORE_UNAVAILABLE', `store schema version ${current} is newer than this idnode (${latest})`);
    for (const migration of migrations) {
      if (migration.version <= current || migration.version > upTo) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      current = migration.version;
    }
    return current;
  } catch (error) {
    failed = translatePgError(error);
    throw failed;
  } finally {
    // After a failure the connection is closed rather than reused (which also ends its lock on the server).
    if (locked && failed === undefined) await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release(failed);
  }
}
