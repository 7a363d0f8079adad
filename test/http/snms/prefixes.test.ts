// Prefix states after approval (disable, enable, pending deletion) and publication (`/snms/api/ent/config`, §6.3).

import test from 'ava';
import { addAccount, adminToken, application, approvedEnterprise, login, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';
import { startNode } from '../../support/node-under-test.js';

test('prefix state: a disabled prefix stops registration and its identifiers answer "prefix disabled" until enabled again', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const user = await approvedEnterprise(node, admin, '88.118.8', 1);
  await snms(node, 'POST', '/snms/api/v5/template', { token: user, body: valveTemplate('88.118.8') });
  await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/V-1') });
  t.is((await node.get('/api/handles/88.118.8/V-1')).status, 200, 'resolved (and cached) while enabled');
  t.deepEqual((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 0, reason: '欠费' } })).json, { status: 1, message: 'success', data: true });
  const resolved = await node.get('/api/handles/88.118.8/V-1');
  t.deepEqual([resolved.status, resolved.json.responseCode], [400, 301]);
  const viaKoa = await node.get('/api/handles/88.118.8/V-1?type=URL');
  t.deepEqual([viaKoa.status, viaKoa.json.responseCode], [400, 301]);
  t.is((await snms(node, 'GET', '/identityv2/data/detail?handle=88.118.8/V-1')).text, '{"status":-2,"message":"前缀已停用","data":null}');
  t.is((await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/V-2') })).json.message, '前缀已停用');
  t.is((await snms(node, 'DELETE', '/identityv2/data', { token: user, body: { handle: '88.118.8/V-1' } })).json.message, '前缀已停用');
  const handleWrite = await node.put('/api/handles/88.118.8/V-3', [{ index: 1, type: 'URL', data: 'https://e.cn' }]);
  t.deepEqual([handleWrite.status, handleWrite.json.responseCode], [400, 301]);
  t.is((await node.get('/api/handles/0.NA/88.118.8')).status, 200, 'the prefix record itself still resolves');
  t.is((await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.8', { token: admin })).json.data.status, 0);
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 2 } })).json.status, 1);
  t.is((await node.get('/api/handles/88.118.8/V-1')).status, 400, 'pending deletion resolves as disabled');
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: '1' } })).json.status, 1);
  const back = await node.get('/api/handles/88.118.8/V-1');
  t.is(back.status, 200);
  t.is(back.json.values[1].data.value, 'DN50 闸阀', 'nothing was lost');
  t.is((await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/V-2') })).json.status, 1);
});

test('prefix state: only admins change it, only for allocated prefixes, only to 0, 1 or 2', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const user = await approvedEnterprise(node, admin, '88.118.8', 1);
  await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.9', 2) });
  await addAccount(node, 'rev', 'reviewer-password', 'reviewer');
  const reviewer = await login(node, 'rev', 'reviewer-password');
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: reviewer, body: { entPrefix: '88.118.8', state: 0 } })).json.status, -3);
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: user, body: { entPrefix: '88.118.8', state: 0 } })).json.status, -3);
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.9', state: 0 } })).json.status, -2, 'not yet approved');
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 4 } })).json.status, -2);
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.7', state: 0 } })).json.message, '前缀不存在: 88.118.7');
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { state: 0 } })).json.message, '缺少必要的请求参数: entPrefix');
  // Reviewers review.
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/review', { token: reviewer, body: { entPrefix: '88.118.9', action: 'approve' } })).json.status, 1);
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/review', { token: user, body: { entPrefix: '88.118.9', action: 'approve' } })).json.status, -3);
});

test('ent/config: hosted publishes this node\'s HS_SITE on 0.NA/<prefix>; self-hosted the enterprise\'s own server', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const user = await approvedEnterprise(node, admin, '88.118.8', 1);
  t.is((await snms(node, 'POST', '/snms/api/ent/config', { token: user, body: { proxyServerId: 1, entPrefixConfig: { entPrefix: '88.118.8' } } })).json.status, 1);
  const site = (await node.get('/api/site')).json;
  const hosted = (await node.get('/api/handles/0.NA/88.118.8')).json.values.find((v: { type: string }) => v.type === 'HS_SITE');
  t.deepEqual(hosted.data, { format: 'site', value: site.site });
  t.is((await snms(node, 'GET', '/snms/api/prefix/page', { token: user })).json.data.content[0].proxyState, 4);
  const own = { entPrefixConfig: { entPrefix: '88.118.8', hdlType: 'HS_SITE', ipType: 4, ip: '203.0.113.10', tcpPort: '2641', udpPort: '2641', httpPort: '' } };
  t.is((await snms(node, 'POST', '/snms/api/ent/config', { token: user, body: own })).json.status, 1);
  const values = (await node.get('/api/handles/0.NA/88.118.8')).json.values.filter((v: { type: string }) => v.type === 'HS_SITE');
  t.is(values.length, 1, 'the HS_SITE is replaced, not added');
  t.is(values[0].data.value.servers[0].address, '203.0.113.10');
  t.deepEqual(values[0].data.value.servers[0].interfaces, [
    { query: true, admin: true, protocol: 'TCP', port: 2641 },
    { query: true, admin: false, protocol: 'UDP', port: 2641 },
  ]);
  t.is((await snms(node, 'GET', '/snms/api/prefix/page', { token: user })).json.data.content[0].proxyState, 1);
  const bad = [
    { entPrefixConfig: { ...own.entPrefixConfig, ip: '203.0.113' } },
    { entPrefixConfig: { ...own.entPrefixConfig, ipType: 6 } },
    { entPrefixConfig: { ...own.entPrefixConfig, tcpPort: '', udpPort: '' } },
    { entPrefixConfig: { ...own.entPrefixConfig, tcpPort: '70000' } },
    { entPrefixConfig: { ...own.entPrefixConfig, hdlType: 'HS_SERV' } },
    { proxyServerId: 2, entPrefixConfig: { entPrefix: '88.118.8' } },
    { entPrefixConfig: {} },
  ];
  for (const body of bad) t.is((await snms(node, 'POST', '/snms/api/ent/config', { token: user, body })).json.status, -2, JSON.stringify(body));
  await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 0 } });
  t.is((await snms(node, 'POST', '/snms/api/ent/config', { token: admin, body: own })).json.status, -2, 'a disabled prefix is not published');
});
