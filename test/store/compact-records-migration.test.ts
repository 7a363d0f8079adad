// Migration 004 (issue 13): a store written by the old representation (a verbose JSON record and a precomputed public
// copy per row, schema 001–003) opens, is converted in place, and loses nothing.

import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { parseHandle } from '../../src/identifier/handle.js';
import { parseValueList, type HandleValue } from '../../src/identifier/value.js';
import { publicView } from '../../src/identifier/value-json.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { RULE, tempDir } from './temp-store.js';

const T0 = 1_768_464_000;
const site = { version: 1, servers: [{ serverId: 1, address: '192.0.2.7', interfaces: [{ query: true, admin: false, protocol: 'HTTP', port: 8000 }] }] };

/** Records of every shape: odd spellings, every data format, options, prefix records, a hashed secret. */
const RECORDS: { handle: string; values: unknown[]; at: number }[] = [
  { handle: '0.NA/88.118', at: T0, values: [{ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '011111111111' } } }, { index: 300, type: 'HS_SECKEY', data: 'pbkdf2-hmac-sha256:1000:AAAAAAAAAAAAAAAAAAAAAA==:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=' }] },
  { handle: '0.NA/88.118.8', at: T0 + 1, values: [{ index: 1, type: 'HS_SITE.PREFIX', data: { format: 'site', value: site } }] },
  { handle: '88.118.8/Pump-1', at: T0 + 2, values: [{ index: 1, type: 'URL', data: 'https://example.cn/p/1', ttl: 60 }, { index: 2, type: 'EMAIL', data: 'x@example.cn', permissions: '1100' }] },
  { handle: '88.118.8/PUMP-2', at: T0 + 3, values: [{ index: 1, type: 'BIN', data: { format: 'hex', value: '00ff10' } }, { index: 2, type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '88.118.8/Pump-1', index: 1 }] }, references: [{ handle: '88.118/X', index: 2 }] }] },
  { handle: '88.118.8/产品-3', at: T0 + 4, values: [{ index: 1, type: 'DESC', data: '中文描述 "quoted"', ttl: '2040-01-01T00:00:00Z' }, { index: 3, type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } } }] },
  { handle: '88.118/a', at: T0 + 5, values: [] },
];

interface OldRow {
  key: string;
  display: string;
  prefixKey: string;
  values: HandleValue[];
  at: number;
}

/** Writes a store exactly as idnode before issue 13 did: migrations 001–003 and its insert statement. */
function writeOldStore(path: string): OldRow[] {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  for (const file of ['001-handles.sql', '002-node-keys.sql', '003-daily-counters.sql']) {
    db.exec(readFileSync(new URL(`../../../schema/${file}`, import.meta.url), 'utf8'));
  }
  db.pragma('user_version = 3');
  const insert = db.prepare(
    `INSERT INTO handles (handle_key, handle, prefix_key, record, public_values, has_private, public_min_ttl, public_expires, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rows = RECORDS.map(({ handle, values, at }) => {
    const h = parseHandle(handle, RULE);
    return { key: h.key, display: h.display, prefixKey: h.prefixKey, values: parseValueList(values, at, RULE), at };
  });
  db.transaction(() => {
    for (const row of rows) {
      const view = publicView(row.values);
      insert.run(row.key, row.display, row.prefixKey, JSON.stringify(row.values), view.valuesJson, view.hasPrivate ? 1 : 0, view.minTtlSeconds, view.earliestExpirySeconds, row.at, row.at + 10);
    }
  })();
  db.close();
  chmodSync(path, 0o600);
  return rows;
}

test('migration 004: a store written by the old representation opens with every record, spelling, count and date intact', (t) => {
  const path = join(tempDir(t), 'idnode.db');
  const rows = writeOldStore(path);
  const before = new Database(path);
  const counts = before.prepare('SELECT prefix_key, count FROM handle_counts ORDER BY prefix_key').all();
  const daily = before.prepare('SELECT * FROM daily_counts ORDER BY day, prefix_key').all();
  const oldViews = new Map((before.prepare('SELECT handle_key, public_values FROM handles').all() as { handle_key: string; public_values: string }[]).map((r) => [r.handle_key, r.public_values]));
  before.close();

  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  for (const row of rows) {
    const record = store.getRecord(row.key);
    t.is(record?.handle, row.display, row.key);
    t.deepEqual(record?.values, row.values, row.key);
    // The public view derived on a miss is the one the old store kept precomputed.
    t.is(store.getPublicView(row.key)?.valuesJson, oldViews.get(row.key), row.key);
  }
  t.deepEqual(store.listHandles('88.118.8', 10, 0), [
    { key: '88.118.8/PUMP-1', handle: '88.118.8/Pump-1' },
    { key: '88.118.8/PUMP-2', handle: '88.118.8/PUMP-2' },
    { key: '88.118.8/产品-3', handle: '88.118.8/产品-3' },
  ]);
  t.is(store.countHandles('88.118.8'), 3);

  const after = new Database(path, { readonly: true });
  t.teardown(() => after.close());
  // Migrated through 004 and every later migration.
  t.is(after.pragma('user_version', { simple: true }), loadMigrations().at(-1)?.version);
  t.is(after.pragma('integrity_check', { simple: true }), 'ok');
  t.deepEqual(after.prepare('SELECT prefix_key, count FROM handle_counts ORDER BY prefix_key').all(), counts);
  t.deepEqual(after.prepare('SELECT * FROM daily_counts ORDER BY day, prefix_key').all(), daily);
  t.deepEqual(
    after.prepare("SELECT prefix_key || '/' || suffix_key AS key, created_at, updated_at FROM handles ORDER BY 1").all(),
    rows.map((row) => ({ key: row.key, created_at: row.at, updated_at: row.at + 10 })).sort((a, b) => (a.key < b.key ? -1 : 1)),
  );
  // Nothing of the old table is left: no second copy of any record, no old index or trigger.
  const objects = after.prepare("SELECT type, name FROM sqlite_schema WHERE tbl_name LIKE 'handles%' ORDER BY name").all();
  t.deepEqual(objects, [
    { type: 'table', name: 'handles' },
    { type: 'trigger', name: 'handles_count_delete' },
    { type: 'trigger', name: 'handles_count_insert' },
  ]);
});

test('migration 004: the counts stay right for writes after it (the triggers follow the new table)', async (t) => {
  const path = join(tempDir(t), 'idnode.db');
  writeOldStore(path);
  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  const h = parseHandle('88.118.8/NEW', RULE);
  await store.write(() => store.insertRecord(h.key, h.display, h.prefixKey, [], T0));
  await store.write(() => store.deleteRecord(parseHandle('88.118.8/pump-1', RULE).key, T0));
  t.is(store.countHandles('88.118.8'), 3);
  t.deepEqual(store.listHandles('88.118.8', 10, 0).map((row) => row.key), ['88.118.8/NEW', '88.118.8/PUMP-2', '88.118.8/产品-3']);
});
