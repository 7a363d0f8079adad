// The usage record in the store: days in UTC+8, heartbeats, flushes that fail and retry, the migration's seed, and
// runs of real `idnode serve` processes stopped gracefully or killed.

import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { createLogger } from '../../src/log/logger.js';
import { openTestStore } from '../support/test-store.js';
import { sqliteOnlyTest } from '../support/engine-test.js';
import { LocalWriteChannel } from '../../src/store/write-channel.js';
import { HEARTBEAT_INTERVAL_MS, UsageRecorder, usageWriteCommands } from '../../src/usage/usage-recorder.js';
import { startServe, serveEnv } from '../support/serve-process.js';
import { handle, openTempStore, secondConnection, tempDir } from '../store/temp-store.js';

const cst = (month: number, day: number, hour = 0, minute = 0, second = 0): number => Date.UTC(2026, month - 1, day, hour - 8, minute, second);

test('usage: report days are China Standard Time, midnight to midnight', (t) => {
  const { store } = openTempStore(t);
  t.is(store.usage.dayOf(cst(11, 30, 23, 59, 59)), '2026-11-30');
  t.is(store.usage.dayOf(cst(12, 1)), '2026-12-01');
  t.is(store.usage.dayOf(Date.UTC(2026, 10, 30, 16)), '2026-12-01', '16:00 UTC is midnight in Beijing');
  t.is(store.usage.nextDayStartMs(cst(11, 30, 23, 59, 59)), cst(12, 1));
  t.is(store.usage.nextDayStartMs(cst(12, 1)), cst(12, 2));
  t.is(store.usage.dayStartMs('2026-12-01'), cst(12, 1));
});

test('usage: writes are counted on the day of their time, per prefix, in the same transaction', async (t) => {
  const { store } = openTempStore(t);
  await store.write(() => {
    const a = handle('88.118.8/A');
    store.insertRecord(a.key, a.display, a.prefixKey, [], cst(11, 30, 23, 0) / 1000);
    store.updateRecord(a.key, [], cst(12, 1, 1) / 1000);
    store.deleteRecord(a.key, cst(12, 1, 2) / 1000);
    // Nothing there to change: not counted.
    store.updateRecord(a.key, [], cst(12, 1, 3) / 1000);
    store.deleteRecord(a.key, cst(12, 1, 3) / 1000);
  });
  t.deepEqual(store.usage.countsBetween('2026-11-30', '2026-11-30'), [{ prefixKey: '88.118.8', created: 1, updated: 0, deleted: 0, resolved: 0 }]);
  t.deepEqual(store.usage.countsBetween('2026-12-01', '2026-12-31'), [{ prefixKey: '88.118.8', created: 0, updated: 1, deleted: 1, resolved: 0 }]);
  t.deepEqual([...store.usage.totalsUpTo('2026-11-30')], [['88.118.8', 1]]);
  t.deepEqual([...store.usage.totalsUpTo('2026-12-01')], [['88.118.8', 0]]);
  // A write that fails leaves no count behind (DESIGN invariant 4).
  const b = handle('88.118.8/B');
  await t.throwsAsync(
    store.write(() => {
      store.insertRecord(b.key, b.display, b.prefixKey, [], cst(12, 2) / 1000);
      store.insertRecord(b.key, b.display, b.prefixKey, [], cst(12, 2) / 1000);
    }),
    { code: 'HANDLE_ALREADY_EXISTS' },
  );
  t.deepEqual(store.usage.countsBetween('2026-12-02', '2026-12-02'), []);
});

test('usage: an idle node writes a heartbeat every 30 s, not at every flush', async (t) => {
  const { store, path } = openTempStore(t);
  let now = cst(11, 5, 12);
  const recorder = new UsageRecorder(store, new LocalWriteChannel(store, usageWriteCommands(store), () => now), { nowMs: () => now, logger: createLogger('silent') });
  recorder.start();
  t.teardown(() => void recorder.stop());
  const other = secondConnection(t, path);
  const lastSeen = (): unknown => other.prepare('SELECT last_seen_at FROM node_runs').pluck().get();
  t.is(lastSeen(), now);
  now += HEARTBEAT_INTERVAL_MS - 1;
  await recorder.flush();
  t.is(lastSeen(), cst(11, 5, 12));
  now += 1;
  await recorder.flush();
  t.is(lastSeen(), now);
  recorder.tally.resolved('88.118.8');
  now += 5_000;
  await recorder.flush();
  t.is(lastSeen(), now, 'a flush with counts carries the heartbeat too');
});

test('usage: a flush that fails (store locked) keeps its counts and the next one stores them', async (t) => {
  const { store, path } = openTempStore(t, { busyTimeoutMs: 20 });
  const lines: string[] = [];
  const recorder = new UsageRecorder(store, new LocalWriteChannel(store, usageWriteCommands(store), () => cst(11, 5, 12)), { nowMs: () => cst(11, 5, 12), logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  recorder.start();
  t.teardown(() => void recorder.stop());
  const other = secondConnection(t, path);
  for (let i = 0; i < 4; i += 1) recorder.tally.resolved('88.118.8');
  other.exec('BEGIN IMMEDIATE');
  await recorder.flush();
  t.is(lines.filter((line) => line.includes('usage counters could not be written')).length, 1);
  other.exec('COMMIT');
  recorder.tally.resolved('88.118.8');
  await recorder.flush();
  t.deepEqual(store.usage.countsBetween('2026-11-05', '2026-11-05'), [{ prefixKey: '88.118.8', created: 0, updated: 0, deleted: 0, resolved: 5 }]);
  t.true(lines.some((line) => line.includes('written to the store again')));
});

sqliteOnlyTest('usage: migration 003 counts the identifiers a store already held on the day they were created', (t) => {
  const path = join(tempDir(t), 'idnode.db');
  const old = new Database(path);
  for (const file of ['001-handles.sql', '002-node-keys.sql']) old.exec(readFileSync(new URL(`../../../schema/${file}`, import.meta.url), 'utf8'));
  old.pragma('user_version = 2');
  const insert = old.prepare(
    "INSERT INTO handles (handle_key, handle, prefix_key, record, public_values, has_private, created_at, updated_at) VALUES (?, ?, ?, '[]', '[]', 0, ?, ?)",
  );
  insert.run('88.118.8/A', '88.118.8/A', '88.118.8', cst(10, 31, 23) / 1000, 0);
  insert.run('88.118.8/B', '88.118.8/B', '88.118.8', cst(11, 1, 1) / 1000, 0);
  insert.run('88.118.9/C', '88.118.9/C', '88.118.9', cst(11, 1, 1) / 1000, 0);
  old.close();
  chmodSync(path, 0o600); // as the node itself makes a store (docs/security.md)
  const store = openTestStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  t.deepEqual(store.usage.countsBetween('2026-10-31', '2026-10-31').map((row) => [row.prefixKey, row.created]), [['88.118.8', 1]]);
  t.deepEqual(store.usage.countsBetween('2026-11-01', '2026-11-01').map((row) => [row.prefixKey, row.created]), [['88.118.8', 1], ['88.118.9', 1]]);
  t.deepEqual([...store.usage.totalsUpTo('2026-11-30')], [['88.118.8', 2], ['88.118.9', 1]]);
});

test('usage: idnode serve records its start, heartbeat-less kill and graceful stop in node_runs', async (t) => {
  const path = join(tempDir(t), 'idnode.db');
  const killed = await startServe(t, serveEnv(path));
  await killed.kill('SIGKILL');
  const stopped = await startServe(t, serveEnv(path));
  t.is((await stopped.kill('SIGTERM')).code, 0);
  const store = openTestStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  const runs = store.usage.runsBetween(0, Date.now() + 1);
  t.is(runs.length, 2);
  t.is(runs[0]?.stoppedAtMs, null, 'SIGKILL leaves no stop event: down from its last heartbeat');
  t.true((runs[0]?.lastSeenAtMs ?? 0) >= (runs[0]?.startedAtMs ?? Infinity));
  t.true((runs[1]?.stoppedAtMs ?? 0) >= (runs[1]?.startedAtMs ?? Infinity), 'SIGTERM records the stop');
  t.true((runs[1]?.startedAtMs ?? 0) >= (runs[0]?.lastSeenAtMs ?? Infinity));
});
