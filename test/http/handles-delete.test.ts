// DELETE /api/handles/{handle}[?index=…] over real HTTP (reference §3.4).

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

const THREE = [1, 2, 3].map((index) => ({ index, type: 'URL', data: `https://example.cn/${index}` }));

test('handles delete: deleting a whole handle is 200/1, then it is 404', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/GONE');
  const reply = await node.delete('/api/handles/88.118/gone');
  t.is(reply.status, 200);
  t.deepEqual(reply.json, { responseCode: 1, handle: '88.118/gone' });

  const resolved = await node.get('/api/handles/88.118/GONE');
  t.is(resolved.status, 404);
  t.is(resolved.json.responseCode, 100);

  const again = await node.delete('/api/handles/88.118/GONE');
  t.is(again.status, 404);
  t.is(again.json.responseCode, 100);
});

test('handles delete: index parameters remove only those values', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/SOME', THREE)).status, 201);
  const reply = await node.delete('/api/handles/88.118/SOME?index=1&index=3');
  t.is(reply.status, 200);
  t.is(reply.json.responseCode, 1);
  const left = await node.get('/api/handles/88.118/SOME', { auth: ADMIN });
  t.deepEqual(left.json.values.map((v: { index: number }) => v.index), [2]);
});

test('handles delete: a listed index that does not exist is 400/200 and nothing is removed', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/SOME', THREE)).status, 201);
  const reply = await node.delete('/api/handles/88.118/SOME?index=2&index=9');
  t.is(reply.status, 400);
  t.is(reply.json.responseCode, 200);
  const left = await node.get('/api/handles/88.118/SOME', { auth: ADMIN });
  t.deepEqual(left.json.values.map((v: { index: number }) => v.index), [1, 2, 3]);
});

test('handles delete: index=various is 400 and nothing is removed', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/SOME', THREE)).status, 201);
  for (const query of ['index=various', 'index=abc']) {
    const reply = await node.delete(`/api/handles/88.118/SOME?${query}`);
    t.is(reply.status, 400, query);
    t.is(reply.json?.responseCode, 4, query);
  }
  const left = await node.get('/api/handles/88.118/SOME', { auth: ADMIN });
  t.deepEqual(left.json.values.map((v: { index: number }) => v.index), [1, 2, 3]);
});

test('handles delete: without credentials is 401/402 and the handle stays', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/KEEP');
  const reply = await node.delete('/api/handles/88.118/KEEP', { auth: null });
  t.is(reply.status, 401);
  t.is(reply.json?.responseCode, 402);
  t.is((await node.get('/api/handles/88.118/KEEP')).status, 200);
});
