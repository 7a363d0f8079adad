// Quotas (IDIS 603, 604, 605): refusals in both dialects, administrators exempt from 603, counts that survive a restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startNode, TestClock } from '../support/node-under-test.js';
import { adminToken, approvedEnterprise, login, snms, valveRecord, valveTemplate } from '../support/snms-client.js';
import { body, OC, sendAuthenticated, type Credentials } from '../support/wire-client.js';
import { startWireNode, storedSecret } from '../support/wire-node.js';

test('quota 603: an account\'s requests per day; -2 in the envelope with Retry-After until midnight in Asia/Shanghai; admins exempt', async (t) => {
  const node = await startNode(t, { IDNODE_QUOTA_DAILY_REQUESTS: '3' });
  const admin = await adminToken(node);
  const user = await approvedEnterprise(node, admin, '88.118.8', 1);
  const call = () => snms(node, 'GET', '/snms/api/prefix/page', { token: user });
  for (let i = 0; i < 3; i += 1) t.is((await call()).json.status, 1);
  const refused = await call();
  t.is(refused.status, 200);
  t.deepEqual(refused.json, { status: -2, message: '超过每日请求数量限额', data: null });
  t.is(refused.headers['retry-after'], String(8 * 3600), '16:00 in Shanghai: 8 hours to midnight');
  for (let i = 0; i < 5; i += 1) t.is((await snms(node, 'GET', '/snms/api/prefix/page', { token: admin })).json.status, 1);
  node.clock.advance(8 * 3_600_000);
  const fresh = await login(node, 'ent1', 'ent1-password');
  t.is((await snms(node, 'GET', '/snms/api/prefix/page', { token: fresh })).json.status, 1, 'a new day');
});

test('quota 603: a Handle identity gets 429 with responseCode 603; the node administrator is exempt', async (t) => {
  const node = await startNode(t, { IDNODE_QUOTA_DAILY_REQUESTS: '2' });
  const admin = await adminToken(node);
  await approvedEnterprise(node, admin, '88.118.8', 1);
  const record = (await node.get('/api/handles/0.NA/88.118.8')).json.values;
  await node.put('/api/handles/0.NA/88.118.8', [...record, { index: 300, type: 'HS_SECKEY', data: 'enterprise-secret-0001', permissions: '1100' }]);
  const auth = { identity: '300:0.NA/88.118.8', secret: 'enterprise-secret-0001' };
  for (let i = 0; i < 2; i += 1) t.is((await node.put(`/api/handles/88.118.8/Q-${i}`, [{ index: 1, type: 'URL', data: 'https://e.cn' }], { auth })).status, 201);
  const refused = await node.put('/api/handles/88.118.8/Q-9', [{ index: 1, type: 'URL', data: 'https://e.cn' }], { auth });
  t.deepEqual([refused.status, refused.json.responseCode], [429, 603]);
  t.truthy(refused.headers['retry-after']);
  t.is((await node.get('/api/handles/88.118.8/Q-9')).status, 404);
  for (let i = 0; i < 4; i += 1) t.is((await node.put(`/api/handles/88.118/A-${i}`, [{ index: 1, type: 'URL', data: 'https://e.cn' }])).status, 201);
});

test('quota 603: a Handle identity over the Handle protocol (TCP) is refused with responseCode 603 once its day is spent', async (t) => {
  const { node, target, admin } = await startWireNode(t, { IDNODE_QUOTA_DAILY_REQUESTS: '2' });
  t.is((await node.put('/api/handles/0.NA/88.118.8', [{ index: 300, type: 'HS_SECKEY', data: 'enterprise-secret-0001' }])).status, 201);
  const enterprise: Credentials = { kind: 'secret', handle: '0.NA/88.118.8', index: 300, secret: 'enterprise-secret-0001', ...storedSecret(node, '0.NA/88.118.8', 300) };
  const create = (handle: string, who: Credentials) => sendAuthenticated(target, 'tcp', { opCode: OC.CREATE, body: body.values(handle, [{ index: 1, type: 'URL', data: 'https://e.cn' }]) }, who);
  for (let i = 0; i < 2; i += 1) t.is((await create(`88.118.8/W-${i}`, enterprise)).answers[0]?.responseCode, 1);
  t.is((await create('88.118.8/W-9', enterprise)).answers[0]?.responseCode, 603);
  t.is((await node.get('/api/handles/88.118.8/W-9')).status, 404, 'nothing written');
  for (let i = 0; i < 3; i += 1) t.is((await create(`88.118/WA-${i}`, admin)).answers[0]?.responseCode, 1, 'the node administrator is exempt');
});

test('quota 603: counts survive a restart of the node', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-quota-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { IDNODE_DB_PATH: join(dir, 'idnode.db'), IDNODE_QUOTA_DAILY_REQUESTS: '4' };
  const clock = new TestClock();
  const first = await startNode(t, env, clock);
  const admin = await adminToken(first);
  await approvedEnterprise(first, admin, '88.118.8', 1);
  const token = await login(first, 'ent1', 'ent1-password');
  for (let i = 0; i < 3; i += 1) t.is((await snms(first, 'GET', '/snms/api/prefix/page', { token })).json.status, 1);
  await first.node.close();
  const second = await startNode(t, env, clock);
  t.is((await snms(second, 'GET', '/snms/api/prefix/page', { token })).json.status, 1, 'the fourth request of the day');
  t.is((await snms(second, 'GET', '/snms/api/prefix/page', { token })).json.message, '超过每日请求数量限额');
});

test('quota 604: handles per prefix, for SNMS (single and per batch item) and the Handle API; prefix records do not count', async (t) => {
  const node = await startNode(t, { IDNODE_QUOTA_HANDLES_PER_PREFIX: '3' });
  const admin = await adminToken(node);
  const user = await approvedEnterprise(node, admin, '88.118.8', 1);
  await snms(node, 'POST', '/snms/api/v5/template', { token: user, body: valveTemplate('88.118.8') });
  t.is((await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/Q-1') })).json.status, 1);
  const batch = await snms(node, 'POST', '/identityv2/data/batchCreate', { token: user, body: [valveRecord('88.118.8/Q-2'), valveRecord('88.118.8/Q-3'), valveRecord('88.118.8/Q-4')] });
  t.deepEqual(batch.json.data.map((r: { code: number; msg: string }) => [r.code, r.msg]), [[1, 'success'], [1, 'success'], [-2, '超过前缀标识注册数量限额']]);
  t.is((await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/Q-5') })).json.message, '超过前缀标识注册数量限额');
  const handle = await node.put('/api/handles/88.118.8/Q-6', [{ index: 1, type: 'URL', data: 'https://e.cn' }]);
  t.deepEqual([handle.status, handle.json.responseCode], [403, 604]);
  t.is((await snms(node, 'PUT', '/identityv2/data', { token: user, body: valveRecord('88.118.8/Q-1', 'updates still go') })).json.status, 1);
  t.is((await snms(node, 'DELETE', '/identityv2/data', { token: user, body: { handle: '88.118.8/Q-1' } })).json.status, 1);
  t.is((await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/Q-5') })).json.status, 1, 'room again after a delete');
  await approvedEnterprise(node, admin, '88.118.9', 2);
  await approvedEnterprise(node, admin, '88.118.10', 3);
  await approvedEnterprise(node, admin, '88.118.11', 4);
  t.is((await node.get('/api/handles/0.NA/88.118.11')).status, 200, 'four prefix records, never refused');
});
