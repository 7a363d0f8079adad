// /api/prefixes over real HTTP (reference §3.6): list, home, unhome; administrators only.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

const URL_VALUE = [{ index: 1, type: 'URL', data: 'https://example.cn/x' }];

test('prefixes: the administrator lists the homed prefixes', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/api/prefixes', { auth: ADMIN });
  t.is(reply.status, 200);
  t.deepEqual(reply.json, { responseCode: 1, totalCount: '1', prefixes: ['88.118'] });
});

test('prefixes: POST homes a prefix, after which handles can be created under it', async (t) => {
  const node = await startNode(t);
  const before = await node.put('/api/handles/99.5/x', URL_VALUE);
  t.is(before.status, 400);
  t.is(before.json.responseCode, 301);

  const homed = await node.request('POST', '/api/prefixes/99.5');
  t.is(homed.status, 200);
  t.is(homed.json.responseCode, 1);

  const listed = await node.get('/api/prefixes', { auth: ADMIN });
  t.deepEqual(listed.json.prefixes, ['88.118', '99.5']);
  t.is(listed.json.totalCount, '2');

  const created = await node.put('/api/handles/99.5/x', URL_VALUE);
  t.is(created.status, 201);
  t.is((await node.get('/api/handles/99.5/x')).status, 200);
});

test('prefixes: listing pages like handle listings', async (t) => {
  const node = await startNode(t);
  for (const prefix of ['99.7', '99.5', '99.6']) t.is((await node.request('POST', `/api/prefixes/${prefix}`)).status, 200);
  const reply = await node.get('/api/prefixes?page=1&pageSize=2', { auth: ADMIN });
  t.is(reply.status, 200);
  t.deepEqual(reply.json, { responseCode: 1, totalCount: '4', page: 1, pageSize: 2, prefixes: ['99.6', '99.7'] });
});

test('prefixes: DELETE unhomes a prefix; new handles under it are then refused with 400/301', async (t) => {
  const node = await startNode(t);
  t.is((await node.request('POST', '/api/prefixes/99.5')).status, 200);
  const unhomed = await node.delete('/api/prefixes/99.5');
  t.is(unhomed.status, 200);
  t.is(unhomed.json.responseCode, 1);
  t.deepEqual((await node.get('/api/prefixes', { auth: ADMIN })).json.prefixes, ['88.118']);
  // Unhoming, like homing, is idempotent (reference §3.6: both answer responseCode 1).
  for (const path of ['/api/prefixes/99.5', '/api/prefixes/77.1']) {
    const again = await node.delete(path);
    t.deepEqual([again.status, again.json.responseCode], [200, 1], path);
  }
  const refused = await node.put('/api/handles/99.5/y', URL_VALUE);
  t.is(refused.status, 400);
  t.is(refused.json.responseCode, 301);
});

test('prefixes: the prefix-record namespace 0.NA is not a prefix and is never homed', async (t) => {
  const node = await startNode(t);
  for (const path of ['/api/prefixes/0.NA', '/api/prefixes/0.NA/0.NA', '/api/prefixes/0.na.5']) {
    const reply = await node.request('POST', path);
    t.is(reply.status, 400, path);
    t.is(reply.json.responseCode, 102, path);
  }
  // Nor through the back door of creating its prefix record.
  for (const record of ['0.NA/0.NA', '0.NA/0.na.1']) {
    const reply = await node.put(`/api/handles/${record}`, URL_VALUE);
    t.is(reply.status, 400, record);
    t.is(reply.json.responseCode, 102, record);
  }
  t.deepEqual((await node.get('/api/prefixes', { auth: ADMIN })).json.prefixes, ['88.118']);
});

test('prefixes: a prefix record whose HS_ADMIN is only opaque bytes still gets its creator as administrator', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/0.NA/88.118.5', [{ index: 100, type: 'HS_ADMIN', data: { format: 'hex', value: '00' } }]);
  t.is(reply.status, 201);
  const admins = node.node.store.getRecord('0.NA/88.118.5')?.values.filter((v) => v.type === 'HS_ADMIN') ?? [];
  t.deepEqual(admins.map((v) => v.data.format).sort(), ['admin', 'base64']);
});

test('prefixes: GET on /api/prefixes/{p} is 405', async (t) => {
  const node = await startNode(t);
  t.is((await node.request('POST', '/api/prefixes/99.5')).status, 200);
  for (const auth of [ADMIN, null]) {
    const reply = await node.get('/api/prefixes/99.5', { auth });
    t.is(reply.status, 405);
    t.is(reply.json?.responseCode, 4);
  }
});

test('prefixes: anonymous callers get 401/402 and nothing changes', async (t) => {
  const node = await startNode(t);
  const list = await node.get('/api/prefixes');
  t.is(list.status, 401);
  t.is(list.json?.responseCode, 402);
  t.false(list.text.includes('88.118'));

  const home = await node.request('POST', '/api/prefixes/99.5', { auth: null });
  t.is(home.status, 401);
  t.is(home.json?.responseCode, 402);
  const unhome = await node.delete('/api/prefixes/88.118', { auth: null });
  t.is(unhome.status, 401);
  t.deepEqual((await node.get('/api/prefixes', { auth: ADMIN })).json.prefixes, ['88.118']);
});

test('prefixes: creating prefix records 0.NA/<P> homes each P', async (t) => {
  const node = await startNode(t);
  for (const prefix of ['88.118.8', '88.118.9']) t.is((await node.put(`/api/handles/0.NA/${prefix}`, [])).status, 201);
  const listed = await node.get('/api/prefixes', { auth: ADMIN });
  t.deepEqual(listed.json.prefixes, ['88.118', '88.118.8', '88.118.9']);
  for (const prefix of ['88.118.8', '88.118.9']) {
    const created = await node.put(`/api/handles/${prefix}/X`, URL_VALUE);
    t.is(created.status, 201, `${prefix}: ${created.text}`);
  }
  const unhomed = await node.delete('/api/prefixes/88.118.9');
  t.is(unhomed.status, 200, unhomed.text);
});

test('prefixes: deleting a derived prefix record unhomes the prefix; its handles still resolve', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/0.NA/88.118.5', [])).status, 201);
  await node.register(t, '88.118.5/KEPT');
  t.is((await node.delete('/api/handles/0.NA/88.118.5')).status, 200);
  const listed = await node.get('/api/prefixes', { auth: ADMIN });
  t.false(listed.json.prefixes.includes('88.118.5'));
  t.is((await node.get('/api/handles/88.118.5/KEPT')).status, 200);
  const refused = await node.put('/api/handles/88.118.5/NEW', [{ index: 1, type: 'URL', data: 'x' }]);
  t.is(refused.status, 400);
  t.is(refused.json.responseCode, 301);
});
