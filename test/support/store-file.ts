// Looks at an idnode store from outside the node (after it died or while it runs): integrity, records, counts. On the
// PostgreSQL pass (on-postgres.ts) a path whose node was put on PostgreSQL is looked at in its database, with psql.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeRecord } from '../../src/identifier/record-encoding.js';
import { postgresText } from '../../src/store/postgres/pg-connection.js';
import { postgresUrlOf } from './on-postgres.js';
import { POSTGRES_BIN } from './postgres-server.js';

export interface StoredRow {
  /** The registrant's spelling. */
  readonly handle: string;
  /** The stored values (src/identifier/value.ts HandleValue, as JSON). */
  readonly values: readonly { index: number; type: string; data: { format: string; value: unknown } }[];
}

export interface StoreFileView {
  /**
   * `PRAGMA integrity_check` joined into one string: `ok` when the file is sound. On PostgreSQL, amcheck's
   * `verify_heapam` on every table and `bt_index_check` (every heap tuple indexed) on every index: `ok`, or what they found.
   */
  readonly integrity: string;
  /** Every handle row under `prefixKey`, by the handle as registered. */
  readonly rows: ReadonlyMap<string, StoredRow>;
  /** The trigger-kept count of handles under `prefixKey` (handle_counts), 0 when absent. */
  readonly countedHandles: number;
  /** The database's logical size (page_count × page_size, WAL included; pg_database_size on PostgreSQL). */
  readonly sizeBytes: number;
}

/** Opens `path` (read-write, so a WAL left by a killed process is recovered), checks it and reads the rows of a prefix. */
export function inspectStoreFile(path: string, prefixKey: string): StoreFileView {
  const url = postgresUrlOf(path);
  if (url !== undefined) return inspectPostgresStore(url, prefixKey);
  const db = new Database(path, { fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).join('; ');
    const rows = new Map<string, StoredRow>();
    const select = db.prepare<[string], { handle: string; record: string }>("SELECT coalesce(spelling, prefix_key || '/' || suffix_key) AS handle, record FROM handles WHERE prefix_key = ?");
    for (const row of select.iterate(prefixKey)) rows.set(row.handle, { handle: row.handle, values: decodeRecord(row.record) });
    const counted = db.prepare<[string], { count: number }>('SELECT count FROM handle_counts WHERE prefix_key = ?').get(prefixKey);
    const sizeBytes = Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
    return { integrity, rows, countedHandles: counted?.count ?? 0, sizeBytes };
  } finally {
    db.close();
  }
}

/**
 * Inspects a copy of the database and its WAL as a killed process left them, so the original stays exactly as it was
 * for the next start (which must do the WAL recovery itself).
 */
export function inspectCrashedStore(path: string, prefixKey: string): StoreFileView {
  // PostgreSQL needs no recovery after its client was killed: the database is read as it is.
  const url = postgresUrlOf(path);
  if (url !== undefined) return inspectPostgresStore(url, prefixKey);
  const dir = mkdtempSync(join(tmpdir(), 'idnode-crash-copy-'));
  try {
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return inspectStoreFile(copy, prefixKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** amcheck lives in a schema of its own, beside the store's tables, not among them. */
const AMCHECK = 'idnode_test_amcheck';

/**
 * A node's PostgreSQL database seen through psql, synchronously as the SQLite side: amcheck on every table and index
 * of the store, then the rows and count of a prefix in one JSON line.
 */
function inspectPostgresStore(url: string, prefixKey: string): StoreFileView {
  const sql = `
    CREATE SCHEMA IF NOT EXISTS ${AMCHECK};
    CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA ${AMCHECK};
    SELECT ${AMCHECK}.bt_index_check(c.oid, true) FROM pg_class c JOIN pg_am a ON a.oid = c.relam
      WHERE c.relkind = 'i' AND a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace;
    SELECT json_build_object(
      'heap', (SELECT coalesce(json_agg(c.relname || ' block ' || v.blkno || ': ' || v.msg), '[]') FROM pg_class c
                 CROSS JOIN LATERAL ${AMCHECK}.verify_heapam(c.oid) v WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace),
      'rows', (SELECT coalesce(json_agg(json_build_object('handle', coalesce(spelling, prefix_key || '/' || suffix_key), 'record', record)), '[]')
                 FROM handles WHERE prefix_key = :'prefix'),
      'counted', (SELECT count FROM handle_counts WHERE prefix_key = :'prefix'),
      'size', pg_database_size(current_database()));
  `;
  // bt_index_check raises on a corrupt index: the test fails with what it found.
  const view = JSON.parse(psqlLastLine(url, sql, { prefix: prefixKey })) as { heap: string[]; rows: { handle: string; record: string }[]; counted: number | null; size: number };
  const rows = new Map<string, StoredRow>();
  for (const row of view.rows) rows.set(row.handle, { handle: row.handle, values: decodeRecord(row.record) });
  return { integrity: view.heap.length === 0 ? 'ok' : view.heap.join('; '), rows, countedHandles: view.counted ?? 0, sizeBytes: view.size };
}

/** Runs `sql` (psql variables `:'name'` from `variables`) on the database at `url`; its lines of output. Throws on any error. */
function psqlLines(url: string, sql: string, variables: Readonly<Record<string, string>>): string[] {
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', '-'];
  for (const [name, value] of Object.entries(variables)) args.push('-v', `${name}=${value}`);
  const result = spawnSync(join(POSTGRES_BIN ?? '', 'psql'), args, { input: sql, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`psql on ${url} failed (${result.status ?? result.signal}): ${result.stderr}${result.error?.message ?? ''}`);
  return result.stdout.split('\n').filter((text) => text !== '');
}

function psqlLastLine(url: string, sql: string, variables: Readonly<Record<string, string>>): string {
  return psqlLines(url, sql, variables).pop() ?? '';
}

/** The engine of the store of `path`: PostgreSQL when its node was given a database for it (on-postgres.ts). */
export function storeEngine(path: string): 'sqlite' | 'postgres' {
  return postgresUrlOf(path) === undefined ? 'sqlite' : 'postgres';
}

/**
 * The number `sql` (one row, one column; `?` placeholders) reads from the store of `path` on a connection of its own,
 * so it sees only what was committed. On PostgreSQL LIKE is ILIKE, as SQLite's LIKE ignores ASCII case.
 */
export function countOnStore(path: string, sql: string, params: readonly string[] = []): number {
  const url = postgresUrlOf(path);
  if (url !== undefined) return Number(psqlLastLine(url, `${postgresSql(sql)};`, psqlParams(params)));
  const db = new Database(path, { readonly: true });
  try {
    return Number(db.prepare(sql).pluck().get(...params));
  } finally {
    db.close();
  }
}

/**
 * The one column `sql` (`?` placeholders) reads from the store of `path` on a connection of its own, as text, one
 * value a row (values without line breaks).
 */
export function columnOnStore(path: string, sql: string, params: readonly string[] = []): string[] {
  const url = postgresUrlOf(path);
  if (url !== undefined) return psqlLines(url, `${postgresSql(sql)};`, psqlParams(params));
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().all(...params).map(String);
  } finally {
    db.close();
  }
}

/** SQLite's text as PostgreSQL's, as the node's own connection turns it (postgresText), with $n as psql variables pn. */
function postgresSql(sql: string): string {
  return postgresText(sql, {}).text.replace(/\$(\d+)/g, (_, n: string) => `:'p${n}'`);
}

function psqlParams(params: readonly string[]): Record<string, string> {
  return Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
}

/** Whether the store of `path` holds a committed row for the handle, seen from another connection than the node's. */
export function committedRow(path: string, prefixKey: string, suffixKey: string): boolean {
  return countOnStore(path, 'SELECT count(*) FROM handles WHERE prefix_key = ? AND suffix_key = ?', [prefixKey, suffixKey]) > 0;
}
