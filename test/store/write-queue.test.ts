// Group commit: one transaction per batch, savepoint isolation, commit before acknowledgement, bounds.

import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { IdnodeError } from '../../src/errors.js';
import { openStore } from '../../src/store/store.js';
import { WriteQueue } from '../../src/store/write-queue.js';
import { asSqlConnection } from '../../src/store/sql-connection.js';
import { committed, handle, insertHandle, openTempStore, secondConnection, tempDir } from './temp-store.js';

test('write queue: writes issued in the same tick run in one transaction and all resolve', async (t) => {
  const commits: string[][] = [];
  const { store, path } = openTempStore(t, { onCommitted: (keys) => commits.push([...keys]) });
  const other = secondConnection(t, path);
  const [a, b, c] = ['88.118.8/A', '88.118.8/B', '88.118.8/C'].map((text) => handle(text).key) as [string, string, string];
  const during: { otherSeesA?: boolean; storeSeesA?: boolean; otherSeesB?: boolean } = {};

  const results = Promise.all([
    store.write(() => {
      insertHandle(store, '88.118.8/A');
      return 'a';
    }),
    store.write(() => {
      // Same transaction: this connection already sees A, another connection does not (A is not committed yet).
      during.storeSeesA = store.getRecord(a) !== undefined;
      during.otherSeesA = committed(other, a);
      insertHandle(store, '88.118.8/B');
      return 'b';
    }),
    store.write(() => {
      during.otherSeesB = committed(other, b);
      insertHandle(store, '88.118.8/C');
      return 'c';
    }),
  ]);
  t.deepEqual(await results, ['a', 'b', 'c']);
  t.deepEqual(during, { storeSeesA: true, otherSeesA: false, otherSeesB: false });
  t.deepEqual(commits, [[a, b, c]]);
  t.true([a, b, c].every((key) => committed(other, key)));
});

test('write queue: a failing write rejects alone, its own writes roll back, the others commit', async (t) => {
  const commits: string[][] = [];
  const { store, path } = openTempStore(t, { onCommitted: (keys) => commits.push([...keys]) });
  const other = secondConnection(t, path);
  const key = (text: string): string => handle(text).key;
  const boom = new Error('boom');
  const invalid = new IdnodeError('INVALID_VALUE', 'values[0].ttl must be seconds');

  const settled = await Promise.allSettled([
    store.write(() => {
      insertHandle(store, '88.118.8/OK-1');
      return 1;
    }),
    store.write(() => {
      insertHandle(store, '88.118.8/PLAIN-ERROR');
      throw boom;
    }),
    store.write(() => {
      insertHandle(store, '88.118.8/IDNODE-ERROR');
      throw invalid;
    }),
    store.write(() => {
      insertHandle(store, '88.118.8/DUP-OWN-WRITE');
      insertHandle(store, '88.118.8/ok-1'); // same key as OK-1: SQLite uniqueness failure
      return 'never';
    }),
    store.write(() => {
      insertHandle(store, '88.118.8/OK-2');
      return 2;
    }),
  ]);

  t.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
  t.is((settled[0] as PromiseFulfilledResult<number>).value, 1);
  t.is((settled[4] as PromiseFulfilledResult<number>).value, 2);

  const plain = (settled[1] as PromiseRejectedResult).reason as IdnodeError;
  t.true(plain instanceof IdnodeError);
  t.is(plain.code, 'INTERNAL');
  t.is(plain.cause, boom);
  const catalogued = (settled[2] as PromiseRejectedResult).reason as IdnodeError;
  t.is(catalogued, invalid);
  t.is(catalogued.code, 'INVALID_VALUE');
  const duplicate = (settled[3] as PromiseRejectedResult).reason as IdnodeError;
  t.is(duplicate.code, 'HANDLE_ALREADY_EXISTS');
  t.is((duplicate.cause as { code?: string }).code, 'SQLITE_CONSTRAINT_PRIMARYKEY');

  for (const text of ['88.118.8/OK-1', '88.118.8/OK-2']) t.true(committed(other, key(text)), text);
  for (const text of ['88.118.8/PLAIN-ERROR', '88.118.8/IDNODE-ERROR', '88.118.8/DUP-OWN-WRITE']) {
    t.false(committed(other, key(text)), text);
    t.is(store.getRecord(key(text)), undefined, text);
  }
  t.is(store.countHandles(handle('88.118.8/X').prefixKey), 2);
  t.deepEqual(commits, [[key('88.118.8/OK-1'), key('88.118.8/OK-2')]]);
});

test('write queue: onCommitted runs after commit and before any promise settles', async (t) => {
  const events: string[] = [];
  let other: Database.Database | undefined;
  const a = handle('88.118.8/A').key;
  const { store, path } = openTempStore(t, {
    onCommitted: (keys) => events.push(`committed ${keys.join(',')} visible=${other !== undefined && committed(other, a)}`),
  });
  other = secondConnection(t, path);
  const db = other;

  const ok = store.write(() => {
    insertHandle(store, '88.118.8/A');
    events.push('op ran');
  });
  const failing = store.write(() => {
    throw new IdnodeError('INVALID_VALUE');
  });
  void ok.then(() => events.push(`resolved visible=${committed(db, a)}`));
  void failing.catch(() => events.push('rejected'));
  events.push('enqueued');
  t.deepEqual(events, ['enqueued'], 'nothing runs in the tick that enqueued');

  await ok;
  await t.throwsAsync(failing, { code: 'INVALID_VALUE' });
  t.deepEqual(events, ['enqueued', 'op ran', `committed ${a} visible=true`, 'resolved visible=true', 'rejected']);
});

test('write queue: a resolved write is visible to another connection at once', async (t) => {
  const { store, path } = openTempStore(t);
  const other = secondConnection(t, path);
  const key = handle('88.118.8/DURABLE').key;
  const visibleWhenResolved = await store.write(() => insertHandle(store, '88.118.8/DURABLE')).then(() => committed(other, key));
  t.true(visibleWhenResolved);
});

test('write queue: writes queued in later ticks run in later transactions', async (t) => {
  const commits: string[][] = [];
  const { store } = openTempStore(t, { onCommitted: (keys) => commits.push([...keys]) });
  const first = handle('88.118.8/FIRST').key;
  const second = handle('88.118.8/SECOND').key;
  await store.write(() => {
    insertHandle(store, '88.118.8/FIRST');
  });
  await store.write(() => {
    insertHandle(store, '88.118.8/SECOND');
  });
  t.deepEqual(commits, [[first], [second]]);
});

test('write queue: a batch larger than maxBatch is split into several transactions', async (t) => {
  const db = new Database(join(tempDir(t), 'queue.db'));
  t.teardown(() => db.close());
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (name TEXT PRIMARY KEY) STRICT');
  const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
  const commits: string[][] = [];
  const touched: string[] = [];
  const queue = new WriteQueue(asSqlConnection(db), touched, (keys) => commits.push([...keys]), undefined, 2);
  const names = ['a', 'b', 'c', 'd', 'e'];
  await Promise.all(
    names.map((name) =>
      queue.enqueue(() => {
        insert.run(name);
        touched.push(name);
      }),
    ),
  );
  t.deepEqual(commits, [['a', 'b'], ['c', 'd'], ['e']]);
  t.is(db.prepare('SELECT count(*) FROM items').pluck().get(), 5);
  t.is(queue.depth, 0);
});

test('write queue: close() runs queued writes before closing', async (t) => {
  const path = join(tempDir(t), 'idnode.db');
  const store = openStore(path, { busyTimeoutMs: 1000 });
  const pending = store.write(() => insertHandle(store, '88.118.8/LAST'));
  store.close();
  await pending;
  const reopened = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => reopened.close());
  t.is(reopened.getRecord(handle('88.118.8/LAST').key)?.handle, '88.118.8/LAST');
});

test('write queue: beyond its bound it refuses with STORE_BUSY instead of growing', async (t) => {
  const { store } = openTempStore(t);
  const db = (store as unknown as { db: Database.Database }).db;
  const queue = new WriteQueue(asSqlConnection(db), [], () => undefined, undefined, 512, 2);
  const first = queue.enqueue(() => 1);
  const second = queue.enqueue(() => 2);
  const error = await t.throwsAsync(queue.enqueue(() => 3));
  t.is((error as IdnodeError).code, 'STORE_BUSY');
  t.deepEqual(await Promise.all([first, second]), [1, 2]);
});
