// Why the failover test's synchronous standby matters: with the standby's WAL held back, a commit that waits for it is
// never acknowledged, and one that does not wait (synchronous_commit = local) is acknowledged — and lost at failover.

import type { ExecutionContext } from 'ava';
import pg from 'pg';
import { PostgresRegistry } from '../../../src/store/postgres/postgres-registry.js';
import type { RegistryWrite } from '../../../src/store/registry-engine.js';
import { postgresTest } from '../../support/postgres-cluster.js';
import { ReplicatedPair, retryUnavailable, waitUntil } from '../../support/postgres-replication.js';
import { handle, NOW_SECONDS, urlValue } from '../temp-store.js';

const { run, note } = postgresTest;

function insert(text: string): RegistryWrite {
  const h = handle(text);
  return { kind: 'insert', handleKey: h.key, handle: h.display, prefixKey: h.prefixKey, values: [urlValue(1, `https://example.cn/${text}`)], nowSeconds: NOW_SECONDS };
}

const OPTIONS = { listenRetryMinMs: 20, listenRetryMaxMs: 200, locateRetryMinMs: 20, locateRetryMaxMs: 200 };

/**
 * A primary and its synchronous standby, a migrated database, and an engine over both. With `local`, the database's
 * sessions commit with synchronous_commit = local (the engine's durability check accepts it: the primary's own disk).
 */
async function setUp(t: ExecutionContext, local: boolean): Promise<{ pair: ReplicatedPair; registry: PostgresRegistry; database: string }> {
  t.timeout(120_000);
  const pair = await ReplicatedPair.start();
  t.teardown(() => pair.stop());
  const url = await pair.primary.createDatabase();
  const database = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
  // Migrated while every commit waits for the standby, so the promoted standby has the schema; the ALTER's own commit
  // waits for it too, so everything before it is on the standby.
  await (await PostgresRegistry.open({ url: pair.hostListUrl(database), ...OPTIONS })).close();
  if (local) await pair.primary.query(`ALTER DATABASE "${database}" SET synchronous_commit = local`);
  const registry = await PostgresRegistry.open({ url: pair.hostListUrl(database), ...OPTIONS });
  t.teardown(() => registry.close());
  return { pair, registry, database };
}

run(`failover contrast: with the synchronous standby held back, a commit is never acknowledged; it fails STORE_UNAVAILABLE and is not on the new primary${note}`, async (t) => {
  const { pair, registry } = await setUp(t, false);
  t.deepEqual(await registry.commit([insert('88.118.1/BEFORE')]), [true]);
  await pair.pauseShipping();
  let settled = false;
  const held = registry.commit([insert('88.118.1/HELD')]);
  held.then(
    () => (settled = true),
    () => (settled = true),
  );
  // Committed on the primary's disk, waiting for the standby that gets nothing: not acknowledged.
  await waitUntil(async () => (await pair.primary.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'")).rows[0]?.n === 1, 'the commit to wait for the standby');
  t.false(settled);
  await pair.killPrimary();
  await t.throwsAsync(held, { code: 'STORE_UNAVAILABLE' });
  pair.promoteStandby();
  await registry.whenAvailable();
  t.is((await retryUnavailable(registry, () => registry.getRecord(handle('88.118.1/BEFORE').key)))?.handle, '88.118.1/BEFORE');
  t.is(await retryUnavailable(registry, () => registry.getRecord(handle('88.118.1/HELD').key)), undefined);
});

run(`failover contrast: without it (synchronous_commit = local) the same commits are acknowledged, and every one is lost at failover${note}`, async (t) => {
  const { pair, registry, database } = await setUp(t, true);
  const check = new pg.Client({ connectionString: pair.primary.url(database) });
  await check.connect();
  t.is((await check.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit, 'local');
  await check.end();
  await pair.pauseShipping();
  const texts = Array.from({ length: 20 }, (_, i) => `88.118.${i % 4}/ACKED-${i}`);
  t.deepEqual(await Promise.all(texts.map((text) => registry.commit([insert(text)]))), texts.map(() => [true]));
  await pair.killPrimary();
  await t.throwsAsync(registry.getRecord(handle(texts[0] ?? '').key), { code: 'STORE_UNAVAILABLE' });
  pair.promoteStandby();
  await registry.whenAvailable();
  const found = await Promise.all(texts.map((text) => retryUnavailable(registry, () => registry.getRecord(handle(text).key))));
  // 20 acknowledged writes, none on the new primary: what the failover test's synchronous standby prevents.
  t.deepEqual(found.filter((record) => record !== undefined), []);
});
