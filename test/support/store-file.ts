// Looks at an idnode SQLite file from outside the node (after it died or while it runs): integrity, records, counts.

import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeRecord } from '../../src/identifier/record-encoding.js';

export interface StoredRow {
  /** The registrant's spelling. */
  readonly handle: string;
  /** The stored values (src/identifier/value.ts HandleValue, as JSON). */
  readonly values: readonly { index: number; type: string; data: { format: string; value: unknown } }[];
}

export interface StoreFileView {
  /** `PRAGMA integrity_check` joined into one string: `ok` when the file is sound. */
  readonly integrity: string;
  /** Every handle row under `prefixKey`, by the handle as registered. */
  readonly rows: ReadonlyMap<string, StoredRow>;
  /** The trigger-kept count of handles under `prefixKey` (handle_counts), 0 when absent. */
  readonly countedHandles: number;
  /** The database's logical size (page_count × page_size, WAL included). */
  readonly sizeBytes: number;
}

/** Opens `path` (read-write, so a WAL left by a killed process is recovered), checks it and reads the rows of a prefix. */
export function inspectStoreFile(path: string, prefixKey: string): StoreFileView {
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
