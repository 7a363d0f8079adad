// Temp-file stores for the store tests: each test gets its own folder, removed when the test ends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { parseHandle, type Handle } from '../../src/identifier/handle.js';
import { parseValue, type HandleValue } from '../../src/identifier/value.js';
import { openStore, type Store, type StoreOptions } from '../../src/store/store.js';

export const RULE = { suffixCaseSensitive: false } as const;
export const NOW_SECONDS = 1_768_464_000;

/** A fresh folder under os.tmpdir(), removed in teardown (registered first, so it runs after the closes). */
export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-store-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store on a new temp file; closed in teardown. */
export function openTempStore(t: ExecutionContext, options: Partial<StoreOptions> = {}): { store: Store; path: string } {
  const path = join(tempDir(t), 'idnode.db');
  const store = openStore(path, { busyTimeoutMs: 1000, ...options });
  t.teardown(() => store.close());
  return { store, path };
}

/** A second, independent connection to the same file (what another process or reader sees); closed in teardown. */
export function secondConnection(t: ExecutionContext, path: string): Database.Database {
  const db = new Database(path);
  t.teardown(() => {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  });
  return db;
}

/** The store's own connection: synchronous, foreign_keys and busy_timeout are per connection, so only it can tell. */
export function storeConnection(store: Store): Database.Database {
  return (store as unknown as { db: Database.Database }).db;
}

export function handle(text: string): Handle {
  return parseHandle(text, RULE);
}

export function urlValue(index: number, url: string): HandleValue {
  return parseValue({ index, type: 'URL', data: url }, 'value', NOW_SECONDS, RULE);
}

/** Inserts `text` with one URL value; call inside a write. */
export function insertHandle(store: Store, text: string, url = `https://example.cn/${text}`): Handle {
  const h = handle(text);
  store.insertRecord(h.key, h.display, h.prefixKey, [urlValue(1, url)], NOW_SECONDS);
  return h;
}

/** True when a second connection sees a row for the handle key (i.e. it is committed). */
export function committed(db: Database.Database, handleKey: string): boolean {
  const slash = handleKey.indexOf('/');
  return db.prepare('SELECT 1 FROM handles WHERE prefix_key = ? AND suffix_key = ?').get(handleKey.slice(0, slash), handleKey.slice(slash + 1)) !== undefined;
}
