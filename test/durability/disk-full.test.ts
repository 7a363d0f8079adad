// A full store (IDNODE_STORE_MAX_BYTES → PRAGMA max_page_count, issue 3, and a really full disk where the test may
// mount one): writes get 503 + Retry-After with Handle responseCode 3 and change nothing, reads keep answering from the
// store and the cache, the file stays sound, and writes work again once there is room.
// SQLite only: the cap is SQLite's max_page_count (IDNODE_STORE_MAX_BYTES does nothing on PostgreSQL, whose database is
// capped by its tablespace or disk quota: docs/scale-out.md), and the full disk is the one under the SQLite file.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { sqliteOnlyTest } from '../support/engine-test.js';
import { IdnodeError } from '../../src/errors.js';
import { parseHandle } from '../../src/identifier/handle.js';
import { parseValueList, type HandleValue } from '../../src/identifier/value.js';
import { openStore } from '../../src/store/store.js';
import { NODE_PREFIX, startNode, type NodeUnderTest, type Reply } from '../support/node-under-test.js';
import { httpCall, serveEnv, startServe } from '../support/serve-process.js';
import { inspectStoreFile } from '../support/store-file.js';

const CAP_BYTES = 512 * 1024;
/** About 1.2 KB per record (stored twice: the record and its public view, and once more in the audit log), so the cap is reached after some dozens of writes. */
const PAYLOAD = 'x'.repeat(1200);

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-full-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'idnode.db');
}

function valuesFor(handle: string): unknown[] {
  return [
    { index: 1, type: 'URL', data: `https://example.cn/${handle}` },
    { index: 2, type: 'DESC', data: `${handle} ${PAYLOAD}` },
  ];
}

interface Filled {
  /** Handles acknowledged (201) before the store filled up. */
  readonly stored: string[];
  /** The first refused write and its handle. */
  readonly refused: Reply;
  readonly refusedHandle: string;
}

/** Registers handles one at a time until a write is refused; fails the test on anything but 201 before that. */
async function fillUntilRefused(t: ExecutionContext, node: NodeUnderTest, label: string): Promise<Filled> {
  const stored: string[] = [];
  for (let i = 0; i < 5000; i += 1) {
    const handle = `${NODE_PREFIX}/${label}-${i}`;
    const reply = await node.put(`/api/handles/${handle}`, valuesFor(handle));
    if (reply.status !== 201) return { stored, refused: reply, refusedHandle: handle };
    stored.push(handle);
  }
  t.fail(`a ${CAP_BYTES}-byte store took 5,000 records without refusing one`);
  throw new Error('unreachable');
}

function assertFullAnswer(t: ExecutionContext, reply: Reply, what: string): void {
  t.is(reply.status, 503, `${what}: ${reply.text}`);
  t.is(reply.headers['retry-after'], '1', what);
  t.is(reply.json?.responseCode, 3, what);
  t.is(reply.json?.message, 'store is full, retry later', what);
}

async function assertResolves(t: ExecutionContext, node: NodeUnderTest, handle: string): Promise<void> {
  const reply = await node.get(`/api/handles/${handle}`);
  t.is(reply.status, 200, `GET ${handle}: ${reply.text}`);
  t.is(reply.json?.values?.[1]?.data?.value, `${handle} ${PAYLOAD}`, handle);
}

sqliteOnlyTest('disk full: writes past IDNODE_STORE_MAX_BYTES get 503 STORE_FULL and change nothing; cached and uncached reads answer; deleting makes room', async (t) => {
  const db = tempDb(t);
  const node = await startNode(t, { IDNODE_DB_PATH: db, IDNODE_STORE_MAX_BYTES: String(CAP_BYTES) });
  const { stored, refused, refusedHandle } = await fillUntilRefused(t, node, 'FILL');
  t.true(stored.length >= 20, `only ${stored.length} records fitted`);
  assertFullAnswer(t, refused, 'the first refused create');

  // Nothing of a refused write is left: the handle does not exist, and a replaced record keeps its old values.
  t.is((await node.get(`/api/handles/${refusedHandle}`)).status, 404);
  const victim = stored[0] as string;
  const bigger = [...valuesFor(victim), ...Array.from({ length: 200 }, (_, k) => ({ index: 10 + k, type: 'DESC', data: `NEW ${k} ${PAYLOAD}` }))];
  assertFullAnswer(t, await node.put(`/api/handles/${victim}`, bigger), 'an overwrite that needs more room');
  await assertResolves(t, node, victim);
  t.is((await node.get(`/api/handles/${victim}`)).json?.values?.length, 2, 'the old value set, not a partial new one');

  // Reads keep answering: some records are now cached (read twice), the rest are read from the store for the first time.
  const cached = stored.slice(0, 10);
  for (const handle of cached) await assertResolves(t, node, handle);
  for (const handle of cached) await assertResolves(t, node, handle);
  t.true((await node.metric('idnode_resolutions_total{outcome="cache_hit"}')) >= cached.length, 'the second reads came from the cache');
  for (const handle of stored.slice(10)) await assertResolves(t, node, handle);
  t.is((await node.get(`/api/handles/${NODE_PREFIX}/NEVER-WRITTEN`)).status, 404);
  t.is((await node.get('/readyz')).status, 200, 'a full store still serves reads, so the node stays ready');

  // Still full: the next write is refused the same way.
  assertFullAnswer(t, await node.put(`/api/handles/${refusedHandle}`, valuesFor(refusedHandle)), 'a retry while still full');
  t.is(inspectStoreFile(db, NODE_PREFIX).integrity, 'ok');

  // The cause goes away: deleting records frees pages, and writes succeed again.
  for (const handle of stored.slice(-20)) t.is((await node.delete(`/api/handles/${handle}`)).status, 200, `DELETE ${handle}`);
  const retried = await node.put(`/api/handles/${refusedHandle}`, valuesFor(refusedHandle));
  t.is(retried.status, 201, retried.text);
  await assertResolves(t, node, refusedHandle);
  const after = inspectStoreFile(db, NODE_PREFIX);
  t.is(after.integrity, 'ok');
  t.is(after.rows.size, stored.length - 20 + 1);
});

sqliteOnlyTest('disk full: a node restarted with a larger IDNODE_STORE_MAX_BYTES accepts writes again and kept every acknowledged record', async (t) => {
  const db = tempDb(t);
  const small = await startServe(t, serveEnv(db, { IDNODE_STORE_MAX_BYTES: String(CAP_BYTES) }));
  const stored: string[] = [];
  let refused: { status: number; headers: Record<string, unknown>; text: string } | undefined;
  for (let i = 0; i < 5000 && refused === undefined; i += 1) {
    const handle = `${NODE_PREFIX}/GROW-${i}`;
    const reply = await httpCall(small.port, 'PUT', `/api/handles/${handle}`, { body: valuesFor(handle) });
    if (reply.status === 201) stored.push(handle);
    else refused = reply;
  }
  t.is(refused?.status, 503, refused?.text);
  t.is(refused?.headers['retry-after'], '1');
  t.is((JSON.parse(refused?.text ?? '{}') as { responseCode?: number }).responseCode, 3);
  t.deepEqual(await small.kill('SIGTERM'), { code: 0, signal: null });
  t.is(inspectStoreFile(db, NODE_PREFIX).integrity, 'ok');

  const large = await startServe(t, serveEnv(db, { IDNODE_STORE_MAX_BYTES: String(16 * CAP_BYTES) }));
  const next = `${NODE_PREFIX}/GROW-${stored.length}`;
  t.is((await httpCall(large.port, 'PUT', `/api/handles/${next}`, { body: valuesFor(next) })).status, 201);
  for (const handle of [...stored, next]) {
    const reply = await httpCall(large.port, 'GET', `/api/handles/${handle}`);
    t.is(reply.status, 200, handle);
  }
  t.deepEqual(await large.kill('SIGTERM'), { code: 0, signal: null });
  const after = inspectStoreFile(db, NODE_PREFIX);
  t.is(after.integrity, 'ok');
  t.is(after.rows.size, stored.length + 1);
});

sqliteOnlyTest('disk full: a cap below the size of an existing store holds it at that size', async (t) => {
  const db = tempDb(t);
  const rule = { suffixCaseSensitive: false };
  const nowSeconds = 1_768_464_000;
  const insert = (store: ReturnType<typeof openStore>, text: string): Promise<void> => {
    const handle = parseHandle(text, rule);
    return store.write(() => {
      store.insertRecord(handle.key, handle.display, handle.prefixKey, parseValueList([{ index: 1, type: 'DESC', data: PAYLOAD }], nowSeconds, rule), nowSeconds);
    });
  };
  const first = openStore(db, { busyTimeoutMs: 1000 });
  for (let i = 0; i < 100; i += 1) await insert(first, `${NODE_PREFIX}/BEFORE-${i}`);
  t.is(first.capBytes, null, 'no cap configured');
  first.close();
  const store = openStore(db, { busyTimeoutMs: 1000, maxBytes: 4096 });
  t.teardown(() => store.close());
  const { sizeBytes } = inspectStoreFile(db, NODE_PREFIX);
  t.true((store.capBytes ?? 0) >= sizeBytes && (store.capBytes ?? 0) > 4096, `cap ${store.capBytes} for a ${sizeBytes}-byte store`);
  let refused: unknown;
  for (let i = 0; i < 1000 && refused === undefined; i += 1) await insert(store, `${NODE_PREFIX}/AFTER-${i}`).catch((error: unknown) => (refused = error));
  t.true(refused instanceof IdnodeError && refused.code === 'STORE_FULL', String(refused));
  const after = inspectStoreFile(db, NODE_PREFIX);
  t.true(after.sizeBytes <= (store.capBytes ?? 0), `the store did not grow past the cap in force (${after.sizeBytes} bytes)`);
  t.is(after.integrity, 'ok');
});

sqliteOnlyTest('disk full: a write that overflows the store fails alone with STORE_FULL; the other writes of its group commit', async (t) => {
  // For a one-row UPDATE without triggers SQLite keeps no statement journal, so SQLITE_FULL rolls back the whole
  // transaction, savepoints included: the group commit must fail only that write and still commit the others.
  const db = tempDb(t);
  const store = openStore(db, { busyTimeoutMs: 1000, maxBytes: CAP_BYTES });
  t.teardown(() => store.close());
  const rule = { suffixCaseSensitive: false };
  const nowSeconds = 1_768_464_000;
  const valueList = (count: number, data: string): HandleValue[] =>
    parseValueList(Array.from({ length: count }, (_, k) => ({ index: k + 1, type: 'DESC', data })), nowSeconds, rule);
  const insert = (text: string, data: string): Promise<void> => {
    const handle = parseHandle(text, rule);
    return store.write(() => {
      store.insertRecord(handle.key, handle.display, handle.prefixKey, valueList(1, data), nowSeconds);
    });
  };
  const existing = parseHandle(`${NODE_PREFIX}/EXISTING`, rule);
  await insert(existing.display, 'old');
  const grow = store.write(() => {
    store.updateRecord(existing.key, valueList(2048, PAYLOAD), nowSeconds);
  });
  // Issued in one tick, so they share one transaction: small insert, an update too large for the cap, small insert.
  const [before, huge, after] = await Promise.allSettled([insert(`${NODE_PREFIX}/SMALL-1`, 'one'), grow, insert(`${NODE_PREFIX}/SMALL-2`, 'two')]);
  t.is(before?.status, 'fulfilled', String((before as PromiseRejectedResult).reason));
  t.is(after?.status, 'fulfilled', String((after as PromiseRejectedResult).reason));
  t.is(huge?.status, 'rejected');
  const reason = (huge as PromiseRejectedResult).reason as unknown;
  t.true(reason instanceof IdnodeError && reason.code === 'STORE_FULL', String(reason));
  const view = inspectStoreFile(db, NODE_PREFIX);
  t.is(view.integrity, 'ok');
  t.deepEqual([...view.rows.keys()].sort(), [`${NODE_PREFIX}/EXISTING`, `${NODE_PREFIX}/SMALL-1`, `${NODE_PREFIX}/SMALL-2`]);
  t.is(view.rows.get(`${NODE_PREFIX}/EXISTING`)?.values[0]?.data.value, 'old');
  t.is(view.countedHandles, 3);
});

/** A real small disk needs root and a kernel that lets this process mount tmpfs; elsewhere that test is skipped. */
function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'idnode-mount-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'idnode-probe', probe]).status !== 0) return false;
    spawnSync('umount', [probe]);
    return true;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

(canMountTmpfs() ? sqliteOnlyTest : test.skip)('disk full: on a really full disk (a 4 MiB tmpfs) commits fail with 503, reads answer, and writes resume once the disk grows', async (t: ExecutionContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-enospc-'));
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  t.is(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'idnode-test', disk]).status, 0);
  t.teardown(() => {
    spawnSync('umount', ['-l', disk]);
    rmSync(dir, { recursive: true, force: true });
  });
  const db = join(disk, 'idnode.db');
  const node = await startServe(t, serveEnv(db));
  const stored: string[] = [];
  let refused: { status: number; headers: Record<string, unknown>; text: string } | undefined;
  for (let i = 0; i < 20_000 && refused === undefined; i += 1) {
    const handle = `${NODE_PREFIX}/DISK-${i}`;
    const reply = await httpCall(node.port, 'PUT', `/api/handles/${handle}`, { body: valuesFor(handle) });
    if (reply.status === 201) stored.push(handle);
    else refused = reply;
  }
  t.is(refused?.status, 503, refused?.text);
  t.is(refused?.headers['retry-after'], '1');
  t.deepEqual(JSON.parse(refused?.text ?? '{}'), { responseCode: 3, handle: `${NODE_PREFIX}/DISK-${stored.length}`, message: 'store is full, retry later' });
  t.true(stored.length >= 20, `only ${stored.length} records fitted`);
  for (const handle of [stored[0], stored[stored.length - 1]] as string[]) {
    t.is((await httpCall(node.port, 'GET', `/api/handles/${handle}`)).status, 200, `GET ${handle} on a full disk`);
  }
  t.is((await httpCall(node.port, 'GET', '/readyz')).status, 200);

  // The cause goes away: the disk grows (as when an operator frees space), and the next write commits.
  t.is(spawnSync('mount', ['-o', 'remount,size=16m', disk]).status, 0);
  const next = `${NODE_PREFIX}/DISK-${stored.length}`;
  t.is((await httpCall(node.port, 'PUT', `/api/handles/${next}`, { body: valuesFor(next) })).status, 201);
  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
  const view = inspectStoreFile(db, NODE_PREFIX);
  t.is(view.integrity, 'ok');
  t.deepEqual([...view.rows.keys()].sort(), [...stored, next].sort());
});
