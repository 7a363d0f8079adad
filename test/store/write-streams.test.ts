// A write sent in parts (a streamed batch): the parts commit together after the final one, other writes wait for it,
// and a stream that fails or never completes keeps nothing.

import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { IdnodeError } from '../../src/errors.js';
import { WriteQueue } from '../../src/store/write-queue.js';
import { committed, handle, insertHandle, openTempStore, secondConnection, tempDir } from './temp-store.js';

/** Lets the queue's setImmediate flushes run. */
async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

function track<T>(promise: Promise<T>): { readonly promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  return { promise: tracked, settled: () => done };
}

/** A WriteQueue over a bare table, with a short stream timeout. */
function bareQueue(t: Parameters<typeof tempDir>[0], streamTimeoutMs: number): { queue: WriteQueue; db: Database.Database; insert: (name: string) => void; names: () => string[]; commits: string[][] } {
  const db = new Database(join(tempDir(t), 'queue.db'));
  t.teardown(() => db.close());
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (name TEXT PRIMARY KEY) STRICT');
  const statement = db.prepare('INSERT INTO items (name) VALUES (?)');
  const touched: string[] = [];
  const commits: string[][] = [];
  const queue = new WriteQueue(db, touched, (keys) => commits.push([...keys]), undefined, 512, 20_000, streamTimeoutMs);
  return {
    queue,
    db,
    commits,
    insert: (name) => {
      statement.run(name);
      touched.push(name);
    },
    names: () => db.prepare<[], string>('SELECT name FROM items ORDER BY name').pluck().all(),
  };
}

test('write streams: the parts commit together after the final one, and none is answered before; other writes wait for it', async (t) => {
  const commits: string[][] = [];
  const { store, path } = openTempStore(t, { onCommitted: (keys) => commits.push([...keys]) });
  const other = secondConnection(t, path);
  const [a, b, x] = ['88.118.8/PART-A', '88.118.8/PART-B', '88.118.8/OUTSIDE'].map((text) => handle(text).key) as [string, string, string];
  const first = track(store.write(() => insertHandle(store, '88.118.8/PART-A').display, { stream: 7, final: false }));
  await turns();
  t.true(store.inTransaction, 'the first part holds its transaction open');
  t.false(committed(other, a));
  const outside = track(store.write(() => insertHandle(store, '88.118.8/OUTSIDE').display));
  await turns();
  t.false(first.settled(), 'a part is not answered before its stream commits');
  t.false(outside.settled(), 'a write outside the stream waits for it');
  t.false(committed(other, x));
  const last = store.write(() => insertHandle(store, '88.118.8/PART-B').display, { stream: 7, final: true });
  t.deepEqual(await Promise.all([first.promise, last]), ['88.118.8/PART-A', '88.118.8/PART-B']);
  t.true(committed(other, a) && committed(other, b));
  t.is(await outside.promise, '88.118.8/OUTSIDE');
  t.deepEqual(commits, [[a, b], [x]], 'the stream in one transaction, the other write in the next');
});

test('write streams: a part that fails rejects alone and leaves nothing; the other parts commit', async (t) => {
  const { store, path } = openTempStore(t);
  const other = secondConnection(t, path);
  const results = await Promise.allSettled([
    store.write(() => insertHandle(store, '88.118.8/S-1'), { stream: 3, final: false }),
    store.write(
      () => {
        insertHandle(store, '88.118.8/S-2');
        throw new IdnodeError('HANDLE_ALREADY_EXISTS');
      },
      { stream: 3, final: false },
    ),
    store.write(() => insertHandle(store, '88.118.8/S-3'), { stream: 3, final: true }),
  ]);
  t.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.deepEqual(
    ['88.118.8/S-1', '88.118.8/S-2', '88.118.8/S-3'].map((text) => committed(other, handle(text).key)),
    [true, false, true],
  );
});

test('write streams: a stream whose final part does not come is rolled back whole; its late parts fail; waiting writes then commit', async (t) => {
  const { queue, insert, names, commits } = bareQueue(t, 50);
  const first = queue.enqueue(() => insert('part-1'), { stream: 1, final: false });
  const waiting = queue.enqueue(() => insert('outside'));
  const error = await t.throwsAsync(first);
  t.is((error as IdnodeError).code, 'STORE_UNAVAILABLE');
  await waiting;
  const late = await t.throwsAsync(queue.enqueue(() => insert('part-2'), { stream: 1, final: true }));
  t.is((late as IdnodeError).code, 'STORE_UNAVAILABLE', 'the rest of an abandoned stream fails too');
  t.deepEqual(names(), ['outside']);
  t.deepEqual(commits, [['outside']]);
  await queue.enqueue(() => insert('after'), { stream: 1, final: true }).then(
    () => t.pass('the stream id is free again once its final part came'),
    () => t.fail(),
  );
});

test('write streams: closing the store rolls back a stream that is not complete and fails its parts', async (t) => {
  const { queue, insert, names } = bareQueue(t, 10_000);
  const first = queue.enqueue(() => insert('part-1'), { stream: 9, final: false });
  await turns();
  queue.drain();
  const error = await t.throwsAsync(first);
  t.is((error as IdnodeError).code, 'STORE_UNAVAILABLE');
  t.deepEqual(names(), []);
});
