// Escrow and takeover (issue 14): a secondary node's records are escrowed with the top-level node, which answers for
// that node from them — read-only, marked — on command or after a configured silence, and hands back when it returns.

import test from 'ava';
import { listenWire } from '../../src/wire/listeners.js';
import { TestClock } from '../support/node-under-test.js';
import { body, DEFAULT_FLAGS, F, OC, resolution, send } from '../support/wire-client.js';
import { ADMIN_OF_TOP, startSecondary, startTopLevel, type HierarchyNode } from '../support/hierarchy-nodes.js';

async function escrowed(t: import('ava').ExecutionContext, top: HierarchyNode, node: HierarchyNode): Promise<void> {
  t.is((await node.put('/api/handles/88.118/PUMP-1', [
    { index: 1, type: 'URL', data: 'https://example.cn/pump-1' },
    { index: 2, type: 'SECRET', data: 'stays on the node', permissions: '1100' },
  ])).status, 201);
  t.is((await node.put('/api/handles/88.118/PUMP-2', [{ index: 1, type: 'URL', data: 'https://example.cn/pump-2' }])).status, 201);
  t.is((await node.put('/api/handles/0.NA/88.118.8', [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  t.is((await node.delete('/api/handles/88.118/PUMP-2')).status, 200);
  const pass = await node.deliver();
  t.is(pass.failure, null);
  t.is(await node.metric('idnode_outbox_depth'), 0);
  t.is(await top.metric('idnode_hierarchy_escrow_records{node="88.118"}'), 3, 'PUMP-1, 0.NA/88.118.8 and the node prefix record (PUMP-2 was deleted)');
}

test('takeover: on command the top-level node answers from the escrow, read-only and marked; hand-back ends it', async (t) => {
  const top = await startTopLevel(t);
  const node = await startSecondary(t, top, '88.118');
  await escrowed(t, top, node);
  t.is((await top.get('/api/handles/88.118/PUMP-1')).status, 300, 'before: a referral to the node');

  const taken = await top.request('POST', '/api/hierarchy/nodes/88.118/takeover', { auth: ADMIN_OF_TOP });
  t.is(taken.status, 200, taken.text);
  t.like(taken.json, { node: '88.118', takeover: 'manual' });
  const answer = await top.get('/api/handles/88.118/PUMP-1');
  t.is(answer.status, 200);
  t.like(answer.json, { responseCode: 1, authoritative: false, source: 'escrow' });
  t.deepEqual(answer.json.values, (await node.get('/api/handles/88.118/PUMP-1')).json.values, 'the public values, and only those');
  t.is(answer.headers['cache-control'], 'max-age=0', 'no one keeps an answer of a takeover');
  const deleted = await top.get('/api/handles/88.118/PUMP-2');
  t.deepEqual([deleted.status, deleted.json.source], [404, 'escrow']);
  t.like((await top.get('/api/handles/0.NA/88.118.8')).json, { responseCode: 1, source: 'escrow' });
  const filtered = await top.get('/api/handles/88.118/PUMP-1?type=EMAIL');
  t.deepEqual([filtered.status, filtered.json.responseCode, filtered.json.values], [200, 200, []]);
  // Read-only: nothing can be written under the node's prefixes here.
  const write = await top.put('/api/handles/88.118/PUMP-3', [{ index: 1, type: 'URL', data: 'https://example.cn/3' }], { auth: ADMIN_OF_TOP });
  t.deepEqual([write.status, write.json.responseCode], [400, 301]);
  t.is(await top.metric('idnode_takeovers_total{trigger="manual"}'), 1);
  t.is(await top.metric('idnode_hierarchy_nodes{state="taken_over"}'), 1);
  t.true((await top.metric('idnode_escrow_answers_total')) >= 3);
  const refused = await top.request('POST', '/api/hierarchy/nodes/88.118/takeover', { auth: node.admin });
  t.is(refused.status, 401, "the node's own identity is no administrator of the top-level node");
  t.is((await top.request('POST', '/api/hierarchy/nodes/88.7/takeover', { auth: ADMIN_OF_TOP })).json.responseCode, 100);

  const back = await top.delete('/api/hierarchy/nodes/88.118/takeover', { auth: ADMIN_OF_TOP });
  t.like(back.json, { node: '88.118', takeover: null });
  t.is((await top.get('/api/handles/88.118/PUMP-1')).status, 300, 'after: a referral again');
  t.is(await top.metric('idnode_handbacks_total'), 1);
});

test('takeover: automatically after the configured silence; handed back when the node answers again', async (t) => {
  const clock = new TestClock();
  const top = await startTopLevel(t, { IDNODE_TAKEOVER_AFTER_MS: '60000' }, clock);
  const node = await startSecondary(t, top, '88.118');
  await escrowed(t, top, node);
  const prober = top.node.hierarchy.prober!;
  await prober.runOnce();
  t.is(await top.metric('idnode_hierarchy_nodes{state="live"}'), 1);

  await node.stopListening();
  await prober.runOnce();
  t.is((await top.get('/api/handles/88.118/PUMP-1')).status, 300, 'silent for less than IDNODE_TAKEOVER_AFTER_MS: not yet');
  clock.advance(61_000);
  t.is(await top.metric('idnode_hierarchy_nodes{state="silent"}'), 1);
  await prober.runOnce();
  t.is(await top.metric('idnode_takeovers_total{trigger="automatic"}'), 1);
  const answer = await top.get('/api/handles/88.118/PUMP-1');
  t.like(answer.json, { responseCode: 1, source: 'escrow' });

  // Over the Handle protocol the escrow's answer goes without the authoritative flag.
  const wire = await listenWire(top.node.wire, top.config, 0, clock.nowMs);
  t.teardown(() => wire.close(1000));
  const [reply] = await send({ host: top.host, port: wire.port }, 'tcp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/PUMP-1') });
  t.is(reply?.responseCode, 1);
  t.is((reply!.flags & F.AUTH) >>> 0, 0);
  t.deepEqual(resolution(reply!).values.map((v) => v.type), ['URL']);

  await node.listenAgain();
  await prober.runOnce();
  t.is(await top.metric('idnode_handbacks_total'), 1);
  t.is((await top.get('/api/handles/88.118/PUMP-1')).status, 300);
  const [referral] = await send({ host: top.host, port: wire.port }, 'udp', { opCode: OC.RESOLUTION, flags: DEFAULT_FLAGS, body: body.resolution('88.118/PUMP-1') });
  t.is(referral?.responseCode, 302, 'RC_SERVICE_REFERRAL over the Handle protocol');
  const referred = resolution(referral!);
  t.is(referred.handle, '0.NA/88.118', 'the handle whose HS_SITE the values are');
  t.deepEqual(referred.values.map((v) => v.type), ['HS_SITE']);
});
