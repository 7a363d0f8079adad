// Prefix referrals (reference §5): a `0.NA/<derived prefix>` not stored here is answered with HTTP 300 / responseCode
// 303 and the public HS_SITE.PREFIX, HS_SERV.PREFIX and HS_NA_DELEGATE values of its nearest stored ancestor.

import test from 'ava';
import { ADMIN, startNode, type NodeUnderTest } from '../support/node-under-test.js';

const SITE = {
  version: 1,
  protocolVersion: '2.11',
  serialNumber: 1,
  primarySite: true,
  multiPrimary: false,
  attributes: [{ name: 'desc', value: 'enterprise 8 node' }],
  servers: [{ serverId: 1, address: '192.0.2.8', interfaces: [{ query: true, admin: true, protocol: 'HTTP', port: 8000 }] }],
};

/** 0.NA/88.118.8 as the node keeps it, plus `extra` values (its derived prefixes served elsewhere). */
async function enterpriseRecord(node: NodeUnderTest, extra: unknown[]): Promise<void> {
  const reply = await node.put('/api/handles/0.NA/88.118.8', [
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '111111111111' } } },
    ...extra,
  ]);
  if (reply.status !== 201 && reply.status !== 200) throw new Error(`${reply.status} ${reply.text}`);
}

const SITE_PREFIX = { index: 1, type: 'HS_SITE.PREFIX', data: { format: 'site', value: SITE } };

test('referral: a derived prefix record not stored here is 300/303 with the ancestor\'s public referral values', async (t) => {
  const node = await startNode(t);
  await enterpriseRecord(node, [SITE_PREFIX, { index: 2, type: 'HS_SERV.PREFIX', data: '0.NA/88.118.8' }, { index: 3, type: 'EMAIL', data: 'ops@example.cn' }]);
  for (const path of ['/api/handles/0.NA/88.118.8.5', '/api/handles/0.na/88.118.8.5.1', '/api/handles/88.118.8.5']) {
    const reply = await node.get(path);
    t.is(reply.status, 300, path);
    t.is(reply.json.responseCode, 303, path);
    t.is(reply.json.handle, decodeURIComponent(path.slice('/api/handles/'.length)), path);
    t.deepEqual(reply.json.values.map((v: { index: number; type: string }) => [v.index, v.type]), [[1, 'HS_SITE.PREFIX'], [2, 'HS_SERV.PREFIX']], path);
    t.deepEqual(reply.json.values[0].data, { format: 'site', value: SITE }, path);
  }
  // The Koa route (a query) answers the same as the fast path, for anonymous and authenticated callers.
  const fast = await node.get('/api/handles/0.NA/88.118.8.5');
  const routed = await node.get('/api/handles/0.NA/88.118.8.5?pretty');
  t.deepEqual(routed.json, fast.json);
  const authenticated = await node.get('/api/handles/0.NA/88.118.8.5', { auth: ADMIN });
  t.deepEqual([authenticated.status, authenticated.json], [300, fast.json]);
  // doNotRefer: answered as if there were no referral to give.
  for (const query of ['doNotRefer', 'doNotRefer=true']) {
    const refused = await node.get(`/api/handles/0.NA/88.118.8.5?${query}`);
    t.deepEqual([refused.status, refused.json], [404, { responseCode: 100, handle: '0.NA/88.118.8.5' }], query);
  }
});

test('referral: none for other handles, for a record stored here, or without public referral values', async (t) => {
  const node = await startNode(t);
  await enterpriseRecord(node, [{ ...SITE_PREFIX, permissions: '1100' }]);
  t.is((await node.get('/api/handles/0.NA/88.118.8.5')).status, 404, 'a non-public HS_SITE.PREFIX refers nobody anonymously');
  t.is((await node.get('/api/handles/88.118.8/NOPE')).status, 404, 'only prefix records are referred');
  await enterpriseRecord(node, [SITE_PREFIX]);
  t.is((await node.put('/api/handles/0.NA/88.118.8.6', [{ index: 1, type: 'URL', data: 'https://example.cn/6' }])).status, 201);
  const stored = await node.get('/api/handles/0.NA/88.118.8.6');
  t.deepEqual([stored.status, stored.json.responseCode], [200, 1], 'a record stored here is answered, not referred');
  t.is((await node.get('/api/handles/0.NA/88.118.80.1')).status, 404, 'ancestry is by whole segments: 88.118.80 is not under 88.118.8');
});

test('referral: the nearest stored ancestor decides, and a change to it is seen at once', async (t) => {
  const node = await startNode(t);
  // 0.NA/88.118 (the node prefix) has no referral values: nothing derived from 88.118.9 is referred.
  t.is((await node.get('/api/handles/0.NA/88.118.9.1')).status, 404);
  // A derived prefix record with referral values takes over for its own descendants only once it exists.
  await enterpriseRecord(node, []);
  const before = await node.get('/api/handles/0.NA/88.118.8.7');
  t.is(before.status, 404, 'the nearest ancestor has no referral values');
  await enterpriseRecord(node, [SITE_PREFIX]);
  const after = await node.get('/api/handles/0.NA/88.118.8.7');
  t.is(after.status, 300, 'the not-found answer cached a moment ago does not hide the new referral');
  const nested = await node.get('/api/handles/0.NA/88.118.8.7.3.1');
  t.is(nested.status, 300, 'missing intermediate records are skipped up to the nearest stored ancestor');
  t.is((await node.delete('/api/handles/0.NA/88.118.8?index=1')).status, 200);
  t.is((await node.get('/api/handles/0.NA/88.118.8.7')).status, 404, 'and its removal too');
});

test('referral: Cache-Control keeps a referral no longer than the smallest TTL of the values it carries', async (t) => {
  const node = await startNode(t, { IDNODE_CACHE_NEGATIVE_TTL_SECONDS: '60' });
  await enterpriseRecord(node, [{ ...SITE_PREFIX, ttl: 0 }]);
  for (const path of ['/api/handles/0.NA/88.118.8.5', '/api/handles/0.NA/88.118.8.5?pretty']) {
    t.is((await node.get(path)).headers['cache-control'], 'max-age=0', `${path}: a TTL of 0 may not be kept at all`);
  }
  await enterpriseRecord(node, [{ ...SITE_PREFIX, ttl: 20 }, { index: 2, type: 'HS_SERV.PREFIX', data: '0.NA/88.118.8', ttl: 3600 }]);
  const age = Number(/^max-age=(\d+)$/.exec(String((await node.get('/api/handles/0.NA/88.118.8.7')).headers['cache-control']))?.[1]);
  t.true(age >= 19 && age <= 20, `max-age=${age}: the smaller value TTL (20) bounds it, not the negative TTL (60)`);
  await enterpriseRecord(node, [{ ...SITE_PREFIX, ttl: 3600 }]);
  const negative = Number(/^max-age=(\d+)$/.exec(String((await node.get('/api/handles/0.NA/88.118.8.8')).headers['cache-control']))?.[1]);
  t.true(negative >= 59 && negative <= 60, `max-age=${negative}: the negative TTL bounds it when the values live longer`);
});
