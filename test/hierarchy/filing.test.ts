// Joining and filing (issue 14): a secondary node publishes its site to the top-level node, and every enterprise
// prefix it allocates, disables or deletes is filed there through the outbox — once, and only for prefixes it holds.

import test from 'ava';
import { startSecondary, startTopLevel, ADMIN_OF_TOP, type HierarchyNode } from '../support/hierarchy-nodes.js';
import { runCliAsync, serveEnv } from '../support/serve-process.js';
import { secondConnection } from '../store/temp-store.js';
import { sqliteOnlyTest } from '../support/engine-test.js';

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

test('filing: a prefix that is not derived from the node prefix is never filed; changes waiting for one prefix go as one report', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  // 88.1180 is not under 88.118 (whole segments), and 99.5 is no prefix of this node: homing them files nothing.
  t.is((await secondary.request('POST', '/api/prefixes/88.1180')).status, 200);
  t.is((await secondary.request('POST', '/api/prefixes/99.5')).status, 200);
  t.is(await secondary.metric('idnode_outbox_depth'), 0);
  t.is((await secondary.request('POST', '/api/prefixes/88.118.7')).status, 200);
  t.is((await secondary.request('DELETE', '/api/prefixes/88.118.7')).status, 200);
  t.is((await secondary.request('POST', '/api/prefixes/88.118.7')).status, 200);
  t.is(await secondary.metric('idnode_outbox_depth'), 3, 'three changes of one prefix wait');
  const applied = await secondary.metric('idnode_outbox_deliveries_total{kind="prefix",outcome="applied"}');
  t.like(await secondary.deliver(), { delivered: 3, failure: null }, 'three changes settled');
  t.is(await secondary.metric('idnode_outbox_deliveries_total{kind="prefix",outcome="applied"}'), applied + 1, 'sent as one report, its newest state');
  t.is(await secondary.metric('idnode_outbox_depth'), 0);
  t.deepEqual(await filed(top, '88.118'), { '88.118.7': 'active' });
});

test('join: the site is published again when it changes (a new port or interface), and the top-level node refers there', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  const before = (await top.get('/api/handles/0.NA/88.118')).json.values[0].data.value.servers[0].interfaces;
  t.is(before.length, 1);
  // It now also listens for the Handle protocol on 2641: its site has two more interfaces.
  secondary.node.publishSite(secondary.port, 2641);
  t.like(await secondary.deliver(), { joined: true, failure: null });
  const after = (await top.get('/api/handles/0.NA/88.118')).json.values[0].data.value.servers[0].interfaces;
  t.deepEqual(after.map((face: { protocol: string }) => face.protocol), ['TCP', 'UDP', 'HTTP']);
});

test('join: a node the top-level operator has not admitted cannot join, and says why', async (t) => {
  const top = await startTopLevel(t);
  const stranger = await startSecondary(t, top, '88.118', {}, { admit: false });
  const pass = await stranger.deliver();
  t.false(pass.joined);
  t.regex(pass.failure ?? '', /admitted/);
  t.is(await stranger.metric('idnode_hierarchy_joined'), 0);
  t.is((await top.get('/api/hierarchy/nodes', { auth: ADMIN_OF_TOP })).json.nodes.length, 0);
});

test("join: an upstream whose key is not the pinned one is not trusted; the thumbprint it shows pins it", async (t) => {
  const top = await startTopLevel(t);
  const wrong = await startSecondary(t, top, '88.118', { IDNODE_UPSTREAM_KEY_THUMBPRINT: 'A'.repeat(43) });
  const pass = await wrong.deliver();
  t.false(pass.joined);
  t.regex(pass.failure ?? '', /pinned/);
  const thumbprint = (await top.get('/api/hierarchy', { auth: ADMIN_OF_TOP })).json.thumbprint;
  t.regex(thumbprint, /^[A-Za-z0-9_-]{43}$/);
  const right = await startSecondary(t, top, '88.119', { IDNODE_UPSTREAM_KEY_THUMBPRINT: thumbprint });
  t.like((await right.get('/api/hierarchy', { auth: right.admin })).json.upstream, { joined: true, thumbprint });
  // Without a pin the key seen at the first join is kept, and shown.
  const first = await startSecondary(t, top, '88.120');
  t.is((await first.get('/api/hierarchy', { auth: first.admin })).json.upstream.thumbprint, thumbprint);
});

test('filing: a report larger than the upstream accepts is refused for good and kept; the rest are delivered', async (t) => {
  const top = await startTopLevel(t, { IDNODE_BODY_LIMIT_BYTES: '4096' });
  const secondary = await startSecondary(t, top, '88.118');
  t.is((await secondary.put('/api/handles/88.118/BIG', [{ index: 1, type: 'DESC', data: 'x'.repeat(5000) }])).status, 201);
  for (const suffix of ['A', 'B', 'C']) t.is((await secondary.put(`/api/handles/88.118/${suffix}`, [{ index: 1, type: 'URL', data: 'https://example.cn' }])).status, 201);
  const pass = await secondary.deliver();
  t.like(pass, { delivered: 3, refused: 1, failure: null });
  t.is(await secondary.metric('idnode_outbox_depth'), 0);
  t.is(await secondary.metric('idnode_outbox_refused'), 1);
  t.is(await secondary.metric('idnode_outbox_deliveries_total{kind="record",outcome="refused"}'), 1);
  t.like((await secondary.get('/api/hierarchy', { auth: secondary.admin })).json.upstream.outbox, { pending: 0, refused: 1 });
});

test('filing: a prefix the idnode CLI allocates on the store (another process) is filed too', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  const cli = await runCliAsync(['secret', '88.118.5'], serveEnv(secondary.config.dbPath, { IDNODE_NODE_PREFIX: '88.118' }));
  t.is(cli.status, 0, cli.stderr);
  t.is(await secondary.metric('idnode_outbox_depth'), 2, 'its filing and its prefix record');
  await secondary.deliver();
  t.deepEqual(await filed(top, '88.118'), { '88.118.5': 'active' });
});

sqliteOnlyTest('filing: a store whose sequence restarted below what the top-level node has seen (a restore) continues above it at its next join', async (t) => {
  const top = await startTopLevel(t);
  const secondary = await startSecondary(t, top, '88.118');
  for (const prefix of ['88.118.1', '88.118.2', '88.118.3']) t.is((await secondary.put(`/api/handles/0.NA/${prefix}`, [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  await secondary.deliver();
  const seen = top.node.store.hierarchy.node('88.118')?.reportSeq ?? 0;
  t.true(seen >= 7);
  // As after restoring an older backup: the outbox's counter is back at the start.
  const db = secondConnection(t, secondary.config.dbPath);
  db.prepare("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'outbox'").run();
  db.close();
  t.is((await secondary.request('DELETE', '/api/prefixes/88.118.2')).status, 200);
  // Its next join (here: its site changed) tells it the highest number received; it continues above it.
  secondary.node.publishSite(secondary.port, 2641);
  // (Two changes: the unhoming, and its own prefix record, whose HS_SITE changed.)
  t.like(await secondary.deliver(), { delivered: 2, failure: null });
  t.deepEqual(await filed(top, '88.118'), { '88.118.1': 'active', '88.118.2': 'disabled', '88.118.3': 'active' }, 'applied, not taken for a repeat');
  t.true((top.node.store.hierarchy.node('88.118')?.reportSeq ?? 0) > seen);
});
