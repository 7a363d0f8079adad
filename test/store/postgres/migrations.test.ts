// PostgreSQL migrations: the same versions as SQLite's, the same tables at every version, applied once under a lock.

import { readFileSync } from 'node:fs';
import test from 'ava';
import Database from 'better-sqlite3';
import pg from 'pg';
import { encodeRecord } from '../../../src/identifier/record-encoding.js';
import type { HandleValue } from '../../../src/identifier/value.js';
import { loadMigrations, SCHEMA_DIR } from '../../../src/store/migrations.js';
import { loadPostgresMigrations, migratePostgres } from '../../../src/store/postgres/migrations.js';
import { clusterForFile, postgresTest } from '../../support/postgres-cluster.js';

const { run, note } = postgresTest;
const cluster = clusterForFile();

test('migrations: both engines have the same migrations, by number and name', (t) => {
  const names = (list: { version: number; name: string }[]): string[] => list.map((m) => `${m.version} ${m.name}`);
  const sqlite = names(loadMigrations());
  t.true(sqlite.length >= 8);
  t.deepEqual(names(loadPostgresMigrations()), sqlite);
});

interface Shape {
  /** table → its columns in order, each `name type [not null]` in SQLite's terms. */
  readonly tables: Record<string, string[]>;
  /** `table.index` for each index a migration created by name (not those behind a key constraint). */
  readonly indexes: string[];
  /** `table.trigger`. */
  readonly triggers: string[];
}

/** The shape of a SQLite database after the migrations up to `version`, applied from the files as the store does. */
function sqliteShape(version: number): Shape {
  const db = new Database(':memory:');
  try {
    db.function('idnode_compact_record', (json: unknown) => encodeRecord(JSON.parse(String(json)) as HandleValue[]));
    for (const migration of loadMigrations().filter((m) => m.version <= version)) db.exec(readFileSync(new URL(migration.name, SCHEMA_DIR), 'utf8'));
    const tables: Record<string, string[]> = {};
    const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    for (const { name } of names) {
      const columns = db.prepare<[], { name: string; type: string; notnull: number; pk: number }>(`PRAGMA table_info(${name})`).all();
      tables[name] = columns.map((c) => `${c.name} ${c.type.toLowerCase()}${c.notnull === 1 || c.pk > 0 ? ' not null' : ''}`);
    }
    const named = (type: string): string[] =>
      db
        .prepare<[string], { tbl_name: string; name: string }>('SELECT tbl_name, name FROM sqlite_master WHERE type = ? AND sql IS NOT NULL ORDER BY tbl_name, name')
        .all(type)
        .map((row) => `${row.tbl_name}.${row.name}`);
    return { tables, indexes: named('index'), triggers: named('trigger') };
  } finally {
    db.close();
  }
}

/** The same shape read from PostgreSQL's catalog, its types named as SQLite's (bigint → integer, text → text). */
async function postgresShape(client: pg.Client): Promise<Shape & { collations: string[] }> {
  const columns = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; collation_name: string | null }>(
    `SELECT table_name, column_name, data_type, is_nullable, collation_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position`,
  );
  const types: Record<string, string> = { bigint: 'integer', text: 'text' };
  const tables: Record<string, string[]> = {};
  const collations: string[] = [];
  for (const c of columns.rows) {
    (tables[c.table_name] ??= []).push(`${c.column_name} ${types[c.data_type] ?? c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`);
    if (c.data_type === 'text' && c.collation_name !== 'C') collations.push(`${c.table_name}.${c.column_name} ${c.collation_name ?? 'default'}`);
  }
  const indexes = await client.query<{ name: string }>(
    `SELECT t.relname || '.' || i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1`,
  );
  const triggers = await client.query<{ name: string }>(
    "SELECT DISTINCT event_object_table || '.' || trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = 'public' ORDER BY 1",
  );
  return { tables, indexes: indexes.rows.map((r) => r.name), triggers: triggers.rows.map((r) => r.name), collations };
}

run(`migrations: after every version both engines hold the same tables, columns, indexes and triggers, text compared as "C"${note}`, async (t) => {
  const server = await cluster();
  const url = await server.createDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(async () => {
    await client.end();
    await pool.end();
  });
  const latest = loadMigrations().at(-1)?.version ?? 0;
  for (let version = 1; version <= latest; version += 1) {
    t.is(await migratePostgres(pool, version), version);
    const { collations, ...shape } = await postgresShape(client);
    t.deepEqual(shape, sqliteShape(version), `after migration ${version}`);
    t.deepEqual(collations, [], `after migration ${version}`);
  }
  const history = await client.query<{ version: string; name: string }>('SELECT version::text, name FROM schema_version ORDER BY version');
  t.deepEqual(history.rows.map((row) => `${row.version} ${row.name}`), loadPostgresMigrations().map((m) => `${m.version} ${m.name}`));
});

run(`migrations: processes migrating one database at once apply each migration once${note}`, async (t) => {
  const server = await cluster();
  const url = await server.createDatabase();
  const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: url, max: 1 }));
  t.teardown(() => Promise.all(pools.map((pool) => pool.end())));
  const latest = loadPostgresMigrations().at(-1)?.version ?? 0;
  t.deepEqual(await Promise.all(pools.map((pool) => migratePostgres(pool))), [latest, latest, latest]);
  const rows = await pools[0]?.query<{ count: string }>('SELECT count(*)::text AS count FROM schema_version');
  t.is(rows?.rows[0]?.count, String(latest));
  // Once applied, a start changes nothing.
  t.is(await migratePostgres(pools[1] as pg.Pool), latest);
});

run(`migrations: a database newer than this idnode is refused STORE_UNAVAILABLE and left as it is${note}`, async (t) => {
  const server = await cluster();
  const url = await server.createDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  t.teardown(() => pool.end());
  await migratePostgres(pool);
  await pool.query("INSERT INTO schema_version (version, name) VALUES (999, '999-from-the-future.sql')");
  await t.throwsAsync(migratePostgres(pool), { code: 'STORE_UNAVAILABLE' });
  const rows = await pool.query<{ version: string }>('SELECT max(version)::text AS version FROM schema_version');
  t.is(rows.rows[0]?.version, '999');
});

run(`migrations: a migration that fails is rolled back whole and the version stays where it was${note}`, async (t) => {
  const server = await cluster();
  const url = await server.createDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  t.teardown(() => pool.end());
  t.is(await migratePostgres(pool, 5), 5);
  // 006 refuses records in the pre-006 form (only SQLite stores have them; nothing converts them here).
  await pool.query(
    `INSERT INTO handles (handle_key, handle, prefix_key, record, public_values, has_private, created_at, updated_at)
     VALUES ('88.118/A', '88.118/A', '88.118', '[]', '[]', 0, 1, 1)`,
  );
  await t.throwsAsync(migratePostgres(pool), { code: 'INTERNAL' });
  const version = await pool.query<{ version: string }>('SELECT max(version)::text AS version FROM schema_version');
  t.is(version.rows[0]?.version, '5');
  // The table 006 renames and replaces is still the old one, its row in it.
  const rows = await pool.query<{ handle_key: string }>('SELECT handle_key FROM handles');
  t.deepEqual(rows.rows, [{ handle_key: '88.118/A' }]);
});
