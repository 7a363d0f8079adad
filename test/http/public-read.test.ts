// The public-read rule (DESIGN invariant 7): values without publicRead never leave the node anonymously.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

const MIXED = [
  { index: 1, type: 'URL', data: 'https://example.cn/public' },
  { index: 2, type: 'INTERNAL', data: 'private-note-7f3a', permissions: '1100' },
];

test('public read: values without publicRead are hidden from anonymous callers, first read and cached read', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/MIXED', MIXED)).status, 201);

  const first = await node.get('/api/handles/88.118/MIXED');
  t.is(first.status, 200);
  t.deepEqual(first.json.values.map((v: { index: number }) => v.index), [1]);
  t.false(first.text.includes('private-note-7f3a'));

  const hitsBefore = await node.metric('idnode_resolutions_total{outcome="cache_hit"}');
  const second = await node.get('/api/handles/88.118/MIXED');
  t.is(await node.metric('idnode_resolutions_total{outcome="cache_hit"}'), hitsBefore + 1, 'second read comes from the cache');
  t.is(second.status, 200);
  t.false(second.text.includes('private-note-7f3a'));
  t.deepEqual(second.json, first.json);
});

test('public read: an index or type filter naming a non-public value returns nothing to anonymous callers', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/MIXED', MIXED)).status, 201);
  for (const query of ['index=2', 'type=INTERNAL', 'index=2&publicOnly=true']) {
    const reply = await node.get(`/api/handles/88.118/MIXED?${query}`);
    t.is(reply.status, 200, query);
    t.deepEqual(reply.json, { responseCode: 200, handle: '88.118/MIXED', values: [] }, query);
  }
});

test('public read: anonymous publicOnly=false on a record with non-public values is 401/402', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/MIXED', MIXED)).status, 201);
  for (const query of ['publicOnly=false', 'publicOnly=no', 'publicOnly=false&index=2']) {
    const reply = await node.get(`/api/handles/88.118/MIXED?${query}`);
    t.is(reply.status, 401, query);
    t.is(reply.json?.responseCode, 402, query);
    t.false(reply.text.includes('private-note-7f3a'));
  }
  // Also after the public view was cached.
  t.is((await node.get('/api/handles/88.118/MIXED')).status, 200);
  const cached = await node.get('/api/handles/88.118/MIXED?publicOnly=false');
  t.is(cached.status, 401);
  t.is(cached.json?.responseCode, 402);
});

test('public read: anonymous publicOnly=false filters first — only a non-public value asked for needs credentials', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/MIXED', MIXED)).status, 201);
  for (const query of ['index=1', 'type=URL', 'type=url&index=1']) {
    const reply = await node.get(`/api/handles/88.118/MIXED?publicOnly=false&${query}`);
    t.is(reply.status, 200, query);
    t.deepEqual(reply.json.values.map((v: { index: number }) => v.index), [1], query);
  }
  const nothing = await node.get('/api/handles/88.118/MIXED?publicOnly=false&index=99');
  t.deepEqual(nothing.json, { responseCode: 200, handle: '88.118/MIXED', values: [] });
  for (const query of ['index=1&index=2', 'type=INTERNAL', 'type=URL&type=INTERNAL']) {
    const reply = await node.get(`/api/handles/88.118/MIXED?publicOnly=false&${query}`);
    t.is(reply.status, 401, query);
    t.false(reply.text.includes('private-note-7f3a'), query);
  }
});

test('public read: anonymous publicOnly=false on a fully public record is answered', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/OPEN');
  const reply = await node.get('/api/handles/88.118/OPEN?publicOnly=false');
  t.is(reply.status, 200);
  t.is(reply.json.values.length, 1);
});

test('public read: the administrator sees non-public values, unless it asks for publicOnly', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/MIXED', MIXED)).status, 201);
  t.is((await node.get('/api/handles/88.118/MIXED')).status, 200); // fill the public cache first

  const reply = await node.get('/api/handles/88.118/MIXED', { auth: ADMIN });
  t.is(reply.status, 200);
  t.deepEqual(reply.json.values.map((v: { index: number }) => v.index), [1, 2]);
  t.deepEqual(reply.json.values[1].data, { format: 'string', value: 'private-note-7f3a' });
  t.is(reply.json.values[1].permissions, '1100');

  const filtered = await node.get('/api/handles/88.118/MIXED?index=2', { auth: ADMIN });
  t.deepEqual(filtered.json.values.map((v: { index: number }) => v.index), [2]);

  const publicOnly = await node.get('/api/handles/88.118/MIXED?publicOnly=true', { auth: ADMIN });
  t.deepEqual(publicOnly.json.values.map((v: { index: number }) => v.index), [1]);
});

test('public read: HS_SECKEY values are stored hashed and never shown as the secret', async (t) => {
  const node = await startNode(t);
  const secret = 'enterprise-secret-000001';
  const put = await node.put('/api/handles/0.NA/88.118.8', [
    { index: 300, type: 'HS_SECKEY', data: secret },
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions: '011111110011' } } },
  ]);
  t.is(put.status, 201, put.text);

  const admin = await node.get('/api/handles/0.NA/88.118.8', { auth: ADMIN });
  t.is(admin.status, 200);
  const key = (admin.json.values as { index: number; type: string; data: { format: string; value: string }; permissions?: string }[]).find(
    (v) => v.index === 300,
  );
  t.is(key?.type, 'HS_SECKEY');
  t.is(key?.permissions, '1100');
  t.is(key?.data.format, 'string');
  t.true(key?.data.value.startsWith('pbkdf2-hmac-sha1:'), key?.data.value);
  t.false(admin.text.includes(secret));

  const anonymous = await node.get('/api/handles/0.NA/88.118.8');
  t.is(anonymous.status, 200);
  t.false(anonymous.text.includes('HS_SECKEY'));
  t.false(anonymous.text.includes('pbkdf2'));
});

test('public read: an HS_SECKEY value may not be made publicly readable', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/KEYED', [{ index: 301, type: 'HS_SECKEY', data: 'some-secret-value-01', permissions: '1110' }]);
  t.is(reply.status, 400);
  t.is(reply.json?.responseCode, 202);
  t.is((await node.get('/api/handles/88.118/KEYED')).status, 404);
});
