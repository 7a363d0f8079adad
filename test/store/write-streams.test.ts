// A write sent in parts (a streamed batch): the parts commit together after the final one, other writes wait for it,
// and a stream that fails or never completes keeps nothing.

import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { IdnodeError } from '../../src/errors.js';
import { WriteQueue } from '../../src/store/write-queue.js';
import { asSqlConnection } from '../../src/store/sql-connection.js';
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
  const queue = new WriteQueue(asSqlConnection(db), touched, (keys) => commits.push([...keys]), undefined, 512, 20_000, streamTimeoutMs);
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
  const first = track(store.write(() => insertHandle(store, '88.118.8/PART-A').display, { stream: 7, seq: 0, final: false }));
  await turns();
  t.true(store.inTransaction, 'the first part holds its transaction open');
  t.false(committed(other, a));
  const outside = track(store.write(() => insertHandle(store, '88.118.8/OUTSIDE').display));
  await turns();
  t.false(first.settled(), 'a part is not answered before its stream commits');
  t.false(outside.settled(), 'a write outside the stream waits for it');
  t.false(committed(other, x));
  const last = store.write(() => insertHandle(store, '88.118.8/PART-B').display, { stream: 7, seq: 1, final: true });
  t.deepEqual(await Promise.all([first.promise, last]), ['88.118.8/PART-A', '88.118.8/PART-B']);
  t.true(committed(other, a) && committed(other, b));
  t.is(await outside.promise, '88.118.8/OUTSIDE');
  t.deepEqual(commits, [[a, b], [x]], 'the stream in one transaction, the other write in the next');
});

test('write streams: all or nothing — a part that fails fails every part of its stream, and nothing of it is stored', async (t) => {
  const { store, path } = openTempStore(t);
  const other = secondConnection(t, path);
  const results = await Promise.allSettled([
    store.write(() => insertHandle(store, '88.118.8/S-1'), { stream: 3, seq: 0, final: false }),
    store.write(
      () => {
        insertHandle(store, '88.118.8/S-2');
        throw new IdnodeError('STORE_FULL');
      },
      { stream: 3, seq: 1, final: false },
    ),
    store.write(() => insertHandle(store, '88.118.8/S-3'), { stream: 3, seq: 2, final: true }),
    store.write(() => insertHandle(store, '88.118.8/S-OTHER')),
  ]);
  t.deepEqual(
    results.map((result) => (result.status === 'rejected' ? (result.reason as IdnodeError).code : 'ok')),
    ['STORE_FULL', 'STORE_FULL', 'STORE_UNAVAILABLE', 'ok'],
    'the parts that ran fail with the cause; the one after it finds its stream given up; other writes go on',
  );
  t.deepEqual(
    ['88.118.8/S-1', '88.118.8/S-2', '88.118.8/S-3', '88.118.8/S-OTHER'].map((text) => committed(other, handle(text).key)),
    [false, false, false, true],
  );
});

test('write streams: a part missing from the sequence (refused on its way) fails the stream at once instead of committing the rest', async (t) => {
  const { queue, insert, names } = bareQueue(t, 10_000);
  const first = queue.enqueue(() => insert('part-0'), { stream: 5, seq: 0, final: false });
  const skipped = queue.enqueue(() => insert('part-2'), { stream: 5, seq: 2, final: true });
  const outside = queue.enqueue(() => insert('outside'));
  for (const part of [first, skipped]) t.is(((await t.throwsAsync(part)) as IdnodeError).code, 'STORE_UNAVAILABLE');
  await outside;
  t.deepEqual(names(), ['outside'], 'no part committed; the write held off ran at once, not after a timeout');
});

test('write streams: a stream whose final part does not come is rolled back whole; its late parts fail; waiting writes then commit', async (t) => {
  const { queue, insert, names, commits } = bareQueue(t, 50);
  const first = queue.enqueue(() => insert('part-1'), { stream: 1, seq: 0, final: false });
  const waiting = queue.enqueue(() => insert('outside'));
  const error = await t.throwsAsync(first);
  t.is((error as IdnodeError).code, 'STORE_UNAVAILABLE');
  await waiting;
  const late = await t.throwsAsync(queue.enqueue(() => insert('part-2'), { stream: 1, seq: 1, final: true }));
  t.is((late as IdnodeError).code, 'STORE_UNAVAILABLE', 'the rest of an abandoned stream fails too');
  t.deepEqual(names(), ['outside']);
  t.deepEqual(commits, [['outside']]);
});

test('write streams: closing the store rolls back a stream that is not complete, fails its parts, and still runs the writes it held off', async (t) => {
  const { queue, insert, names } = bareQueue(t, 10_000);
  const first = queue.enqueue(() => insert('part-1'), { stream: 9, seq: 0, final: false });
  await turns();
  const outside = queue.enqueue(() => insert('outside'));
  await turns();
  queue.drain();
  const error = await t.throwsAsync(first);
  t.is((error as IdnodeError).code, 'STORE_UNAVAILABLE');
  await outside;
  t.deepEqual(names(), ['outside']);
});

test('write streams: beyond its bound the queue refuses a new stream but never a later part of an admitted one', async (t) => {
  const db = new Database(join(tempDir(t), 'bound.db'));
  t.teardown(() => db.close());
  db.pragma('journal_mode = WAL');
  const queue = new WriteQueue(asSqlConnection(db), [], () => undefined, undefined, 512, 2, 10_000);
  const first = queue.enqueue(() => 'a', { stream: 1, seq: 0, final: false });
  const filler = queue.enqueue(() => 'b');
  t.is(((await t.throwsAsync(queue.enqueue(() => 'c', { stream: 2, seq: 0, final: true }))) as IdnodeError).code, 'STORE_BUSY');
  const last = queue.enqueue(() => 'd', { stream: 1, seq: 1, final: true });
  t.deepEqual(await Promise.all([first, last, filler]), ['a', 'd', 'b']);
});
