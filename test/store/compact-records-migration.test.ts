// Migration 006 (issue 13): a store written by the old representation (a verbose JSON record and a precomputed public
// copy per row, at schema 003 or at 005 with the hierarchy's triggers and the SNMS tables) opens, is converted in place,
// loses nothing, and its outbox triggers go on queueing exactly the reports they queued before.

import { chmodSync, copyFileSync, readdirSync, readFileSync } from 'node:fs';
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

const OLD_INSERT = `INSERT INTO handles (handle_key, handle, prefix_key, record, public_values, has_private, public_min_ttl, public_expires, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Inserts a record with the insert statement idnode used before issue 13 (both JSON columns). */
function insertOld(db: Database.Database, row: OldRow): void {
  const view = publicView(row.values);
  db.prepare(OLD_INSERT).run(row.key, row.display, row.prefixKey, JSON.stringify(row.values), view.valuesJson, view.hasPrivate ? 1 : 0, view.minTtlSeconds, view.earliestExpirySeconds, row.at, row.at + 10);
}

function oldRow(handle: string, values: unknown[], at: number): OldRow {
  const h = parseHandle(handle, RULE);
  return { key: h.key, display: h.display, prefixKey: h.prefixKey, values: parseValueList(values, at, RULE), at };
}

/** Writes a store exactly as idnode before issue 13 did: the migrations up to `version`, then `prepare`, then the records. */
function writeOldStore(path: string, version = 3, prepare: (db: Database.Database) => void = () => undefined): OldRow[] {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const files = readdirSync(new URL('../../../schema/', import.meta.url)).filter((name) => /^\d{3}-.*\.sql$/.test(name) && Number(name.slice(0, 3)) <= version).sort();
  for (const file of files) db.exec(readFileSync(new URL(`../../../schema/${file}`, import.meta.url), 'utf8'));
  db.pragma(`user_version = ${version}`);
  const rows = RECORDS.map(({ handle, values, at }) => oldRow(handle, values, at));
  db.transaction(() => {
    prepare(db);
    for (const row of rows) insertOld(db, row);
  })();
  db.close();
  chmodSync(path, 0o600);
  return rows;
}

test('migration 006: a store written by the old representation opens with every record, spelling, count and date intact', (t) => {
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
  // Nothing of the old table is left: no second copy of any record, no old index; the triggers are on the new table.
  const objects = after.prepare("SELECT type, name FROM sqlite_schema WHERE tbl_name LIKE 'handles%' ORDER BY name").all();
  t.deepEqual(objects, [
    { type: 'table', name: 'handles' },
    { type: 'trigger', name: 'handles_count_delete' },
    { type: 'trigger', name: 'handles_count_insert' },
    { type: 'trigger', name: 'outbox_prefix_record_deleted' },
    { type: 'trigger', name: 'outbox_record_deleted' },
    { type: 'trigger', name: 'outbox_record_inserted' },
    { type: 'trigger', name: 'outbox_record_updated' },
  ]);
});

test('migration 006: the counts stay right for writes after it (the triggers follow the new table)', async (t) => {
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

const NODE = '88.118';
const OTHERS = [oldRow('99.1/Other', [{ index: 1, type: 'URL', data: 'https://example.org/o' }], T0 + 6), oldRow('0.NA/88.118.9', [], T0 + 7)];

/** A store at schema 005 as a secondary node filing under 88.118 left it: homed prefixes, SNMS rows, a queued outbox. */
function writeFilingStore(path: string, filing: boolean): OldRow[] {
  return writeOldStore(path, 5, (db) => {
    if (filing) db.prepare("INSERT INTO hierarchy_settings (name, value) VALUES ('filing', ?)").run(NODE);
    const home = db.prepare('INSERT INTO prefixes (prefix_key, prefix, homed_at) VALUES (?, ?, ?)');
    home.run('88.118.8', '88.118.8', T0);
    home.run('99.1', '99.1', T0);
    db.prepare("INSERT INTO audit_log (at, actor, client, action, prefix_key, target, before, after, hash) VALUES (?, 'account:ops', '127.0.0.1', 'handle.create', '88.118.8', '88.118.8/Pump-1', NULL, '{}', 'ab')").run(T0);
    db.prepare("INSERT INTO quota_counters (subject, day, count) VALUES ('account:ops', 20468, 3)").run();
    for (const row of OTHERS) insertOld(db, row);
  });
}

/** Every row of the tables 006 must not touch. */
function untouched(db: Database.Database): unknown[] {
  return ['outbox', 'hierarchy_settings', 'prefixes', 'audit_log', 'quota_counters', 'handle_counts', 'daily_counts', 'sqlite_sequence'].map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all());
}

test('migration 006: a store at 005 keeps every record, its escrow source, the outbox and the SNMS tables', (t) => {
  const path = join(tempDir(t), 'idnode.db');
  const rows = [...writeFilingStore(path, true), ...OTHERS];
  const before = new Database(path);
  const tables = untouched(before);
  const old = before.prepare('SELECT handle_key AS key, handle, public_values AS publicValues FROM handles').all() as { key: string; handle: string; publicValues: string }[];
  before.close();
  // The old triggers queued the served records (not 99.1's) and the homed prefix derived from the node prefix.
  t.deepEqual((tables[0] as { kind: string; subject: string }[]).map((row) => `${row.kind} ${row.subject}`), [
    'prefix 88.118.8',
    ...['0.NA/88.118.9', '0.NA/88.118', '0.NA/88.118.8', '88.118.8/PUMP-1', '88.118.8/PUMP-2', '88.118.8/产品-3', '88.118/A'].map((key) => `record ${key}`),
  ]);

  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  t.is(old.length, rows.length);
  for (const row of rows) {
    t.deepEqual(store.getRecord(row.key), { handle: row.display, values: row.values }, row.key);
    // What the escrow ships is what the old store's public_values column held.
    const { handle, publicValues } = old.find((entry) => entry.key === row.key)!;
    t.deepEqual(store.outbox.escrowSource(row.key), { handle, publicValues }, row.key);
  }
  t.is(store.outbox.escrowSource('88.118.8/GONE'), null);
  t.deepEqual(store.outbox.prefixState('88.118.8', 'x'), { prefix: '88.118.8', state: 'active' });
  t.deepEqual(store.outbox.prefixState('88.118.9', 'x'), { prefix: '88.118.9', state: 'disabled' });
  t.deepEqual(store.outbox.prefixState('88.118.7', '88.118.7'), { prefix: '88.118.7', state: 'deleted' });

  const after = new Database(path, { readonly: true });
  t.teardown(() => after.close());
  t.is(after.pragma('user_version', { simple: true }), loadMigrations().at(-1)?.version, 'migrated through 006 and every later migration');
  t.is(after.pragma('integrity_check', { simple: true }), 'ok');
  // The rebuild queued nothing, counted nothing twice and left the hierarchy's and the SNMS tables as they were.
  t.deepEqual(untouched(after), tables);
});

/** The same changes, written once with idnode's old statements on an old store and once through the migrated Store. */
const CHANGES = {
  insert: oldRow('88.118.8/New', [{ index: 1, type: 'URL', data: 'https://example.cn/new' }], T0 + 20),
  insertElsewhere: oldRow('99.1/Y', [], T0 + 21),
  update: { key: '88.118.8/PUMP-1', values: parseValueList([{ index: 1, type: 'URL', data: 'https://example.cn/p/1b' }], T0 + 22, RULE) },
  updatePrefixRecord: { key: '0.NA/88.118', values: parseValueList([{ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '011111111111' } } }], T0 + 23, RULE) },
  deletes: ['88.118.8/PUMP-2', '0.NA/88.118.8', '99.1/OTHER'],
};

function writeChangesOld(db: Database.Database): void {
  db.transaction(() => {
    insertOld(db, CHANGES.insert);
    insertOld(db, CHANGES.insertElsewhere);
    for (const { key, values } of [CHANGES.update, CHANGES.updatePrefixRecord]) {
      const view = publicView(values);
      db.prepare('UPDATE handles SET record = ?, public_values = ?, has_private = ?, public_min_ttl = ?, public_expires = ?, updated_at = ? WHERE handle_key = ?')
        .run(JSON.stringify(values), view.valuesJson, view.hasPrivate ? 1 : 0, view.minTtlSeconds, view.earliestExpirySeconds, T0 + 30, key);
    }
    for (const key of CHANGES.deletes) db.prepare('DELETE FROM handles WHERE handle_key = ?').run(key);
  })();
}

function outboxOf(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT id, kind, subject, refused FROM outbox ORDER BY id').all();
  } finally {
    db.close();
  }
}

test('migration 006: the recreated triggers queue the reports the old ones queued, for records and prefix records', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'idnode.db');
  const reference = join(dir, 'old.db');
  writeFilingStore(path, true);
  copyFileSync(path, reference);
  const old = new Database(reference);
  writeChangesOld(old);
  old.close();

  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  const queued = store.outbox.depth().pending;
  await store.write(() => {
    for (const row of [CHANGES.insert, CHANGES.insertElsewhere]) store.insertRecord(row.key, row.display, row.prefixKey, row.values, row.at);
    for (const { key, values } of [CHANGES.update, CHANGES.updatePrefixRecord]) t.true(store.updateRecord(key, values, T0 + 30));
    for (const key of CHANGES.deletes) t.true(store.deleteRecord(key, T0 + 30));
  });
  const expected = outboxOf(reference);
  t.deepEqual(
    (expected.slice(queued) as { kind: string; subject: string }[]).map((row) => `${row.kind} ${row.subject}`),
    ['record 88.118.8/NEW', 'record 88.118.8/PUMP-1', 'record 0.NA/88.118', 'record 88.118.8/PUMP-2', 'record 0.NA/88.118.8', 'prefix 88.118.8'],
  );
  t.deepEqual(outboxOf(path), expected);
});

test('migration 006: switching filing on after it queues the records already stored, as before it', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'idnode.db');
  const reference = join(dir, 'old.db');
  writeFilingStore(path, false);
  copyFileSync(path, reference);
  t.deepEqual(outboxOf(path), []);
  // The seeding of src/store/outbox-tables.ts as it read the old table.
  const old = new Database(reference);
  const served = `(CASE WHEN prefix_key = '0.NA' THEN substr(handle_key, 6) ELSE prefix_key END) = @node
    OR substr((CASE WHEN prefix_key = '0.NA' THEN substr(handle_key, 6) ELSE prefix_key END), 1, length(@node) + 1) = @node || '.'`;
  old.transaction(() => {
    old.prepare("INSERT INTO hierarchy_settings (name, value) VALUES ('filing', ?)").run(NODE);
    old.prepare("INSERT INTO outbox (kind, subject) SELECT 'prefix', prefix_key FROM prefixes WHERE substr(prefix_key, 1, length(@node) + 1) = @node || '.'").run({ node: NODE });
    old.prepare(`INSERT INTO outbox (kind, subject) SELECT 'record', handle_key FROM handles WHERE ${served} ORDER BY handle_key`).run({ node: NODE });
  })();
  old.close();

  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  t.true(await store.write(() => store.outbox.enableFiling(NODE)));
  const expected = outboxOf(reference);
  t.is(expected.length, 8);
  t.deepEqual(outboxOf(path), expected);
});
