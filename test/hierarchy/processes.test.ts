// The hierarchy as real processes on loopback (issue 14): a top-level node and three secondary nodes — identifiers
// resolve through every node; a prefix allocated while the top-level node is down is filed once it is back; a node
// killed with SIGKILL is answered for by the top-level node and answers again itself after a restart; a referral loop
// between two nodes ends with an error.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { clusterNode, startHierarchy, until, type ClusterNode } from '../../demo/cluster.js';

/** Short intervals, so that what takes minutes in production takes a second here. */
const FAST = {
  IDNODE_OUTBOX_POLL_MS: '100',
  IDNODE_OUTBOX_RETRY_MAX_MS: '400',
  IDNODE_STATISTICS_INTERVAL_SECONDS: '1',
  IDNODE_UPSTREAM_TIMEOUT_MS: '1000',
};
const TOP = { IDNODE_PROBE_INTERVAL_MS: '200', IDNODE_TAKEOVER_AFTER_MS: '1500', IDNODE_LOG_LEVEL: 'info' };

const URL_VALUE = (url: string) => [{ index: 1, type: 'URL', data: url }];

async function register(node: ClusterNode, handle: string): Promise<void> {
  const reply = await node.call('PUT', `/api/handles/${handle}`, { admin: true, body: URL_VALUE(`https://example.cn/${handle}`) });
  if (reply.status !== 201) throw new Error(`${handle} on ${node.name}: ${reply.status} ${reply.text}`);
}

async function outboxDrained(node: ClusterNode): Promise<boolean> {
  return (await node.status()).upstream?.outbox?.pending === 0;
}

test('processes: a top-level node and three secondary nodes — resolution through each, filing while the top is down, SIGKILL takeover and hand-back', async (t) => {
  t.timeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'idnode-hierarchy-'));
  const { top, secondaries, remove } = await startHierarchy({ dir, secondaries: ['88.101', '88.102', '88.103'], topEnv: { ...FAST, ...TOP }, secondaryEnv: FAST });
  t.teardown(remove);
  const [one, two, three] = secondaries as [ClusterNode, ClusterNode, ClusterNode];

  // An identifier registered on one secondary node resolves through each other node and through the top-level node.
  await register(one, '88.101/A');
  await register(two, '88.102/B');
  await register(two, '88.102/B2');
  await register(three, '88.103/C');
  for (const [home, handle] of [[one, '88.101/A'], [two, '88.102/B'], [three, '88.103/C']] as const) {
    const direct = await home.call('GET', `/api/handles/${handle}`);
    for (const via of [top, ...secondaries].filter((node) => node !== home)) {
      const reply = await via.call('GET', `/api/handles/${handle}?recursive`);
      t.is(reply.status, 200, `${handle} via ${via.name}: ${reply.text}`);
      t.deepEqual(reply.json.values, direct.json.values, `${handle} via ${via.name}`);
      t.like(reply.json, { authoritative: false, source: 'recursive' });
    }
  }

  // The top-level node goes down; a prefix allocated meanwhile waits in the outbox and is filed once it is back.
  await top.stop();
  const allocated = await one.call('PUT', '/api/handles/0.NA/88.101.9', { admin: true, body: [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }] });
  t.is(allocated.status, 201, 'acknowledged while the top-level node is down');
  t.true((await one.status()).upstream.outbox.pending >= 1);
  await top.start();
  await until(async () => {
    const statistics = (await top.call('GET', '/api/hierarchy/statistics', { admin: true })).json;
    const node = statistics.nodes.find((entry: { node: string }) => entry.node === '88.101');
    return node?.prefixes.some((prefix: { prefix: string; state: string }) => prefix.prefix === '88.101.9' && prefix.state === 'active') === true;
  }, 20_000, 'the prefix allocated while the top-level node was down is filed');
  await until(() => outboxDrained(one), 20_000, "88.101's outbox drains");

  // A secondary node killed with SIGKILL: the top-level node takes over after its silence and answers from the escrow.
  await until(() => outboxDrained(two), 20_000, "88.102's records are escrowed");
  await two.kill();
  await until(async () => (await top.status()).nodes.some((node: { prefix: string; takeover: string | null }) => node.prefix === '88.102' && node.takeover === 'automatic'), 20_000, 'the top-level node takes 88.102 over');
  const escrow = await top.call('GET', '/api/handles/88.102/B');
  t.is(escrow.status, 200, escrow.text);
  t.like(escrow.json, { authoritative: false, source: 'escrow' });
  const recursive = await one.call('GET', '/api/handles/88.102/B2?recursive');
  t.is(recursive.status, 200, `another node's recursion finds the escrow: ${recursive.text}`);
  t.is(recursive.json.values[0].data.value, 'https://example.cn/88.102/B2');

  // It restarts (same port, same store): it joins again, the top-level node hands back, and it answers for itself.
  await two.start();
  await until(async () => (await top.status()).nodes.some((node: { prefix: string; takeover: string | null }) => node.prefix === '88.102' && node.takeover === null), 20_000, '88.102 is handed back');
  t.is((await top.call('GET', '/api/handles/88.102/B')).status, 300, 'a referral to the node again');
  const itself = await three.call('GET', '/api/handles/88.102/B?recursive', { headers: { 'Handle-Recursive': 'true' } });
  t.is(itself.status, 200);
  t.is((await two.call('GET', '/api/handles/88.102/B')).json.values[0].data.value, 'https://example.cn/88.102/B');
  t.true((await top.metric('idnode_takeovers_total{trigger="automatic"}')) >= 1);
  t.true((await top.metric('idnode_handbacks_total')) >= 1);
});

test('processes: a referral loop between two nodes ends with RECURSION_LIMIT within the timeout', async (t) => {
  t.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'idnode-loop-'));
  const a = await clusterNode('a', '88.118', dir, {});
  const b = await clusterNode('b', '88.119', dir, {});
  t.teardown(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  await Promise.all([a.start(), b.start()]);
  const site = (port: number) => ({ servers: [{ serverId: 1, address: '127.0.0.1', interfaces: [{ query: true, admin: false, protocol: 'HTTP', port }] }] });
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const reply = await from.call('PUT', '/api/handles/0.NA/77', { admin: true, body: [{ index: 1, type: 'HS_SITE.PREFIX', data: { format: 'site', value: site(to.port) } }] });
    t.is(reply.status, 201, reply.text);
  }
  const reply = await a.call('GET', '/api/handles/0.NA/77.5?recursive', { timeoutMs: 10_000 });
  t.deepEqual([reply.status, reply.json.responseCode], [508, 6]);
  t.true(reply.ms < 5000, `${reply.ms} ms`);
});
