// Joining and filing (issue 14): a secondary node publishes its site to the top-level node, and every enterprise
// prefix it allocates, disables or deletes is filed there through the outbox — once, and only for prefixes it holds.

import test from 'ava';
import { startSecondary, startTopLevel, ADMIN_OF_TOP, type HierarchyNode } from '../support/hierarchy-nodes.js';

async function filed(top: HierarchyNode, node: string): Promise<Record<string, string>> {
  const reply = await top.get('/api/hierarchy/statistics', { auth: ADMIN_OF_TOP });
  const entry = reply.json.nodes.find((each: { node: string }) => each.node === node);
  return Object.fromEntries((entry?.prefixes ?? []).map((prefix: { prefix: string; state: string }) => [prefix.prefix, prefix.state]));
}

test('join: a secondary node publishes its site and the top-level node refers its handles there (302)', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  const status = await secondary.get('/api/hierarchy', { auth: secondary.admin });
  t.is(status.status, 200, status.text);
  t.like(status.json.upstream, { url: top.origin, joined: true, prefix: '88', outbox: { pending: 0, refused: 0 } });
  const nodes = await top.get('/api/hierarchy/nodes', { auth: ADMIN_OF_TOP });
  t.deepEqual(nodes.json.nodes.map((node: { prefix: string; state: string; origins: string[] }) => [node.prefix, node.state, node.origins]), [['88.118', 'live', [secondary.origin]]]);
  // The top-level node's record of the node prefix now carries its site, for prefixes and derived prefixes alike.
  const record = await top.get('/api/handles/0.NA/88.118');
  t.deepEqual(record.json.values.map((value: { type: string }) => value.type), ['HS_SITE', 'HS_SITE.PREFIX', 'HS_PUBKEY']);
  const referral = await top.get('/api/handles/88.118.8/PUMP-1');
  t.is(referral.status, 300);
  t.like(referral.json, { responseCode: 302, handle: '88.118.8/PUMP-1', referralHandle: '0.NA/88.118' });
  t.is(referral.json.values[0].data.value.servers[0].interfaces.at(-1).port, secondary.port);
  t.is(await top.metric('idnode_referrals_total{kind="service"}'), 1);
});

test('filing: prefixes allocated, disabled and deleted on the secondary node are filed with the top-level node', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  t.is((await secondary.put('/api/handles/0.NA/88.118.8', [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  t.is((await secondary.put('/api/handles/0.NA/88.118.9', [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  t.is((await secondary.put('/api/handles/0.NA/88.118.10', [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  t.is(await secondary.metric('idnode_outbox_depth'), 6, '3 filings and their 3 prefix records wait in the outbox');
  const pass = await secondary.deliver();
  t.like(pass, { joined: true, delivered: 6, refused: 0, failure: null });
  t.deepEqual(await filed(top, '88.118'), { '88.118.10': 'active', '88.118.8': 'active', '88.118.9': 'active' });
  t.is((await secondary.request('DELETE', '/api/prefixes/88.118.9')).status, 200);
  t.is((await secondary.delete('/api/handles/0.NA/88.118.10')).status, 200);
  await secondary.deliver();
  t.deepEqual(await filed(top, '88.118'), { '88.118.10': 'deleted', '88.118.8': 'active', '88.118.9': 'disabled' });
  t.is(await secondary.metric('idnode_outbox_depth'), 0);
  t.is(await secondary.metric('idnode_outbox_deliveries_total{kind="prefix",outcome="applied"}'), 5);
});

test('filing: nothing is lost while the top-level node is down; delivery resumes when it answers again', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  await top.stopListening();
  t.is((await secondary.put('/api/handles/0.NA/88.118.8', [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  const failed = await secondary.deliver();
  t.not(failed.failure, null);
  t.is(failed.delivered, 0);
  t.is(await secondary.metric('idnode_outbox_depth'), 2, 'the filing and the escrowed prefix record wait');
  await top.listenAgain();
  // The top-level node forgot no session (it kept running), but a restarted one would have: either way it is delivered.
  const resumed = await secondary.deliver();
  t.like(resumed, { delivered: 2, failure: null });
  t.deepEqual(await filed(top, '88.118'), { '88.118.8': 'active' });
});

test('filing: a prefix that is not derived from the node prefix is never filed; a later change supersedes a waiting report', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  // 88.1180 is not under 88.118 (whole segments), and 99.5 is no prefix of this node: homing them files nothing.
  t.is((await secondary.request('POST', '/api/prefixes/88.1180')).status, 200);
  t.is((await secondary.request('POST', '/api/prefixes/99.5')).status, 200);
  t.is(await secondary.metric('idnode_outbox_depth'), 0);
  t.is((await secondary.request('POST', '/api/prefixes/88.118.7')).status, 200);
  t.is((await secondary.request('DELETE', '/api/prefixes/88.118.7')).status, 200);
  t.is((await secondary.request('POST', '/api/prefixes/88.118.7')).status, 200);
  t.is(await secondary.metric('idnode_outbox_depth'), 1, 'three changes of one prefix wait as one report');
  await secondary.deliver();
  t.deepEqual(await filed(top, '88.118'), { '88.118.7': 'active' });
});
