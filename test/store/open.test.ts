// Opening a store: pragmas, migrations, refusal of unknown schemas and non-databases.

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { IdnodeError } from '../../src/errors.js';
import { openStore } from '../../src/store/store.js';
import { insertHandle, openTempStore, secondConnection, storeConnection, tempDir } from './temp-store.js';

// Counted independently of src/store/migrations.ts: the files in schema/ at the package root.
const SCHEMA_FILES = readdirSync(new URL('../../../schema/', import.meta.url)).filter((file) => /^\d{3}-[\w-]+\.sql$/.test(file));

test('store: a new file store runs in WAL mode with synchronous=FULL, foreign keys on and the configured busy timeout', (t) => {
  const { store, path } = openTempStore(t, { busyTimeoutMs: 1234 });
  const own = storeConnection(store);
  t.is(own.pragma('journal_mode', { simple: true }), 'wal');
  t.is(own.pragma('synchronous', { simple: true }), 2);
  t.is(own.pragma('foreign_keys', { simple: true }), 1);
  t.is(own.pragma('busy_timeout', { simple: true }), 1234);
  // journal_mode=wal is a property of the file: another connection sees it too.
  t.is(secondConnection(t, path).pragma('journal_mode', { simple: true }), 'wal');
});

test('store: a new store is migrated to user_version = number of schema migrations', (t) => {
  t.true(SCHEMA_FILES.length >= 1);
  const { path } = openTempStore(t);
  const other = secondConnection(t, path);
  t.is(other.pragma('user_version', { simple: true }), SCHEMA_FILES.length);
  const tables = other.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
  t.deepEqual(tables, [
    'account_tokens',
    'accounts',
    'audit_log',
    'change_log',
    'daily_counts',
    'enterprise_prefixes',
    'enterprises',
    'escrow_records',
    'handle_counts',
    'handles',
    'hierarchy_nodes',
    'hierarchy_prefixes',
    'hierarchy_settings',
    'hierarchy_statistics',
    'import_checkpoints',
    'node_keys',
    'node_runs',
    'outbox',
    'prefixes',
    'quota_counters',
    'settings',
    // AUTOINCREMENT's counter (the outbox's sequence numbers are never reused).
    'sqlite_sequence',
    'templates',
  ]);
});

test('store: re-opening an existing store does not re-apply migrations and keeps its data', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'idnode.db');
  const first = openStore(path, { busyTimeoutMs: 1000 });
  const pump = await first.write(() => insertHandle(first, '88.118.8/PUMP-1'));
  first.close();

  // Re-running 001-handles.sql would fail on CREATE TABLE handles; opening must succeed and keep the row.
  const second = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => second.close());
  t.is(second.getRecord(pump.key)?.handle, '88.118.8/PUMP-1');
  t.is(second.countHandles(pump.prefixKey), 1);
  t.is(storeConnection(second).pragma('user_version', { simple: true }), SCHEMA_FILES.length);
});

test('store: a store whose user_version is newer than the code refuses to open and is left untouched', (t) => {
  const path = join(tempDir(t), 'future.db');
  const future = new Database(path);
  future.pragma(`user_version = ${SCHEMA_FILES.length + 1}`);
  future.close();

  const error = t.throws(() => openStore(path, { busyTimeoutMs: 1000 }), { instanceOf: IdnodeError });
  t.is(error?.code, 'STORE_UNAVAILABLE');

  const other = secondConnection(t, path);
  t.is(other.pragma('user_version', { simple: true }), SCHEMA_FILES.length + 1);
  t.is(other.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'handles'").pluck().get(), 0);
});

test('store: a file that is not a database is refused with STORE_UNAVAILABLE', (t) => {
  const path = join(tempDir(t), 'not-a.db');
  writeFileSync(path, Buffer.alloc(4096, 'x'));
  const error = t.throws(() => openStore(path, { busyTimeoutMs: 1000 }), { instanceOf: IdnodeError });
  t.is(error?.code, 'STORE_UNAVAILABLE');
});

test('store: opening creates missing parent folders', (t) => {
  const path = join(tempDir(t), 'a', 'b', 'idnode.db');
  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  t.true(store.ping());
  t.is(secondConnection(t, path).pragma('user_version', { simple: true }), SCHEMA_FILES.length);
});
