// Failover under the engine: a primary with a synchronous standby, writes in flight, SIGKILL, promotion — every
// acknowledged write is on the new primary, every refused one was refused STORE_UNAVAILABLE, and writing goes on.

import pg from 'pg';
import { IdnodeError } from '../../../src/errors.js';
import { candidateUrls } from '../../../src/store/postgres/primary-locator.js';
import { PostgresRegistry } from '../../../src/store/postgres/postgres-registry.js';
import type { RegistryEngine, RegistryWrite } from '../../../src/store/registry-engine.js';
import { PostgresCluster, postgresTest } from '../../support/postgres-cluster.js';
import { ReplicatedPair, retryUnavailable, STANDBY_NAME } from '../../support/postgres-replication.js';
import { handle, NOW_SECONDS, urlValue } from '../temp-store.js';
import test from 'ava';

const { run, note } = postgresTest;

/** Concurrent writers, each under its own prefix (one prefix's counter rows would queue them behind each other). */
const WRITERS = 8;
/** Acknowledged writes before the primary is killed. */
const BEFORE_KILL = 200;
/** Writes each writer must see acknowledged that it issued after the promotion. */
const AFTER_PROMOTION = 10;

function insert(text: string): RegistryWrite {
  const h = handle(text);
  return { kind: 'insert', handleKey: h.key, handle: h.display, prefixKey: h.prefixKey, values: [urlValue(1, `https://example.cn/${text}`)], nowSeconds: NOW_SECONDS };
}

/** Resolves with the first keys `engine` hears that satisfy `wanted`. */
function nextCommit(engine: RegistryEngine, wanted: (keys: readonly string[] | null) => boolean): Promise<readonly string[] | null> {
  return new Promise((resolve) => {
    const stop = engine.onCommitted((keys) => {
      if (!wanted(keys)) return;
      stop();
      resolve(keys);
    });
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('failover: a URL listing hosts becomes one URL per host with the same user, database and parameters', (t) => {
  t.deepEqual(candidateUrls('postgresql://idnode:pw@db1:5432,db2,[::1]:5433/registry?sslmode=require'), [
    'postgresql://idnode:pw@db1:5432/registry?sslmode=require',
    'postgresql://idnode:pw@db2/registry?sslmode=require',
    'postgresql://idnode:pw@[::1]:5433/registry?sslmode=require',
  ]);
  t.deepEqual(candidateUrls('postgres://db1:5432/registry'), ['postgres://db1:5432/registry']);
  t.deepEqual(candidateUrls('postgresql:///registry?host=/run/postgresql'), ['postgresql:///registry?host=/run/postgresql']);
  t.deepEqual(candidateUrls(['postgresql://a/x', 'postgresql://b/x']), ['postgresql://a/x', 'postgresql://b/x']);
  t.throws(() => candidateUrls('postgresql://u@db1,,db2/x'), { code: 'INTERNAL' });
});

run(`failover: SIGKILL the primary with writes in flight, promote the synchronous standby — every acknowledged write is there${note}`, async (t) => {
  t.timeout(180_000);
  const pair = await ReplicatedPair.start();
  t.teardown(() => pair.stop());
  // CREATE DATABASE commits only once the synchronous standby has it: it also waits for the standby to stream.
  const primaryUrl = await pair.primary.createDatabase();
  const database = decodeURIComponent(primaryUrl.slice(primaryUrl.lastIndexOf('/') + 1));
  const options = { poolSize: 8, listenRetryMinMs: 20, listenRetryMaxMs: 200, locateRetryMinMs: 20, locateRetryMaxMs: 200 };
  const registry = await PostgresRegistry.open({ url: pair.hostListUrl(database), ...options });
  t.teardown(() => registry.close());
  t.is(registry.primaryUrl, pair.primary.url(database));
  // The precondition of "nothing acknowledged is lost": the standby is synchronous and commits wait for it.
  const replication = await pair.primary.query('SELECT application_name, state, sync_state FROM pg_stat_replication');
  t.deepEqual(replication.rows, [{ application_name: STANDBY_NAME, state: 'streaming', sync_state: 'sync' }]);
  t.is((await pair.primary.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit, 'on');
  // The standby is never taken for the primary, whatever the order of the list.
  await t.throwsAsync(PostgresRegistry.open({ url: [pair.standby.url(database)], ...options }), { code: 'STORE_UNAVAILABLE' });
  const reversed = await PostgresRegistry.open({ url: [pair.standby.url(database), pair.primary.url(database)], ...options });
  t.is(reversed.primaryUrl, pair.primary.url(database));
  await reversed.close();
  const droppedEverything = nextCommit(registry, (keys) => keys === null);

  const acknowledged = new Map<string, string>();
  const rejected: { key: string; code: string }[] = [];
  const issued = new Set<string>();
  let inFlight = 0;
  let promotedDone = false;
  const promoted = deferred();
  const enoughBeforeKill = deferred();

  const writer = async (w: number): Promise<void> => {
    let afterPromotion = 0;
    for (let i = 0; afterPromotion < AFTER_PROMOTION; i += 1) {
      const text = `88.118.${w}/W${i}`;
      const key = handle(text).key;
      const issuedAfterPromotion = promotedDone;
      issued.add(key);
      inFlight += 1;
      try {
        await registry.commit([insert(text)]);
        acknowledged.set(key, text);
        if (issuedAfterPromotion) afterPromotion += 1;
        if (acknowledged.size >= BEFORE_KILL) enoughBeforeKill.resolve();
      } catch (error) {
        rejected.push({ key, code: error instanceof IdnodeError ? error.code : String(error) });
        // Retried on events, not time: the promotion, then the engine having found a writable member.
        await promoted.promise;
        await registry.whenAvailable();
      } finally {
        inFlight -= 1;
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

  await enoughBeforeKill.promise;
  t.true(inFlight > 0, 'writes are in flight when the primary dies');
  await pair.killPrimary();

  // Between the loss and the promotion every call fails STORE_UNAVAILABLE: reads, writes, counts — never another code,
  // and never an answer from the standby.
  const someKey = [...acknowledged.keys()][0] ?? '';
  await t.throwsAsync(registry.getRecord(someKey), { code: 'STORE_UNAVAILABLE' });
  await t.throwsAsync(registry.commit([insert('88.118.99/WHILE-DOWN')]), { code: 'STORE_UNAVAILABLE' });
  await t.throwsAsync(registry.countHandles('88.118.0'), { code: 'STORE_UNAVAILABLE' });
  await t.throwsAsync(registry.listHandles('88.118.0', 10, 0), { code: 'STORE_UNAVAILABLE' });
  t.is(registry.primaryUrl, null);

  pair.promoteStandby();
  promotedDone = true;
  promoted.resolve();
  // The engine finds the new primary by itself; each writer gets AFTER_PROMOTION writes through after it.
  await Promise.all(writers);
  t.is(registry.primaryUrl, pair.standby.url(database));
  // The LISTEN connection came back on the new primary and said "drop everything".
  t.is(await droppedEverything, null);
  t.true(registry.listening);

  const client = new pg.Client({ connectionString: pair.standby.url(database) });
  await client.connect();
  t.teardown(() => client.end());
  const rows = await client.query<{ key: string }>("SELECT prefix_key || '/' || suffix_key AS key FROM handles");
  const present = new Set(rows.rows.map((row) => row.key));
  // The point: nothing acknowledged is missing.
  t.deepEqual([...acknowledged.keys()].filter((key) => !present.has(key)), []);
  t.true(acknowledged.size >= BEFORE_KILL + WRITERS * AFTER_PROMOTION);
  // Refused writes were refused STORE_UNAVAILABLE (each writer's in-flight or next write at least); one whose COMMIT
  // answer was lost may have landed anyway — not acknowledged, so either way is right. Nothing else is there.
  t.true(rejected.length >= WRITERS);
  t.deepEqual([...new Set(rejected.map((r) => r.code))], ['STORE_UNAVAILABLE']);
  t.deepEqual([...present].filter((key) => !issued.has(key)), []);
  t.false(present.has(handle('88.118.99/WHILE-DOWN').key));
  const landed = rejected.filter((r) => present.has(r.key)).length;
  t.log(`${acknowledged.size} acknowledged (all present), ${rejected.length} refused STORE_UNAVAILABLE (${landed} of them landed anyway)`);

  // Reads through the engine answer from the new primary: every acknowledged record, and the trigger-kept counts.
  for (const [key, text] of acknowledged) t.is((await retryUnavailable(registry, () => registry.getRecord(key)))?.handle, text);
  const counts = await Promise.all(Array.from({ length: WRITERS }, (_, w) => retryUnavailable(registry, () => registry.countHandles(`88.118.${w}`))));
  t.is(counts.reduce((a, b) => a + b, 0), present.size);

  // Another process opening the same host list now finds the promoted standby, and this one hears its commits.
  const other = await PostgresRegistry.open({ url: pair.hostListUrl(database), ...options });
  t.teardown(() => other.close());
  const key = handle('88.118.99/HEARD').key;
  const heard = nextCommit(registry, (keys) => keys?.includes(key) === true);
  await other.commit([insert('88.118.99/HEARD')]);
  t.deepEqual(await heard, [key]);
});

run(`failover: two members that both take writes (an old primary back beside the promoted one) are refused STORE_UNAVAILABLE${note}`, async (t) => {
  const [one, two] = await Promise.all([PostgresCluster.start(), PostgresCluster.start()]);
  t.teardown(() => Promise.all([one.stop(), two.stop()]));
  await t.throwsAsync(PostgresRegistry.open({ url: [one.url(), two.url()] }), { code: 'STORE_UNAVAILABLE' });
  // Either alone is the primary.
  const alone = await PostgresRegistry.open({ url: [two.url()] });
  t.is(alone.primaryUrl, two.url());
  await alone.close();
});

run(`failover: a primary that stops answering with its sockets open (a vanished machine) is given up after queryTimeoutMs, and the promoted standby taken${note}`, async (t) => {
  t.timeout(120_000);
  const pair = await ReplicatedPair.start();
  t.teardown(() => pair.stop());
  const primaryUrl = await pair.primary.createDatabase();
  const database = decodeURIComponent(primaryUrl.slice(primaryUrl.lastIndexOf('/') + 1));
  // The bounds that end the wait on the frozen primary; generous enough for a loaded machine's healthy answers.
  const options = { connectTimeoutMs: 3000, queryTimeoutMs: 3000, listenHeartbeatMs: 100, listenRetryMinMs: 20, listenRetryMaxMs: 200, locateRetryMinMs: 20, locateRetryMaxMs: 200 };
  const registry = await PostgresRegistry.open({ url: pair.hostListUrl(database), ...options });
  t.teardown(() => registry.close());
  const texts = Array.from({ length: 20 }, (_, i) => `88.118.${i % 4}/BEFORE-${i}`);
  t.deepEqual(await Promise.all(texts.map((text) => registry.commit([insert(text)]))), texts.map(() => [true]));
  const droppedEverything = nextCommit(registry, (keys) => keys === null);

  pair.freezePrimary();
  // No socket closes, no error arrives: the engine gives up on its own, STORE_UNAVAILABLE, and stops using the member.
  await t.throwsAsync(registry.commit([insert('88.118.9/FROZEN')]), { code: 'STORE_UNAVAILABLE' });
  await t.throwsAsync(registry.getRecord(handle(texts[0] ?? '').key), { code: 'STORE_UNAVAILABLE' });
  t.is(registry.primaryUrl, null);

  pair.promoteStandby();
  await registry.whenAvailable();
  t.is(registry.primaryUrl, pair.standby.url(database));
  // Every acknowledged write is on the new primary, and writing goes on.
  for (const text of texts) t.is((await retryUnavailable(registry, () => registry.getRecord(handle(text).key)))?.handle, text);
  t.deepEqual(await retryUnavailable(registry, () => registry.commit([insert('88.118.9/AFTER')])), [true]);
  // The LISTEN connection's heartbeat went unanswered; it came back on the new primary and said "drop everything".
  t.is(await droppedEverything, null);
});
