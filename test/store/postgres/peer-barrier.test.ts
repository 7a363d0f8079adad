// A write acknowledged only once every other process has dropped what it replaced (issue 16, peer-barrier.ts): after
// settle(), every other listening process has already handled the commit's notice; one that does not answer is waited
// for once, for the bound, and not again until it answers; one that says bye is not waited for.

import type { ExecutionContext } from 'ava';
import pg from 'pg';
import { answerChannel, PEERS_CHANNEL, readPeerMessage } from '../../../src/store/postgres/peer-barrier.js';
import { PostgresRegistry, type PostgresRegistryOptions } from '../../../src/store/postgres/postgres-registry.js';
import type { RegistryWrite } from '../../../src/store/registry-engine.js';
import { postgresTest } from '../../support/postgres-cluster.js';
import { postgresCluster } from '../engine-fixtures.js';
import { handle, NOW_SECONDS, urlValue } from '../temp-store.js';

const { run, note } = postgresTest;

function insert(text: string): RegistryWrite {
  const h = handle(text);
  return { kind: 'insert', handleKey: h.key, handle: h.display, prefixKey: h.prefixKey, values: [urlValue(1, `https://example.cn/${text}`)], nowSeconds: NOW_SECONDS };
}

async function database(): Promise<string> {
  return (await postgresCluster()).createDatabase();
}

async function open(t: ExecutionContext, url: string, options: Partial<PostgresRegistryOptions> = {}): Promise<PostgresRegistry> {
  const registry = await PostgresRegistry.open({ url, poolSize: 2, ...options });
  t.teardown(() => registry.close());
  return registry;
}

/**
 * A process that listens and says hello, then answers nothing (as one whose event loop is stuck would): a plain
 * connection speaking the protocol by hand. `answering` switches its answers to pings on and off; `answered()`
 * resolves once an answer was committed; `bye()` says bye.
 */
async function silentPeer(t: ExecutionContext, url: string, id: string): Promise<{ answering: (on: boolean) => void; answered: () => Promise<void>; bye: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  let answering = false;
  let answered: () => void = () => undefined;
  let next = new Promise<void>((resolve) => (answered = resolve));
  client.on('notification', (message) => {
    const ping = readPeerMessage(message.payload);
    if (!answering || ping?.t !== 'ping') return;
    void client.query('SELECT pg_notify($1, $2)', [answerChannel(ping.from), JSON.stringify({ t: 'pong', from: id, n: ping.n })]).then(() => answered());
  });
  await client.query(`LISTEN ${PEERS_CHANNEL}`);
  await client.query('SELECT pg_notify($1, $2)', [PEERS_CHANNEL, JSON.stringify({ t: 'hello', from: id })]);
  return {
    answering: (on) => {
      answering = on;
      next = new Promise<void>((resolve) => (answered = resolve));
    },
    answered: () => next,
    bye: async () => void (await client.query('SELECT pg_notify($1, $2)', [PEERS_CHANNEL, JSON.stringify({ t: 'bye', from: id })])),
  };
}

run(`peer barrier: once a write settles, every other process has already heard its keys, round after round${note}`, async (t) => {
  const url = await database();
  const writer = await open(t, url);
  const others = [await open(t, url), await open(t, url)];
  const heard = others.map((other) => {
    const keys = new Set<string>();
    other.onCommitted((committed) => committed?.forEach((key) => keys.add(key)));
    return keys;
  });
  for (let round = 0; round < 40; round += 1) {
    const text = `88.118.8/ROUND-${round}`;
    t.deepEqual(await writer.commit([insert(text)]), [true]);
    await writer.settle();
    // No waiting here: the other processes' notice handlers ran before settle resolved.
    t.deepEqual(
      heard.map((keys) => keys.has(handle(text).key)),
      [true, true],
      `round ${round}`,
    );
  }
});

run(`peer barrier: a process that does not answer is waited for once, for the bound, then not until it answers again${note}`, async (t) => {
  const url = await database();
  const late: string[][] = [];
  const writer = await open(t, url, { peerWaitMs: 300, onLatePeers: (ids) => late.push([...ids]) });
  const peer = await silentPeer(t, url, 'stuck-process');
  await writer.commit([insert('88.118.8/FIRST')]);
  const started = performance.now();
  await writer.settle();
  t.true(performance.now() - started >= 290, 'settle waited for the silent process');
  t.deepEqual(late, [['stuck-process']]);
  // Late now: the next writes do not wait for it.
  await writer.commit([insert('88.118.8/SECOND')]);
  await writer.settle();
  await writer.settle();
  t.deepEqual(late, [['stuck-process']]);
  // It answers again (to a ping it was not waited for): waited for again, and as it answers, nothing is late.
  peer.answering(true);
  await writer.settle();
  await peer.answered();
  await writer.settle();
  t.deepEqual(late, [['stuck-process']]);
  // Waited for indeed: silent again, the next write waits the bound for it.
  peer.answering(false);
  await writer.settle();
  t.deepEqual(late, [['stuck-process'], ['stuck-process']]);
});

run(`peer barrier: a process that said bye is not waited for${note}`, async (t) => {
  const url = await database();
  const late: string[][] = [];
  const writer = await open(t, url, { peerWaitMs: 60_000, onLatePeers: (ids) => late.push([...ids]) });
  const peer = await silentPeer(t, url, 'leaving-process');
  // Its hello is heard before the next ping comes back: this settle would wait the full minute if bye were ignored.
  await peer.bye();
  await writer.commit([insert('88.118.8/AFTER-BYE')]);
  await writer.settle();
  t.deepEqual(late, []);
});

run(`peer barrier: a registry that closes says bye, so writes of the others do not wait for it${note}`, async (t) => {
  const url = await database();
  const late: string[][] = [];
  const writer = await open(t, url, { peerWaitMs: 60_000, onLatePeers: (ids) => late.push([...ids]) });
  const leaving = await PostgresRegistry.open({ url, poolSize: 1 });
  await writer.commit([insert('88.118.8/BEFORE')]);
  await writer.settle();
  await leaving.close();
  await writer.commit([insert('88.118.8/AFTER')]);
  await writer.settle();
  t.deepEqual(late, []);
});
