// A store locked by another connection: STORE_BUSY, nothing written, recovery.

import { performance } from 'node:perf_hooks';
import test from 'ava';
import { IdnodeError } from '../../src/errors.js';
import { committed, handle, insertHandle, openTempStore, secondConnection } from './temp-store.js';

// A real lock held by a second connection with a real (short) busy timeout: the one place these tests wait on time.
const BUSY_TIMEOUT_MS = 50;

test('store: a write blocked past the busy timeout rejects STORE_BUSY, writes nothing, and later writes succeed', async (t) => {
  const commits: string[][] = [];
  const { store, path } = openTempStore(t, { busyTimeoutMs: BUSY_TIMEOUT_MS, onCommitted: (keys) => commits.push([...keys]) });
  const other = secondConnection(t, path);
  const a = handle('88.118.8/A');
  const b = handle('88.118.8/B');

  other.exec('BEGIN IMMEDIATE');
  const started = performance.now();
  const settled = await Promise.allSettled([
    store.write(() => insertHandle(store, a.display)),
    store.write(() => insertHandle(store, b.display)),
  ]);
  const waitedMs = performance.now() - started;
  for (const outcome of settled) {
    t.is(outcome.status, 'rejected');
    const reason = (outcome as PromiseRejectedResult).reason as IdnodeError;
    t.true(reason instanceof IdnodeError);
    t.is(reason.code, 'STORE_BUSY');
    t.is((reason.cause as { code?: string }).code, 'SQLITE_BUSY');
  }
  // The busy timeout was honoured (the default, 0, would fail at once).
  t.true(waitedMs >= BUSY_TIMEOUT_MS - 10, `waited ${waitedMs} ms`);
  // Reads still work while another connection holds the write lock (WAL).
  t.is(store.getRecord(a.key), undefined);
  other.exec('ROLLBACK');

  t.is(store.getRecord(a.key), undefined);
  t.is(store.getRecord(b.key), undefined);
  t.is(store.countHandles(a.prefixKey), 0);
  t.deepEqual(commits, []);

  await store.write(() => {
    insertHandle(store, a.display);
  });
  t.true(committed(other, a.key));
  t.deepEqual(commits, [[a.key]]);
});

test('store: writeNow under a held lock throws STORE_BUSY', (t) => {
  const { store, path } = openTempStore(t, { busyTimeoutMs: BUSY_TIMEOUT_MS });
  const other = secondConnection(t, path);
  other.exec('BEGIN IMMEDIATE');
  const error = t.throws(() => store.writeNow(() => insertHandle(store, '88.118.8/A')), { instanceOf: IdnodeError });
  t.is(error?.code, 'STORE_BUSY');
  other.exec('ROLLBACK');
  store.writeNow(() => insertHandle(store, '88.118.8/A'));
  t.true(committed(other, handle('88.118.8/A').key));
});
