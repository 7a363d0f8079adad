// GET /api/handles/{handle} over real HTTP: value JSON, filters, slash-less names, case, pretty, JSONP, POST-as-GET.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

const TYPED_VALUES = [
  { index: 1, type: 'URL', data: 'https://example.cn/1' },
  { index: 2, type: 'URL.foo', data: 'https://example.cn/2' },
  { index: 3, type: 'url.bar', data: 'https://example.cn/3' },
  { index: 4, type: 'EMAIL', data: 'ops@example.cn' },
  { index: 5, type: 'URLX', data: 'https://example.cn/5' },
];

function indexesOf(reply: { json: any }): number[] {
  return (reply.json.values as { index: number }[]).map((value) => value.index);
}

test('handles get: a record resolves to 200/1 with the exact value JSON', async (t) => {
  const node = await startNode(t);
  const put = await node.put('/api/handles/88.118/SHAPE-1', [
    { index: 1, type: 'URL', data: 'https://example.cn/p/1', timestamp: '1999-01-01T00:00:00Z' },
    { index: 2, type: 'EMAIL', data: { format: 'string', value: 'ops@example.cn' }, ttl: 600, permissions: '1111' },
    { index: 3, type: 'DESC', data: { format: 'hex', value: '000102' }, ttl: '2027-01-01T00:00:00Z' },
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 200, permissions: '011111111111' } } },
  ]);
  t.is(put.status, 201, put.text);

  const reply = await node.get('/api/handles/88.118/SHAPE-1');
  t.is(reply.status, 200);
  t.regex(String(reply.headers['content-type']), /^application\/json/);
  const at = '2026-01-15T08:00:00Z';
  t.deepEqual(reply.json, {
    responseCode: 1,
    handle: '88.118/SHAPE-1',
    values: [
      { index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/p/1' }, ttl: 86400, timestamp: at },
      { index: 2, type: 'EMAIL', data: { format: 'string', value: 'ops@example.cn' }, permissions: '1111', ttl: 600, timestamp: at },
      { index: 3, type: 'DESC', data: { format: 'base64', value: 'AAEC' }, ttl: '2027-01-01T00:00:00Z', timestamp: at },
      {
        index: 100,
        type: 'HS_ADMIN',
        data: { format: 'admin', value: { handle: '0.NA/88.118', index: 200, permissions: '011111111111' } },
        ttl: 86400,
        timestamp: at,
      },
    ],
  });
});

test('handles get: an unknown handle is 404 with exactly responseCode 100 and the handle', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/api/handles/88.118/NOPE');
  t.is(reply.status, 404);
  t.deepEqual(reply.json, { responseCode: 100, handle: '88.118/NOPE' });
});

test('handles get: an existing handle with no matching values is 200/200 with values []', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/FILTERED');
  const filtered = await node.get('/api/handles/88.118/FILTERED?type=EMAIL');
  t.is(filtered.status, 200);
  t.deepEqual(filtered.json, { responseCode: 200, handle: '88.118/FILTERED', values: [] });

  const empty = await node.put('/api/handles/88.118/EMPTY', []);
  t.is(empty.status, 201, empty.text);
  const reply = await node.get('/api/handles/88.118/EMPTY');
  t.is(reply.status, 200);
  t.deepEqual(reply.json, { responseCode: 200, handle: '88.118/EMPTY', values: [] });
});

test('handles get: the index filter is repeatable', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/TYPED', TYPED_VALUES)).status, 201);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?index=2')), [2]);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?index=1&index=4')), [1, 4]);
});

test('handles get: type filter with a trailing dot matches the type and its sub-types in any case', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/TYPED', TYPED_VALUES)).status, 201);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?type=URL.')), [1, 2, 3]);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?type=url.')), [1, 2, 3]);
});

test('handles get: type filter without a dot matches the exact type only, ignoring ASCII case', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/TYPED', TYPED_VALUES)).status, 201);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?type=URL')), [1]);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?type=Url.Foo')), [2]);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?type=URL&type=email')), [1, 4]);
});

test('handles get: index and type filters are OR-ed', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/TYPED', TYPED_VALUES)).status, 201);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?index=5&type=EMAIL')), [4, 5]);
  t.deepEqual(indexesOf(await node.get('/api/handles/88.118/TYPED?type=URL.&index=4')), [1, 2, 3, 4]);
});

test('handles get: a non-integer index is 400/4', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/IDX');
  for (const bad of ['abc', '1.5', '', '0x1', '2147483648', '-2147483649', '1e3', '+-1']) {
    const reply = await node.get(`/api/handles/88.118/IDX?index=${encodeURIComponent(bad)}`);
    t.is(reply.status, 400, `index=${bad}`);
    t.is(reply.json?.responseCode, 4, `index=${bad}`);
  }
});

test('handles get: an index is read as Java reads it — a sign and leading zeros are fine, a negative one matches nothing', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/IDX');
  for (const [query, expected] of [['index=%2B1', [1]], ['index=0001', [1]], ['index=-1', []], ['index=-2147483648&index=1', [1]]] as const) {
    const reply = await node.get(`/api/handles/88.118/IDX?${query}`);
    t.is(reply.status, 200, query);
    t.deepEqual(reply.json.values.map((v: { index: number }) => v.index), expected, query);
  }
});

test('handles get: a slash-less name resolves 0.NA/<name> and echoes the name as sent', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/api/handles/88.118');
  t.is(reply.status, 200);
  t.is(reply.json.responseCode, 1);
  t.is(reply.json.handle, '88.118');
  const admin = (reply.json.values as { type: string; data: { value: { handle: string } } }[]).find((v) => v.type === 'HS_ADMIN');
  t.is(admin?.data.value.handle, '0.NA/88.118');

  const full = await node.get('/api/handles/0.NA/88.118');
  t.deepEqual(full.json.values, reply.json.values);
});

test('handles get: lookup ignores ASCII case and echoes the requested spelling', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/Pump-0007', 'https://example.cn/p/7');
  for (const spelling of ['88.118/PUMP-0007', '88.118/pump-0007', '88.118/pUmP-0007']) {
    const reply = await node.get(`/api/handles/${spelling}`);
    t.is(reply.status, 200, spelling);
    t.is(reply.json.handle, spelling);
    t.is(reply.json.values[0].data.value, 'https://example.cn/p/7');
  }
});

test('handles get: pretty pretty-prints the same JSON', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/PRETTY');
  const plain = await node.get('/api/handles/88.118/PRETTY');
  t.false(plain.text.includes('\n'));
  for (const query of ['pretty', 'pretty=true', 'pretty=yes', 'pretty=']) {
    const pretty = await node.get(`/api/handles/88.118/PRETTY?${query}`);
    t.is(pretty.status, 200);
    t.true(pretty.text.includes('\n  "responseCode": 1'), query);
    t.deepEqual(pretty.json, plain.json);
  }
});

test('handles get: callback wraps the answer as JSONP, bad characters becoming _', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/JSONP');
  const plain = await node.get('/api/handles/88.118/JSONP');

  const reply = await node.get('/api/handles/88.118/JSONP?callback=handle.cb');
  t.is(reply.status, 200);
  t.regex(String(reply.headers['content-type']), /^application\/javascript/);
  t.is(reply.text, `handle.cb(${plain.text});`);

  const bad = await node.get('/api/handles/88.118/JSONP?callback=a-b%28c%29%3Bd');
  t.is(bad.text, `a_b_c__d(${plain.text});`);

  const missing = await node.get('/api/handles/88.118/NOPE?callback=cb');
  t.is(missing.status, 404);
  t.is(missing.text, 'cb({"responseCode":100,"handle":"88.118/NOPE"});');
});

test('handles post: a POST to a handle URL resolves like GET, body fields acting as query parameters', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/TYPED', TYPED_VALUES)).status, 201);
  const get = await node.get('/api/handles/88.118/TYPED');

  const post = await node.request('POST', '/api/handles/88.118/TYPED', { auth: null });
  t.is(post.status, 200);
  t.deepEqual(post.json, get.json);

  const filtered = await node.request('POST', '/api/handles/88.118/TYPED', { auth: null, body: { index: [2, 4] } });
  t.is(filtered.status, 200);
  t.deepEqual(indexesOf(filtered), [2, 4]);

  const missing = await node.request('POST', '/api/handles/88.118/NOPE', { auth: null });
  t.is(missing.status, 404);
  t.is(missing.json.responseCode, 100);

  // `pretty` and `callback` are parameters like any other: from the body they shape the answer too.
  const pretty = await node.request('POST', '/api/handles/88.118/TYPED', { auth: null, body: { pretty: true } });
  t.is(pretty.text, JSON.stringify(get.json, null, 2));
  const jsonp = await node.request('POST', '/api/handles/88.118/NOPE', { auth: null, body: { callback: 'cb' } });
  t.regex(String(jsonp.headers['content-type']), /^application\/javascript/);
  t.is(jsonp.text, 'cb({"responseCode":100,"handle":"88.118/NOPE"});');
});

test('handles get: an authenticated GET resolves too', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/AUTHED');
  const reply = await node.get('/api/handles/88.118/AUTHED', { auth: ADMIN });
  t.is(reply.status, 200);
  t.is(reply.json.values[0].type, 'URL');
});

test('handles get: JSONP is not offered to authenticated callers (their answers stay JSON)', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/JSONP-AUTH');
  const reply = await node.get('/api/handles/88.118/JSONP-AUTH?callback=steal', { auth: ADMIN });
  t.regex(String(reply.headers['content-type']), /^application\/json/);
  t.is(reply.json.responseCode, 1);
});

test('handles get: a store keeps the case rule it was created with', async (t) => {
  const node = await startNode(t);
  const error = await t.throwsAsync(startNode(t, { IDNODE_DB_PATH: node.config.dbPath, IDNODE_SUFFIX_CASE_SENSITIVE: 'true' }));
  t.is((error as { code?: string }).code, 'STORE_UNAVAILABLE');
});
