// Commits by another connection over the same file reach this one's caches through the change log: exactly the keys
// they changed, or everything when they did not say; this connection's own commits are not news to it.

import test from 'ava';
import { openStore } from '../../src/store/store.js';
import { ChangeFeed } from '../../src/store/change-feed.js';
import { KEPT_ROWS, MAX_LOGGED_KEYS } from '../../src/store/change-log.js';
import { insertHandle, secondConnection, openTempStore } from './temp-store.js';

/** The feed looks once per turn of the event loop: the next look is in the next turn. */
async function look(feed: ChangeFeed): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  feed.check();
}

const GRACE_MS = 1000;

interface Clock {
  ms: number;
}

function feedOf(store: ReturnType<typeof openTempStore>['store']): { feed: ChangeFeed; seen: (readonly string[] | 'all')[]; clock: Clock } {
  const seen: (readonly string[] | 'all')[] = [];
  const clock: Clock = { ms: 0 };
  const feed = new ChangeFeed(store, { keys: (keys) => seen.push([...keys]), all: () => seen.push('all') }, () => clock.ms, GRACE_MS);
  return { feed, seen, clock };
}

test('change feed: another connection’s commit hands over exactly the keys it wrote; this connection’s own do not', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  const { feed, seen } = feedOf(store);
  await store.write(() => insertHandle(store, '88.118.8/OWN'));
  await look(feed);
  t.deepEqual(seen, [], 'its own commit does not move data_version');
  await other.write(() => {
    insertHandle(other, '88.118.8/A');
    insertHandle(other, '88.118.8/B');
  });
  other.writeNow(() => other.deleteRecord('88.118.8/A', 1));
  await look(feed);
  t.deepEqual(seen, [['88.118.8/A', '88.118.8/B', '88.118.8/A']]);
  await look(feed);
  t.is(seen.length, 1, 'nothing new: nothing handed over');
});

test('change feed: a write that does not log (another program) and a transaction of too many keys drop everything', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  const raw = secondConnection(t, path);
  const { feed, seen, clock } = feedOf(store);
  raw.prepare("INSERT INTO settings (name, value) VALUES ('x', 'y')").run();
  await look(feed);
  t.deepEqual(seen, [], 'at first it may be a writer restarting the WAL before its commit');
  clock.ms += GRACE_MS;
  await look(feed);
  t.deepEqual(seen, ['all'], 'still nothing logged after the grace: a write that did not log');
  await other.write(() => {
    for (let i = 0; i <= MAX_LOGGED_KEYS; i += 1) insertHandle(other, `88.118.8/N${i}`);
  });
  await look(feed);
  t.deepEqual(seen, ['all', 'all']);
});

test('change feed: a writer restarting the WAL mid-transaction moves data_version early; nothing is dropped, then exactly its keys', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  const { feed, seen } = feedOf(store);
  other.writeNow(() => insertHandle(other, '88.118.8/BEFORE'));
  await look(feed);
  t.deepEqual(seen, [['88.118.8/BEFORE']]);
  // Everything checkpointed, so the writer's next frame restarts the WAL; a one-page cache spills frames before COMMIT.
  const writer = secondConnection(t, path);
  writer.pragma('wal_checkpoint(PASSIVE)');
  writer.pragma('cache_size = 1');
  const version = store.changeLog!.version();
  writer.exec('BEGIN IMMEDIATE');
  const filler = writer.prepare('INSERT INTO settings (name, value) VALUES (?, ?)');
  for (let i = 0; i < 50; i += 1) filler.run(`filler-${i}`, 'x'.repeat(3000));
  t.not(store.changeLog!.version(), version, 'the restart moved data_version before any commit');
  await look(feed);
  await look(feed);
  t.deepEqual(seen, [['88.118.8/BEFORE']], 'nothing logged yet, within the grace: nothing dropped');
  writer.prepare("INSERT INTO change_log (writer, keys) VALUES ('other-program', '[\"88.118.8/LOGGED\"]')").run();
  writer.exec('COMMIT');
  await look(feed);
  t.deepEqual(seen, [['88.118.8/BEFORE'], ['88.118.8/LOGGED']], 'the commit, when it lands, names its keys');
});

test('change feed: a reader behind the pruned rows drops everything; one that keeps up gets every key', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  const { feed, seen } = feedOf(store);
  for (let i = 0; i < KEPT_ROWS + 128; i += 1) other.writeNow(() => other.usage.dayOf(0));
  await look(feed);
  t.deepEqual(seen, ['all'], 'rows it had not read were pruned');
  other.writeNow(() => insertHandle(other, '88.118.8/LATE'));
  await look(feed);
  t.deepEqual(seen, ['all', ['88.118.8/LATE']]);
});

test('change feed: it looks once per turn of the event loop (data_version costs a read transaction), again in the next', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  const { feed, seen } = feedOf(store);
  await look(feed);
  other.writeNow(() => insertHandle(other, '88.118.8/SAME-TURN'));
  feed.check();
  t.deepEqual(seen, [], 'already looked this turn');
  await look(feed);
  t.deepEqual(seen, [['88.118.8/SAME-TURN']]);
});
