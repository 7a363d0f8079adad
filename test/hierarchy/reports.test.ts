// Reports a top-level node receives (issue 14): statistics by node and prefix, each report applied once, refused for
// prefixes the reporting node does not hold, a batch refused whole when its checksum does not match.

import test from 'ava';
import type { Identity } from '../../src/auth/identity.js';
import { reportsChecksum, type Report } from '../../src/hierarchy/reports.js';
import { parseHandle } from '../../src/identifier/handle.js';
import { ADMIN_OF_TOP, startSecondary, startTopLevel } from '../support/hierarchy-nodes.js';

const RULE = { suffixCaseSensitive: false };
const nodeIdentity = (prefix: string): Identity => ({ index: 300, handle: parseHandle(`0.NA/${prefix}`, RULE) });

test('statistics: a secondary node reports identifiers and resolutions per prefix; the top-level node shows them by node and prefix', async (t) => {
  const top = await startTopLevel(t);
  const node = await startSecondary(t, top, '88.118');
  t.is((await node.put('/api/handles/0.NA/88.118.8', [{ index: 1, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201);
  for (const handle of ['88.118/A', '88.118/B', '88.118/C', '88.118.8/D', '88.118.8/E']) t.is((await node.put(`/api/handles/${handle}`, [{ index: 1, type: 'URL', data: 'https://example.cn' }])).status, 201);
  for (let i = 0; i < 3; i += 1) t.is((await node.get('/api/handles/88.118/A')).status, 200);
  await node.node.usage.flush();
  const reported = await node.metric('idnode_outbox_deliveries_total{kind="statistics",outcome="applied"}');
  t.is(reported, 1, 'a first report right after joining');
  await node.node.hierarchy.worker!.queueStatistics();
  t.is((await node.deliver()).failure, null);

  const reply = await top.get('/api/hierarchy/statistics', { auth: ADMIN_OF_TOP });
  t.is(reply.status, 200, reply.text);
  t.like(reply.json, { responseCode: 1, totals: { identifiers: 5, created: 5, resolved: 3 } });
  const [entry] = reply.json.nodes;
  t.like(entry, { node: '88.118', identifiers: 5, created: 5, resolved: 3 });
  const byPrefix = Object.fromEntries(entry.prefixes.map((row: { prefix: string }) => [row.prefix, row]));
  t.like(byPrefix['88.118'], { identifiers: 3, resolved: 3, state: null });
  t.like(byPrefix['88.118.8'], { identifiers: 2, resolved: 0, state: 'active' });
  t.is(await top.metric('idnode_hierarchy_node_identifiers{node="88.118"}'), 5);
  t.is(await top.metric('idnode_hierarchy_node_registrations{node="88.118"}'), 5);
  t.is(await top.metric('idnode_hierarchy_node_resolutions{node="88.118"}'), 3);
  t.is(await node.metric('idnode_outbox_deliveries_total{kind="statistics",outcome="applied"}'), 2);
});

test('reports: each is applied once, an older one never over a newer one; prefixes not held and private values are refused', async (t) => {
  const top = await startTopLevel(t);
  await startSecondary(t, top, '88.118');
  const service = top.node.hierarchy.topLevel!;
  const reports: Report[] = [
    { kind: 'prefix', seq: 10, prefix: '88.118.8', state: 'active' },
    { kind: 'record', seq: 11, handle: '88.118.8/X', values: [{ index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/x' }, ttl: 86400 }] },
    { kind: 'prefix', seq: 12, prefix: '88.119.1', state: 'active' },
    { kind: 'record', seq: 13, handle: '88.1180/Y', values: null },
    { kind: 'record', seq: 14, handle: '88.118/Z', values: [{ index: 1, type: 'SECRET', data: { format: 'string', value: 's' }, ttl: 1, permissions: '1100' }] },
    { kind: 'statistics', seq: 15, prefixes: [{ prefix: '88.119', identifiers: 1, created: 1, updated: 0, deleted: 0, resolved: 0 }] },
  ];
  const send = (batch: Report[]) => service.receive(nodeIdentity('88.118'), batch, reportsChecksum(JSON.stringify(batch)));
  const first = await send(reports);
  t.deepEqual(first.map((result) => [result.seq, result.outcome, result.code]), [
    [10, 'applied', undefined],
    [11, 'applied', undefined],
    [12, 'refused', 'INSUFFICIENT_PERMISSIONS'],
    [13, 'refused', 'INSUFFICIENT_PERMISSIONS'],
    [14, 'refused', 'INVALID_VALUE'],
    [15, 'refused', 'INSUFFICIENT_PERMISSIONS'],
  ]);
  const again = await send(reports.slice(0, 2));
  t.deepEqual(again.map((result) => result.outcome), ['duplicate', 'duplicate'], 'a repeat changes nothing');
  const older = await send([{ kind: 'prefix', seq: 9, prefix: '88.118.8', state: 'deleted' }]);
  t.is(older[0]?.outcome, 'duplicate', 'an older report is not applied over a newer one');
  const newer = await send([{ kind: 'prefix', seq: 16, prefix: '88.118.8', state: 'disabled' }]);
  t.is(newer[0]?.outcome, 'applied');
  t.is(top.node.store.hierarchy.prefixesOf('88.118')[0]?.state, 'disabled');

  const error = await t.throwsAsync(service.receive(nodeIdentity('88.118'), reports, '0'.repeat(64)));
  t.is((error as { code?: string }).code, 'CHECKSUM_MISMATCH');
  const stranger = await t.throwsAsync(service.receive(nodeIdentity('88.5'), [], reportsChecksum('[]')));
  t.is((stranger as { code?: string }).code, 'INSUFFICIENT_PERMISSIONS', 'a node not admitted here');
});

test('reports: over HTTP they need the node key — anonymous is 401, the top-level operator 403; a secondary node has no such route', async (t) => {
  const top = await startTopLevel(t);
  const node = await startSecondary(t, top, '88.118');
  const batch = { reports: [], checksum: reportsChecksum('[]') };
  const anonymous = await top.request('POST', '/api/hierarchy/reports', { body: batch, auth: null });
  t.deepEqual([anonymous.status, anonymous.json.responseCode], [401, 402]);
  const operator = await top.request('POST', '/api/hierarchy/reports', { body: batch, auth: ADMIN_OF_TOP });
  t.deepEqual([operator.status, operator.json.responseCode], [403, 401]);
  const wrong = await top.request('POST', '/api/hierarchy/reports', { body: { reports: [{ kind: 'prefix', seq: 0 }], checksum: 'x' }, auth: ADMIN_OF_TOP });
  t.deepEqual([wrong.status, wrong.json.responseCode], [400, 4]);
  const secondary = await node.request('POST', '/api/hierarchy/reports', { body: batch });
  t.deepEqual([secondary.status, secondary.json.responseCode], [501, 5]);
  const join = await top.request('POST', '/api/hierarchy/join', { body: { site: {} }, auth: ADMIN_OF_TOP });
  t.is(join.status, 403);
});
