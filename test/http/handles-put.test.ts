// PUT /api/handles/{handle} over real HTTP: create, replace, add values, body forms, overwrite, mint, timestamps.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

const url = (index: number, value: string) => ({ index, type: 'URL', data: value });

async function valuesOf(node: Awaited<ReturnType<typeof startNode>>, handle: string): Promise<{ index: number; data: { value: unknown } }[]> {
  const reply = await node.get(`/api/handles/${handle}`, { auth: ADMIN });
  return reply.json?.values ?? [];
}

test('handles put: creating a handle is 201 {"responseCode":1,"handle":…}', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/New-1', [url(1, 'https://example.cn/1')]);
  t.is(reply.status, 201);
  t.deepEqual(reply.json, { responseCode: 1, handle: '88.118/New-1' });
  t.is((await node.get('/api/handles/88.118/new-1')).status, 200);
});

test('handles put: overwrite=false on an existing handle is 409/101 and changes nothing', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/EXISTS', 'https://example.cn/old');
  const reply = await node.put('/api/handles/88.118/EXISTS?overwrite=false', [url(1, 'https://example.cn/new')]);
  t.is(reply.status, 409);
  t.is(reply.json.responseCode, 101);
  t.is(reply.json.handle, '88.118/EXISTS');
  t.deepEqual((await valuesOf(node, '88.118/EXISTS')).map((v) => v.data.value), ['https://example.cn/old']);
});

test('handles put: by default an existing handle is overwritten: 200 and all values replaced', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/REPLACE', [url(1, 'https://example.cn/1'), url(2, 'https://example.cn/2')])).status, 201);
  const reply = await node.put('/api/handles/88.118/replace', [url(3, 'https://example.cn/3')]);
  t.is(reply.status, 200);
  t.deepEqual(reply.json, { responseCode: 1, handle: '88.118/replace' });
  const values = await valuesOf(node, '88.118/REPLACE');
  t.deepEqual(values.map((v) => v.index), [3]);
});

test('handles put: overwrite and mintNewSuffix are true or false in any case; any other spelling is 400/4 and writes nothing', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/BOOL');
  for (const query of ['overwrite=false', 'overwrite=FALSE', 'overwrite=False']) {
    const reply = await node.put(`/api/handles/88.118/BOOL?${query}`, [url(1, 'https://example.cn/x')]);
    t.is(reply.status, 409, query);
    t.is(reply.json?.responseCode, 101, query);
  }
  // Handle.net's Boolean.parseBoolean reads each of these as false — the opposite of what `1`, `yes` or a bare flag
  // mean on every other parameter — so idnode refuses them (issue 17 item 9).
  for (const query of ['overwrite', 'overwrite=', 'overwrite=yes', 'overwrite=1', 'overwrite=maybe', 'mintNewSuffix=1', 'mintNewSuffix=yes', 'mintNewSuffix']) {
    const reply = await node.put(`/api/handles/88.118/BOOL?${query}`, [url(1, 'https://example.cn/x')]);
    t.is(reply.status, 400, query);
    t.is(reply.json?.responseCode, 4, query);
  }
  t.is((await valuesOf(node, '88.118/BOOL'))[0]?.data.value, 'https://example.cn/88.118/BOOL', 'nothing was written');
  for (const query of ['overwrite=true', 'overwrite=TRUE', 'overwrite=True']) {
    const reply = await node.put(`/api/handles/88.118/BOOL?${query}`, [url(1, `https://example.cn/${query}`)]);
    t.is(reply.status, 200, query);
  }
});

test('handles put: the body may be an array, {values:[…]} or one bare value', async (t) => {
  const node = await startNode(t);
  const forms: [string, unknown][] = [
    ['ARRAY', [url(1, 'https://example.cn/a')]],
    ['WRAPPED', { values: [url(1, 'https://example.cn/a')], comment: 'ignored' }],
    ['WRAPPED-SAME', { handle: '88.118/wrapped-same', values: [url(1, 'https://example.cn/a')] }],
    ['BARE', url(1, 'https://example.cn/a')],
  ];
  for (const [suffix, body] of forms) {
    const reply = await node.put(`/api/handles/88.118/${suffix}`, body);
    t.is(reply.status, 201, `${suffix}: ${reply.text}`);
    t.deepEqual((await valuesOf(node, `88.118/${suffix}`)).map((v) => v.data.value), ['https://example.cn/a'], suffix);
  }
});

test('handles put: a body handle that does not match the path is 400 and creates nothing', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/PATH', { handle: '88.118/OTHER', values: [url(1, 'https://example.cn/a')] });
  t.is(reply.status, 400);
  t.is(reply.json?.responseCode, 4);
  t.is((await node.get('/api/handles/88.118/PATH')).status, 404);
  t.is((await node.get('/api/handles/88.118/OTHER')).status, 404);
});

test('handles put: a body of another shape is 400/4', async (t) => {
  const node = await startNode(t);
  for (const body of [{ foo: 1 }, 'just text', 42, { index: 1, type: 'URL' }]) {
    const reply = await node.put('/api/handles/88.118/SHAPE', JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    t.is(reply.status, 400, JSON.stringify(body));
    t.is(reply.json?.responseCode, 4, JSON.stringify(body));
  }
});

test('handles put: index=i adding only new indexes is 201', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/ADD', 'https://example.cn/1');
  const reply = await node.put('/api/handles/88.118/ADD?index=2&index=3', [url(2, 'https://example.cn/2'), url(3, 'https://example.cn/3')]);
  t.is(reply.status, 201);
  t.deepEqual(reply.json, { responseCode: 1, handle: '88.118/ADD' });
  t.deepEqual((await valuesOf(node, '88.118/ADD')).map((v) => v.index), [1, 2, 3]);
});

test('handles put: index=i replacing an existing index is 200 and keeps the other values', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/ADD', [url(1, 'https://example.cn/1'), url(2, 'https://example.cn/2')])).status, 201);
  const reply = await node.put('/api/handles/88.118/ADD?index=2', [url(2, 'https://example.cn/2b')]);
  t.is(reply.status, 200);
  t.deepEqual((await valuesOf(node, '88.118/ADD')).map((v) => v.data.value), ['https://example.cn/1', 'https://example.cn/2b']);
});

test('handles put: index=i with overwrite=false replacing an index is 409/201 and changes nothing', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/ADD', 'https://example.cn/1');
  const reply = await node.put('/api/handles/88.118/ADD?index=1&index=2&overwrite=false', [url(1, 'https://example.cn/1b'), url(2, 'https://example.cn/2')]);
  t.is(reply.status, 409);
  t.is(reply.json.responseCode, 201);
  t.deepEqual((await valuesOf(node, '88.118/ADD')).map((v) => v.data.value), ['https://example.cn/1']);
});

test('handles put: index parameters that differ from the body indexes are 400', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/ADD', 'https://example.cn/1');
  for (const query of ['index=2', 'index=2&index=3&index=4', 'index=5']) {
    const reply = await node.put(`/api/handles/88.118/ADD?${query}`, [url(2, 'https://example.cn/2'), url(3, 'https://example.cn/3')]);
    t.is(reply.status, 400, query);
    t.is(reply.json?.responseCode, 4, query);
  }
  t.deepEqual((await valuesOf(node, '88.118/ADD')).map((v) => v.index), [1]);
});

test('handles put: index=i on a missing handle is 404/100', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/MISSING?index=1', [url(1, 'https://example.cn/1')]);
  t.is(reply.status, 404);
  t.is(reply.json.responseCode, 100);
  t.is((await node.get('/api/handles/88.118/MISSING')).status, 404);
});

test('handles put: index=i with an empty value list is 400/202', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/ADD');
  for (const query of ['index=1', 'index=various']) {
    const reply = await node.put(`/api/handles/88.118/ADD?${query}`, []);
    t.is(reply.status, 400, query);
    t.is(reply.json?.responseCode, 202, query);
  }
});

test('handles put: index=various takes the indexes from the body', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/VARIOUS', 'https://example.cn/1');
  const added = await node.put('/api/handles/88.118/VARIOUS?index=various', [url(7, 'https://example.cn/7'), url(9, 'https://example.cn/9')]);
  t.is(added.status, 201);
  const replaced = await node.put('/api/handles/88.118/VARIOUS?index=various', [url(1, 'https://example.cn/1b')]);
  t.is(replaced.status, 200);
  t.deepEqual((await valuesOf(node, '88.118/VARIOUS')).map((v) => [v.index, v.data.value]), [
    [1, 'https://example.cn/1b'],
    [7, 'https://example.cn/7'],
    [9, 'https://example.cn/9'],
  ]);
});

test('handles put: the same index twice in one body is 409/201', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/DUP', [url(1, 'https://example.cn/1'), url(1, 'https://example.cn/2')]);
  t.is(reply.status, 409);
  t.is(reply.json.responseCode, 201);
  t.is((await node.get('/api/handles/88.118/DUP')).status, 404);
});

test('handles put: index 0 or a negative index is 400/202', async (t) => {
  const node = await startNode(t);
  for (const index of [0, -1]) {
    const reply = await node.put('/api/handles/88.118/ZERO', [url(index, 'https://example.cn/0')]);
    t.is(reply.status, 400, String(index));
    t.is(reply.json?.responseCode, 202, String(index));
  }
  t.is((await node.get('/api/handles/88.118/ZERO')).status, 404);
});

test('handles put: mintNewSuffix=true under a prefix path ending in / creates <prefix>/<uuid v4>', async (t) => {
  const node = await startNode(t);
  const minted = new Set<string>();
  for (let i = 0; i < 2; i += 1) {
    const reply = await node.put('/api/handles/88.118/?mintNewSuffix=true', [url(1, 'https://example.cn/minted')]);
    t.is(reply.status, 201, reply.text);
    t.is(reply.json.responseCode, 1);
    t.regex(reply.json.handle, /^88\.118\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    minted.add(reply.json.handle);
    const resolved = await node.get(`/api/handles/${reply.json.handle}`);
    t.is(resolved.status, 200);
    t.is(resolved.json.values[0].data.value, 'https://example.cn/minted');
  }
  t.is(minted.size, 2);
});

test('handles put: mintNewSuffix=true after a shoulder appends the uuid to the shoulder', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118/dev-?mintNewSuffix=true', [url(1, 'https://example.cn/minted')]);
  t.is(reply.status, 201, reply.text);
  t.regex(reply.json.handle, /^88\.118\/dev-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is((await node.get(`/api/handles/${reply.json.handle}`)).status, 200);
  t.is((await node.get('/api/handles/88.118/dev-')).status, 404);
});

test('handles put: timestamps are set by the server from its clock', async (t) => {
  const node = await startNode(t);
  const first = await node.put('/api/handles/88.118/TIME', [{ ...url(1, 'https://example.cn/1'), timestamp: '1999-12-31T23:59:59Z' }]);
  t.is(first.status, 201);
  node.clock.advance(90_000);
  const second = await node.put('/api/handles/88.118/TIME?index=2', [{ ...url(2, 'https://example.cn/2'), timestamp: '2030-01-01T00:00:00Z' }]);
  t.is(second.status, 201);
  const values = (await node.get('/api/handles/88.118/TIME')).json.values as { index: number; timestamp: string }[];
  t.deepEqual(
    values.map((v) => [v.index, v.timestamp]),
    [
      [1, '2026-01-15T08:00:00Z'],
      [2, '2026-01-15T08:01:30Z'],
    ],
  );
});

test('handles put: a handle under a prefix not homed here is 400/301', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/99.1/x', [url(1, 'https://example.cn/x')]);
  t.deepEqual([reply.status, reply.json], [400, { responseCode: 301, handle: '99.1/x', message: "That prefix doesn't live here" }]);
  t.is((await node.get('/api/handles/99.1/x')).status, 400, 'nothing was written; a resolution says the same');
});

test('handles put: an invalid value is 400/202 and creates nothing', async (t) => {
  const node = await startNode(t);
  const bad = [
    { index: 1, type: 'URL', data: { format: 'base64', value: '***' } },
    { index: 1, type: 'URL', data: 'x', ttl: -5 },
    { index: 1, type: 'URL', data: 'x', permissions: '11' },
    { index: 1, type: 'HS_ADMIN', data: { format: 'admin', value: 'not-an-admin-record' } },
  ];
  for (const value of bad) {
    const reply = await node.put('/api/handles/88.118/BADVALUE', [value]);
    t.is(reply.status, 400, JSON.stringify(value));
    t.is(reply.json?.responseCode, 202, JSON.stringify(value));
  }
  t.is((await node.get('/api/handles/88.118/BADVALUE')).status, 404);
});

test('handles put: mintNewSuffix needs a base with "/" (no random top-level prefix), 400/102', async (t) => {
  const node = await startNode(t);
  const reply = await node.put('/api/handles/88.118?mintNewSuffix=true', [url(1, 'https://example.cn/m')]);
  t.is(reply.status, 400);
  t.is(reply.json.responseCode, 102);
  t.is(node.node.store.countPrefixes(), 1);
});

test('handles put: mintNewSuffix with index is 400/4, and it never mints prefix records; nothing is written', async (t) => {
  const node = await startNode(t);
  const withIndex = await node.put('/api/handles/88.118/?mintNewSuffix=true&index=1', [url(1, 'https://example.cn/m')]);
  t.is(withIndex.status, 400);
  t.deepEqual([withIndex.json.responseCode, withIndex.json.message], [4, 'index is not valid with mintNewSuffix']);
  for (const base of ['0.NA/', '0.na/88.118.', '0.NA/88.118.8-']) {
    const reply = await node.put(`/api/handles/${base}?mintNewSuffix=true`, [url(1, 'https://example.cn/m')]);
    t.is(reply.status, 400, base);
    t.is(reply.json.responseCode, 102, base);
  }
  t.is(node.node.store.countPrefixes(), 1);
  t.is((await node.get('/api/handles?prefix=88.118', { auth: ADMIN })).json.totalCount, '0');
});

test('handles put: a wrongly typed value field is responseCode 202 whichever check catches it', async (t) => {
  const node = await startNode(t);
  for (const bad of [{ index: 1, type: 'URL', data: 'x', ttl: 1.5 }, { index: '1.5', type: 'URL', data: 'x' }, { index: 1, type: 'URL', data: 'x', permissions: 110 }, { index: 1, type: 'URL', data: 'x', ttl: -5 }, { index: 1, type: 'URL', data: 'x', ttl: '86400' }]) {
    const reply = await node.put('/api/handles/88.118/TYPED', [bad]);
    t.is(reply.status, 400, JSON.stringify(bad));
    t.is(reply.json.responseCode, 202, JSON.stringify(bad));
  }
});

test('handles put: more than 8 HS_SECKEY values in a record is 400/202 and nothing is written', async (t) => {
  const node = await startNode(t);
  const keys = Array.from({ length: 9 }, (_, i) => ({ index: 300 + i, type: 'HS_SECKEY', data: `a-secret-of-twenty-${i}` }));
  const reply = await node.put('/api/handles/88.118/KEYS', keys);
  t.is(reply.status, 400);
  t.is(reply.json.responseCode, 202);
  t.is(node.node.store.getRecord('88.118/KEYS'), undefined);
});

test('handles put: a caller without rights is refused before its secrets are hashed, and nothing is written', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/0.NA/88.118.80', [{ index: 300, type: 'HS_SECKEY', data: 'enterprise-secret-80-0001' }])).status, 201);
  const outsider = { identity: '300:0.NA/88.118.80', secret: 'enterprise-secret-80-0001' };
  const keys = Array.from({ length: 8 }, (_, i) => ({ index: 300 + i, type: 'HS_SECKEY', data: `a-secret-of-twenty-${i}` }));
  const reply = await node.put('/api/handles/88.118/VICTIM', keys, { auth: outsider });
  t.is(reply.status, 403);
  t.is(reply.json.responseCode, 401);
  t.is(node.node.store.getRecord('88.118/VICTIM'), undefined);
});

test('handles put: a body of the wrong shape is 400/4 with a message naming the problem, and nothing is written', async (t) => {
  const node = await startNode(t);
  const cases: ReadonlyArray<[unknown, string]> = [
    [null, 'body must be an array of values, {"values": [...]}, or one value with index, type and data'],
    ['text', 'body must be an array of values, {"values": [...]}, or one value with index, type and data'],
    [{}, 'body must be an array of values, {"values": [...]}, or one value with index, type and data'],
    [{ index: 1, type: 'URL' }, 'body must be an array of values, {"values": [...]}, or one value with index, type and data'],
    [{ values: 'x' }, 'body.values must be an array of values'],
    // Handle.net reads null as no values — which with overwrite would empty the record (docs/handle-compatibility.md).
    [{ values: null }, 'body.values must be an array of values'],
    [{ values: [url(1, 'https://example.cn/v')], handle: true }, 'body.handle must be a string'],
    // A JSON integer is its digits (Gson getAsString), which then name another handle.
    [{ values: [url(1, 'https://example.cn/v')], handle: 5 }, 'body handle "5" does not match the path'],
    [[5], 'body/0 must be object'],
  ];
  for (const [body, message] of cases) {
    const reply = await node.put('/api/handles/88.118/SHAPE', JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    t.is(reply.status, 400, JSON.stringify(body));
    t.deepEqual([reply.json?.responseCode, reply.json?.message], [4, message], JSON.stringify(body));
  }
  t.is((await node.get('/api/handles/88.118/SHAPE')).status, 404);
});
