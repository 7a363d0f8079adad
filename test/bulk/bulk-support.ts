// Stores, input files and `idnode import`/`export` runs for the bulk tests: real SQLite files, the real CLI as a process.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { BulkTables, ExportedRow } from '../../src/store/bulk-tables.js';
import { openBulkTablesAt, openStoreAt } from '../../src/store-location.js';
import { postgresEnv } from '../support/on-postgres.js';
import { CLI, serveEnv } from '../support/serve-process.js';

export const T0 = Date.UTC(2026, 0, 15, 8, 0, 0) / 1000;
const ISO = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A temporary folder removed when `t` ends. */
export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-bulk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new store (0600, migrated, case rule pinned) with `prefixes` homed, closed again: what `idnode import` expects. */
export function newStore(dir: string, prefixes: readonly string[] = ['88.118']): string {
  const path = join(dir, 'idnode.db');
  const url = postgresEnv(path).IDNODE_PG_URL;
  const store = openStoreAt(url === undefined ? { engine: 'sqlite', path } : { engine: 'postgres', url, migrate: true }, { busyTimeoutMs: 5000 });
  store.pinSetting('suffix_case_sensitive', 'false');
  store.writeNow(() => {
    for (const prefix of prefixes) store.homePrefix(prefix.toUpperCase(), prefix, T0);
  });
  store.close();
  return path;
}

/** Record i under 88.118 in the output form, as export writes it (a timestamp on every value). */
export function outputRecord(i: number): { handle: string; values: unknown[] } {
  return {
    handle: `88.118/IMP-${String(i).padStart(6, '0')}`,
    values: [
      { index: 1, type: 'URL', data: { format: 'string', value: `https://trace.example.cn/p/${i}` }, ttl: 86400, timestamp: ISO(T0) },
      { index: 2, type: 'EMAIL', data: { format: 'string', value: `s${i % 7}@example.cn` }, ttl: 3600, timestamp: ISO(T0 + i) },
    ],
  };
}

/** `n` records as NDJSON lines in key order (the order export writes). */
export function ndjsonLines(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify(outputRecord(from + i)));
}

/** Runs an `idnode` command on the store `db` to its end. */
export function idnode(db: string, args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { env: serveEnv(db, env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Starts `idnode import` on `db` without waiting: the test decides when (and whether) it ends. */
export function startImport(db: string, args: readonly string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, [CLI, 'import', ...args], { env: serveEnv(db), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A connection of this process to the store of `db` for reading it as stored (its database on the PostgreSQL pass). */
export function bulkTablesOf(db: string): BulkTables {
  const url = postgresEnv(db).IDNODE_PG_URL;
  return openBulkTablesAt(url === undefined ? { engine: 'sqlite', path: db } : { engine: 'postgres', url, migrate: false }, { busyTimeoutMs: 5000 });
}

/** The rows of the handles table as stored (keys, spelling, the record's stored text), prefix records first. */
export function storedRows(db: string): ExportedRow[] {
  const tables = bulkTablesOf(db);
  try {
    return [...tables.exportRows(null)];
  } finally {
    tables.close();
  }
}
