// What only the PostgreSQL engine has: COMMIT held across processes, the LISTEN connection's recovery, a bounded pool,
// refusing a server that does not commit durably, and answering STORE_UNAVAILABLE when the server is gone.

import type { ExecutionContext } from 'ava';
import pg from 'pg';
import { APPLICATION_NAME } from '../../../src/store/postgres/pool.js';
import { PostgresRegistry } from '../../../src/store/postgres/postgres-registry.js';
import type { RegistryEngine, RegistryWrite } from '../../../src/store/registry-engine.js';
import { PostgresCluster, postgresTest } from '../../support/postgres-cluster.js';
import { ENGINES, nextCommit, postgresCluster } from '../engine-fixtures.js';
import { handle, NOW_SECONDS, urlValue } from '../temp-store.js';

const { run, note } = postgresTest;
const fixture = ENGINES.find((engine) => engine.name === 'postgres');
if (fixture === undefined) throw new Error('no postgres fixture');

function insert(text: string): RegistryWrite {
  const h = handle(text);
  return { kind: 'insert', handleKey: h.key, handle: h.display, prefixKey: h.prefixKey, values: [urlValue(1, `https://example.cn/${text}`)], nowSeconds: NOW_SECONDS };
}

function heard(engine: RegistryEngine): (readonly string[] | null)[] {
  const events: (readonly string[] | null)[] = [];
  engine.onCommitted((keys) => events.push(keys));
  return events;
}

/** A gate a write transaction waits at just before COMMIT: `reached` settles when one arrives, `open()` lets them all go. */
function commitGate(): { hook: () => Promise<void>; reached: (count: number) => Promise<void>; open: () => void; arrivals: () => number } {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let arrivals = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    hook: () => {
      arrivals += 1;
      for (const waiter of waiters) if (arrivals >= waiter.count) waiter.resolve();
      return gate;
    },
    reached: (count) => (arrivals >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    open: () => open(),
    arrivals: () => arrivals,
  };
}

async function freshDatabase(t: ExecutionContext, options: Partial<Parameters<typeof PostgresRegistry.open>[0]> = {}): Promise<{ url: string; registry: PostgresRegistry }> {
  const server = await postgresCluster();
  const url = await server.createDatabase();
  const registry = await PostgresRegistry.open({ url, ...options });
  t.teardown(() => registry.close());
  return { url, registry };
}

run(`postgres registry: while a COMMIT is held, other processes neither see the write nor hear of it; after, they do${note}`, async (t) => {
  const gate = commitGate();
  const under = await fixture.open(t, { beforeCommit: gate.hook });
  const listener = await under.another();
  const writer = await under.another();
  const events = heard(listener);
  const held = handle('88.118.8/HELD').key;
  const pending = under.engine.commit([insert('88.118.8/HELD')]);
  await gate.reached(1);
  // Notices arrive in commit order: once the listener hears a later commit, an earlier notice would have come first.
  // (Another prefix: the held transaction holds its prefix's counter rows until it commits.)
  const other = handle('88.118.7/OTHER').key;
  const otherHeard = nextCommit(listener, (keys) => keys?.includes(other) === true);
  await writer.commit([insert('88.118.7/OTHER')]);
  await otherHeard;
  t.deepEqual(events, [[other]]);
  t.is(await listener.getRecord(held), undefined);
  const heldHeard = nextCommit(listener, (keys) => keys?.includes(held) === true);
  gate.open();
  t.deepEqual(await pending, [true]);
  t.deepEqual(await heldHeard, [held]);
  t.is((await listener.getRecord(held))?.handle, '88.118.8/HELD');
});

run(`postgres registry: a listener whose connection is cut reconnects, says "drop everything", then hears commits again${note}`, async (t) => {
  const under = await fixture.open(t);
  const listener = (await under.another()) as PostgresRegistry;
  const dropAll = nextCommit(listener, (keys) => keys === null);
  // Cut every LISTEN connection of this database (as a restart or failover would).
  const cut = await under.sql("SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = current_database() AND (query LIKE 'LISTEN idnode_commits%' OR query LIKE '/* idnode peers */%')");
  t.true(cut.length >= 2);
  t.is(await dropAll, null);
  t.true(listener.listening);
  t.true(((listener as unknown as { listener: { reconnections: number } }).listener.reconnections) >= 1);
  const key = handle('88.118.8/AFTER').key;
  const heardAfter = nextCommit(listener, (keys) => keys?.includes(key) === true);
  await under.engine.commit([insert('88.118.8/AFTER')]);
  t.deepEqual(await heardAfter, [key]);
});

run(`postgres registry: a commit with more keys than one payload holds is heard whole; more than the log names, as "everything"${note}`, async (t) => {
  const under = await fixture.open(t);
  const listener = await under.another();
  const events = heard(listener);
  const texts = Array.from({ length: 700 }, (_, i) => `88.118.8/SERIAL-NUMBER-${String(i).padStart(6, '0')}`);
  const keys = texts.map((text) => handle(text).key);
  const last = keys.at(-1) ?? '';
  const allHeard = nextCommit(listener, (heardKeys) => heardKeys?.includes(last) === true);
  await under.engine.commit(texts.map(insert));
  await allHeard;
  t.true(events.length > 1);
  t.deepEqual(events.flatMap((event) => event ?? []), keys);

  const bulk = Array.from({ length: 4100 }, (_, i) => insert(`88.118.9/B${i}`));
  const everything = nextCommit(listener, (heardKeys) => heardKeys === null);
  await under.engine.commit(bulk);
  t.is(await everything, null);
  t.is(await listener.countHandles('88.118.9'), 4100);
});

run(`postgres registry: at most IDNODE_PG_POOL connections, however many writes wait${note}`, async (t) => {
  const gate = commitGate();
  const { registry, url } = await freshDatabase(t, { poolSize: 2, beforeCommit: gate.hook });
  // Runs before the registry's close (teardowns run last first): a failed assertion fails the test instead of leaving
  // the writes at the gate and close waiting on them.
  t.teardown(() => gate.open());
  // One prefix each: writes under one prefix queue on its counter rows before they reach the gate.
  const writes = Array.from({ length: 6 }, (_, i) => registry.commit([insert(`88.118.${i}/W`)]));
  await gate.reached(2);
  const server = await postgresCluster();
  const database = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
  const backends = await server.query<{ count: string }>("SELECT count(*)::text AS count FROM pg_stat_activity WHERE datname = $1 AND application_name = $2", [database, APPLICATION_NAME]);
  // Two pooled connections and the LISTEN connection.
  t.is(backends.rows[0]?.count, '3');
  t.is(gate.arrivals(), 2);
  gate.open();
  t.deepEqual(await Promise.all(writes), Array.from({ length: 6 }, () => [true]));
  t.is(gate.arrivals(), 6);
  t.deepEqual(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => registry.countHandles(`88.118.${i}`))), [1, 1, 1, 1, 1, 1]);
});

run(`postgres registry: a server that could lose an acknowledged commit (synchronous_commit off) is refused STORE_UNAVAILABLE${note}`, async (t) => {
  const server = await postgresCluster();
  const url = await server.createDatabase();
  const database = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
  await server.query(`ALTER DATABASE "${database}" SET synchronous_commit = off`);
  await t.throwsAsync(PostgresRegistry.open({ url }), { code: 'STORE_UNAVAILABLE' });
  // Refused before anything was written: not even the migrations ran.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const version = await client.query<{ name: string | null }>("SELECT to_regclass('schema_version')::text AS name");
  await client.end();
  t.deepEqual(version.rows, [{ name: null }]);
  await server.query(`ALTER DATABASE "${database}" SET synchronous_commit = on`);
  const registry = await PostgresRegistry.open({ url });
  t.is(await registry.countHandles('88.118.8'), 0);
  await registry.close();
});

run(`postgres registry: when the server is gone reads and writes reject STORE_UNAVAILABLE, and close does not hang${note}`, async (t) => {
  const server = await PostgresCluster.start();
  t.teardown(() => server.stop());
  const registry = await PostgresRegistry.open({ url: await server.createDatabase(), connectTimeoutMs: 2000, listenRetryMinMs: 50 });
  await registry.commit([insert('88.118.8/A')]);
  await server.stop();
  await t.throwsAsync(registry.getRecord(handle('88.118.8/A').key), { code: 'STORE_UNAVAILABLE' });
  await t.throwsAsync(registry.commit([insert('88.118.8/B')]), { code: 'STORE_UNAVAILABLE' });
  await t.throwsAsync(registry.listHandles('88.118.8', 10, 0), { code: 'STORE_UNAVAILABLE' });
  await registry.close();
  await t.throwsAsync(registry.commit([insert('88.118.8/C')]), { code: 'STORE_UNAVAILABLE' });
});
