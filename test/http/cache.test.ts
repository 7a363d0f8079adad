// The resolve cache seen over HTTP (DESIGN invariant 3): writes are visible at once, entries expire at their TTL.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

const HIT = 'idnode_resolutions_total{outcome="cache_hit"}';
const MISS = 'idnode_resolutions_total{outcome="cache_miss"}';
const NEGATIVE = 'idnode_resolutions_total{outcome="negative_hit"}';

test('cache: a PUT that changes a cached record is visible on the very next GET', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/C', 'https://example.cn/old');
  await node.get('/api/handles/88.118/C');
  await node.get('/api/handles/88.118/C');
  t.is(await node.metric(HIT), 1, 'the record is cached');

  t.is((await node.put('/api/handles/88.118/C', [{ index: 1, type: 'URL', data: 'https://example.cn/new' }])).status, 200);
  const reply = await node.get('/api/handles/88.118/C');
  t.is(reply.json.values[0].data.value, 'https://example.cn/new');

  t.is((await node.put('/api/handles/88.118/C?index=2', [{ index: 2, type: 'EMAIL', data: 'a@example.cn' }])).status, 201);
  t.deepEqual((await node.get('/api/handles/88.118/c')).json.values.map((v: { index: number }) => v.index), [1, 2]);
});

test('cache: a DELETE makes the next GET 404 although the record was cached', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/D');
  await node.get('/api/handles/88.118/D');
  await node.get('/api/handles/88.118/D');
  t.is(await node.metric(HIT), 1);
  t.is((await node.delete('/api/handles/88.118/D')).status, 200);
  t.is((await node.get('/api/handles/88.118/D')).status, 404);
});

test('cache: deleting values of a cached record is visible on the next GET', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/V', [1, 2].map((index) => ({ index, type: 'URL', data: `https://example.cn/${index}` })))).status, 201);
  await node.get('/api/handles/88.118/V');
  t.is((await node.delete('/api/handles/88.118/V?index=2')).status, 200);
  t.deepEqual((await node.get('/api/handles/88.118/V')).json.values.map((v: { index: number }) => v.index), [1]);
});

test('cache: a negative entry is replaced as soon as the handle is created', async (t) => {
  const node = await startNode(t);
  t.is((await node.get('/api/handles/88.118/LATER')).status, 404);
  t.is((await node.get('/api/handles/88.118/LATER')).status, 404);
  t.is(await node.metric(NEGATIVE), 1, 'the 404 is cached');
  await node.register(t, '88.118/later', 'https://example.cn/later');
  const reply = await node.get('/api/handles/88.118/LATER');
  t.is(reply.status, 200);
  t.is(reply.json.values[0].data.value, 'https://example.cn/later');
});

test('cache: making a value non-public takes it out of the cached anonymous answer at once', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/HIDE', 'https://example.cn/was-public');
  await node.get('/api/handles/88.118/HIDE');
  const put = await node.put('/api/handles/88.118/HIDE?index=1', [{ index: 1, type: 'URL', data: 'https://example.cn/was-public', permissions: '1100' }]);
  t.is(put.status, 200);
  const reply = await node.get('/api/handles/88.118/HIDE');
  t.is(reply.status, 200);
  t.false(reply.text.includes('was-public'));
});

test('cache: an entry expires at the smallest public value TTL', async (t) => {
  const node = await startNode(t);
  const put = await node.put('/api/handles/88.118/SHORT', [
    { index: 1, type: 'URL', data: 'https://example.cn/short', ttl: 5 },
    { index: 2, type: 'EMAIL', data: 'a@example.cn', ttl: 86400 },
  ]);
  t.is(put.status, 201);
  await node.get('/api/handles/88.118/SHORT');
  t.is(await node.metric(MISS), 1);
  node.clock.advance(4000);
  await node.get('/api/handles/88.118/SHORT');
  t.is(await node.metric(HIT), 1, 'still fresh after 4 s');
  node.clock.advance(2000);
  await node.get('/api/handles/88.118/SHORT');
  t.is(await node.metric(MISS), 2, 'expired after 6 s');
  t.is(await node.metric(HIT), 1);
});

test('cache: an entry expires at an absolute TTL', async (t) => {
  const node = await startNode(t);
  const put = await node.put('/api/handles/88.118/ABS', [{ index: 1, type: 'URL', data: 'https://example.cn/abs', ttl: '2026-01-15T08:00:10Z' }]);
  t.is(put.status, 201);
  await node.get('/api/handles/88.118/ABS');
  node.clock.advance(11_000);
  await node.get('/api/handles/88.118/ABS');
  t.is(await node.metric(MISS), 2);
  t.is(await node.metric(HIT), 0);
});

test('cache: a non-public value with a short TTL does not shorten the public entry', async (t) => {
  const node = await startNode(t);
  const put = await node.put('/api/handles/88.118/PRIV', [
    { index: 1, type: 'URL', data: 'https://example.cn/p', ttl: 600 },
    { index: 2, type: 'NOTE', data: 'private', ttl: 1, permissions: '1100' },
  ]);
  t.is(put.status, 201);
  await node.get('/api/handles/88.118/PRIV');
  node.clock.advance(5000);
  await node.get('/api/handles/88.118/PRIV');
  t.is(await node.metric(HIT), 1);
});

test('cache-control: anonymous answers carry max-age no longer than the remaining TTL; authenticated ones are no-store', async (t) => {
  const node = await startNode(t);
  const put = await node.put('/api/handles/88.118/CC-1', [{ index: 1, type: 'URL', data: 'https://example.cn/cc', ttl: 60 }]);
  t.is(put.status, 201);
  t.is(put.headers['cache-control'], 'no-store');
  t.is((await node.get('/api/handles/88.118/CC-1')).headers['cache-control'], 'max-age=60');
  node.clock.advance(20_000);
  t.is((await node.get('/api/handles/88.118/CC-1')).headers['cache-control'], 'max-age=40', 'from the cache, counting down');
  t.is((await node.get('/api/handles/88.118/CC-1?type=URL')).headers['cache-control'], 'max-age=40', 'filtered answers too');
  t.is((await node.get('/api/handles/88.118/CC-1', { auth: ADMIN })).headers['cache-control'], 'no-store');
  t.is((await node.get('/api/handles/88.118/NONE')).headers['cache-control'], 'max-age=10', 'not-found: the negative TTL');
});
