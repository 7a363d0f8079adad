// Who may write what, over real HTTP: the enterprise onboarding flow, Basic credentials and refused writes.

import test from 'ava';
import { ADMIN, startNode, type NodeUnderTest } from '../support/node-under-test.js';

const ENTERPRISE = Object.freeze({ identity: '300:0.NA/88.118.8', secret: 'enterprise-secret-000001' });
const URL_VALUE = (value: string) => [{ index: 1, type: 'URL', data: value }];

function adminValue(permissions: string) {
  return { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions } } };
}

/** The administrator creates 0.NA/88.118.8 with the enterprise's secret key and an HS_ADMIN without derived-prefix rights. */
async function onboard(t: Parameters<typeof startNode>[0], node: NodeUnderTest): Promise<void> {
  const reply = await node.put('/api/handles/0.NA/88.118.8', [{ index: 300, type: 'HS_SECKEY', data: ENTERPRISE.secret }, adminValue('011111110011')]);
  t.is(reply.status, 201, reply.text);
}

async function urlOf(node: NodeUnderTest, handle: string): Promise<unknown> {
  const reply = await node.get(`/api/handles/${handle}`);
  return reply.status === 200 ? reply.json.values.find((v: { index: number }) => v.index === 1)?.data.value : reply.status;
}

test('access: an enterprise identity creates, changes and deletes handles under its own prefix', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const created = await node.put('/api/handles/88.118.8/X', URL_VALUE('https://example.cn/1'), { auth: ENTERPRISE });
  t.is(created.status, 201, created.text);
  const changed = await node.put('/api/handles/88.118.8/X', URL_VALUE('https://example.cn/2'), { auth: ENTERPRISE });
  t.is(changed.status, 200, changed.text);
  t.is(await urlOf(node, '88.118.8/X'), 'https://example.cn/2');
  const added = await node.put('/api/handles/88.118.8/X?index=2', [{ index: 2, type: 'EMAIL', data: 'a@example.cn' }], { auth: ENTERPRISE });
  t.is(added.status, 201, added.text);
  const removed = await node.delete('/api/handles/88.118.8/X?index=2', { auth: ENTERPRISE });
  t.is(removed.status, 200, removed.text);
  const deleted = await node.delete('/api/handles/88.118.8/X', { auth: ENTERPRISE });
  t.is(deleted.status, 200, deleted.text);
  t.is(await urlOf(node, '88.118.8/X'), 404);
});

test('access: an enterprise identity may not write under the look-alike prefix 88.118.80 (403/401)', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  t.is((await node.put('/api/handles/0.NA/88.118.80', [])).status, 201);
  const reply = await node.put('/api/handles/88.118.80/X', URL_VALUE('https://example.cn/1'), { auth: ENTERPRISE });
  t.is(reply.status, 403);
  t.is(reply.json?.responseCode, 401);
  t.is(await urlOf(node, '88.118.80/X'), 404);
});

test('access: an enterprise identity may not write under its parent prefix 88.118 (403/401)', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const reply = await node.put('/api/handles/88.118/X', URL_VALUE('https://example.cn/1'), { auth: ENTERPRISE });
  t.is(reply.status, 403);
  t.is(reply.json?.responseCode, 401);
  t.is(await urlOf(node, '88.118/X'), 404);
});

test('access: without ADD_DERIVED_PREFIX an enterprise may not create 0.NA/88.118.8.1 (403/401)', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const reply = await node.put('/api/handles/0.NA/88.118.8.1', [], { auth: ENTERPRISE });
  t.is(reply.status, 403);
  t.is(reply.json?.responseCode, 401);
  t.is((await node.get('/api/handles/0.NA/88.118.8.1')).status, 404);
  const under = await node.put('/api/handles/88.118.8.1/X', URL_VALUE('https://example.cn/1'), { auth: ENTERPRISE });
  t.is(under.status, 400, 'the derived prefix is not homed');
  t.is(under.json?.responseCode, 301);
});

test('access: once granted 011111111111 an enterprise creates 0.NA/88.118.8.1 and handles under it', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const grant = await node.put('/api/handles/0.NA/88.118.8?index=100', [adminValue('011111111111')]);
  t.is(grant.status, 200, grant.text);

  const derived = await node.put('/api/handles/0.NA/88.118.8.1', [], { auth: ENTERPRISE });
  t.is(derived.status, 201, derived.text);
  const created = await node.put('/api/handles/88.118.8.1/X', URL_VALUE('https://example.cn/derived'), { auth: ENTERPRISE });
  t.is(created.status, 201, created.text);
  t.is(await urlOf(node, '88.118.8.1/X'), 'https://example.cn/derived');
});

test('access: the node administrator may write anywhere homed here', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  t.is((await node.put('/api/handles/88.118.8/ADMIN-MADE', URL_VALUE('https://example.cn/a'))).status, 201);
  t.is((await node.put('/api/handles/88.118/ADMIN-MADE', URL_VALUE('https://example.cn/a'))).status, 201);
});

test('access: a refused write changes nothing', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  await node.register(t, '88.118/OWNED', 'https://example.cn/old');
  const before = await node.get('/api/handles/88.118/OWNED', { auth: ADMIN });

  const attempts = [
    await node.put('/api/handles/88.118/OWNED', URL_VALUE('https://example.cn/new'), { auth: ENTERPRISE }),
    await node.put('/api/handles/88.118/OWNED?index=1', URL_VALUE('https://example.cn/new'), { auth: ENTERPRISE }),
    await node.put('/api/handles/88.118/OWNED?index=2', [{ index: 2, type: 'URL', data: 'https://evil.example/' }], { auth: ENTERPRISE }),
    await node.delete('/api/handles/88.118/OWNED?index=1', { auth: ENTERPRISE }),
    await node.delete('/api/handles/88.118/OWNED', { auth: ENTERPRISE }),
  ];
  for (const reply of attempts) {
    t.is(reply.status, 403, reply.text);
    t.is(reply.json?.responseCode, 401);
  }
  const after = await node.get('/api/handles/88.118/OWNED', { auth: ADMIN });
  t.deepEqual(after.json, before.json);
});

test('auth: a wrong secret is 401 with an empty body and WWW-Authenticate Handle and Basic challenges', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const cases = [
    { identity: ENTERPRISE.identity, secret: 'wrong-secret-000000000' },
    { identity: '300:0.NA/88.118.99', secret: ENTERPRISE.secret },
    { identity: '301:0.NA/88.118.8', secret: ENTERPRISE.secret },
  ];
  for (const auth of cases) {
    const reply = await node.put('/api/handles/88.118.8/X', URL_VALUE('https://example.cn/1'), { auth });
    t.is(reply.status, 401, auth.identity);
    t.is(reply.text, '', auth.identity);
    t.regex(String(reply.headers['www-authenticate']), /^Handle sessionId="[\w-]{43}", nonce="[\w+/]{22}==", error="[^"]*", Basic realm="handle"$/, auth.identity);
  }
  const get = await node.get('/api/handles/88.118', { auth: cases[0] });
  t.is(get.status, 401);
  t.is(get.text, '');
  t.is(await urlOf(node, '88.118.8/X'), 404);
});

test('auth: a PUT without credentials is 401/402 with a Basic challenge', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/X', URL_VALUE('https://example.cn/1'), { auth: null });
  t.is(reply.status, 401);
  t.is(reply.json?.responseCode, 402);
  t.regex(String(reply.headers['www-authenticate']), /Basic/);
  t.is(await urlOf(node, '88.118/X'), 404);
});

test('auth: a Basic identity may be given without an index (index 0 = any key)', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const reply = await node.put('/api/handles/88.118.8/ANY', URL_VALUE('https://example.cn/1'), {
    auth: { identity: '0.NA/88.118.8', secret: ENTERPRISE.secret },
  });
  t.is(reply.status, 201, reply.text);
});

test('access: an enterprise cannot grant itself derived prefixes by editing its own HS_ADMIN (403/401)', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  const escalate = await node.put('/api/handles/0.NA/88.118.8?index=100', [adminValue('011111111111')], { auth: ENTERPRISE });
  t.is(escalate.status, 403, escalate.text);
  t.is(escalate.json?.responseCode, 401);
  const derive = await node.put('/api/handles/0.NA/88.118.8.1', [], { auth: ENTERPRISE });
  t.is(derive.status, 403);
  const record = node.node.store.getRecord('0.NA/88.118.8');
  t.is((record?.values.find((v) => v.index === 100)?.data.value as { permissions: string }).permissions, '011111110011');
});

test('access: an enterprise can rotate its own secret key, and the old secret stops working at once', async (t) => {
  const node = await startNode(t);
  await onboard(t, node);
  t.is((await node.put('/api/handles/88.118.8/A', URL_VALUE('https://example.cn/a'), { auth: ENTERPRISE })).status, 201);
  const rotated = await node.put('/api/handles/0.NA/88.118.8?index=300', [{ index: 300, type: 'HS_SECKEY', data: 'enterprise-secret-000002' }], { auth: ENTERPRISE });
  t.is(rotated.status, 200, rotated.text);
  const old = await node.put('/api/handles/88.118.8/B', URL_VALUE('https://example.cn/b'), { auth: ENTERPRISE });
  t.is(old.status, 401);
  const fresh = await node.put('/api/handles/88.118.8/B', URL_VALUE('https://example.cn/b'), { auth: { identity: ENTERPRISE.identity, secret: 'enterprise-secret-000002' } });
  t.is(fresh.status, 201);
});
