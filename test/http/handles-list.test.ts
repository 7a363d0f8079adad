// GET /api/handles?prefix=… over real HTTP (reference §3.5): totalCount as a string, paging, streaming, refusals.

import test, { type ExecutionContext } from 'ava';
import { ADMIN, startNode, type NodeUnderTest } from '../support/node-under-test.js';

const SUFFIXES = ['C', 'A', 'E', 'B', 'D'];

async function registerAll(t: ExecutionContext, node: NodeUnderTest, prefix: string, suffixes: readonly string[]): Promise<void> {
  for (const suffix of suffixes) await node.register(t, `${prefix}/${suffix}`);
}

test('handles list: all handles of a prefix in stable order, totalCount a JSON string, no page fields', async (t) => {
  const node = await startNode(t);
  await registerAll(t, node, '88.118', SUFFIXES);
  const reply = await node.get('/api/handles?prefix=88.118', { auth: ADMIN });
  t.is(reply.status, 200);
  t.deepEqual(reply.json, {
    responseCode: 1,
    prefix: '88.118',
    totalCount: '5',
    handles: ['88.118/A', '88.118/B', '88.118/C', '88.118/D', '88.118/E'],
  });
  t.true(reply.text.includes('"totalCount":"5"'));
});

test('handles list: page and pageSize select a stable window counted from 0', async (t) => {
  const node = await startNode(t);
  await registerAll(t, node, '88.118', SUFFIXES);
  const pages: string[][] = [];
  for (const page of [0, 1, 2]) {
    const reply = await node.get(`/api/handles?prefix=88.118&page=${page}&pageSize=2`, { auth: ADMIN });
    t.is(reply.status, 200);
    t.is(reply.json.totalCount, '5');
    t.is(reply.json.page, page);
    t.is(reply.json.pageSize, 2);
    pages.push(reply.json.handles);
  }
  t.deepEqual(pages, [['88.118/A', '88.118/B'], ['88.118/C', '88.118/D'], ['88.118/E']]);
  const again = await node.get('/api/handles?prefix=88.118&page=1&pageSize=2', { auth: ADMIN });
  t.deepEqual(again.json.handles, pages[1]);
  const beyond = await node.get('/api/handles?prefix=88.118&page=9&pageSize=2', { auth: ADMIN });
  t.deepEqual(beyond.json.handles, []);
  for (const page of ['999999999', '2147483647', '%2B1000000000']) {
    const far = await node.get(`/api/handles?prefix=88.118&page=${page}&pageSize=1000`, { auth: ADMIN });
    t.is(far.status, 200, page);
    t.deepEqual([far.json.totalCount, far.json.handles], ['5', []], page);
  }
});

test('handles list: pageSize=0 gives only the count', async (t) => {
  const node = await startNode(t);
  await registerAll(t, node, '88.118', SUFFIXES);
  const reply = await node.get('/api/handles?prefix=88.118&page=0&pageSize=0', { auth: ADMIN });
  t.is(reply.status, 200);
  t.deepEqual(reply.json, { responseCode: 1, prefix: '88.118', totalCount: '5', page: 0, pageSize: 0, handles: [] });
});

// Issue 17 item 9: the bounds hold in every form. Handle.net would list everything for each of these.
test('handles list: pageSize alone is page 0 and bounded; page alone and negative values are 400/4', async (t) => {
  const node = await startNode(t, { IDNODE_LIST_MAX_PAGE_SIZE: '3' });
  await registerAll(t, node, '88.118', SUFFIXES);
  const alone = await node.get('/api/handles?prefix=88.118&pageSize=2', { auth: ADMIN });
  t.is(alone.status, 200);
  t.deepEqual([alone.json.page, alone.json.pageSize, alone.json.handles.length, alone.json.totalCount], [0, 2, 2, '5']);
  for (const query of ['pageSize=1000000000', 'pageSize=4', 'page=-1&pageSize=2', 'page=1', 'page=0&pageSize=-1', 'pageSize=-1', 'page=-1', 'page=+0&pageSize=2', 'pageSize=%201']) {
    const reply = await node.get(`/api/handles?prefix=88.118&${query}`, { auth: ADMIN });
    t.is(reply.status, 400, query);
    t.is(reply.json.responseCode, 4, query);
  }
  // A + in a query is a space, as Java servlets read it too (page=+0 is " 0", which parseInt refuses); %2B is a plus.
  const spaced = await node.get('/api/handles?prefix=88.118&page=+0&pageSize=2', { auth: ADMIN });
  t.regex(spaced.json.message, /%2B/);
  const plus = await node.get('/api/handles?prefix=88.118&page=%2B1&pageSize=%2B2', { auth: ADMIN });
  t.deepEqual([plus.status, plus.json.page, plus.json.pageSize, plus.json.handles.length], [200, 1, 2, 2]);
  const prefixes = await node.get('/api/prefixes?pageSize=1000000000', { auth: ADMIN });
  t.is(prefixes.status, 400, 'the prefix listing holds the same bounds');
});

test('handles list: without paging a large listing is streamed whole', async (t) => {
  const node = await startNode(t);
  const count = 1205;
  const suffixes = Array.from({ length: count }, (_, i) => `S${String(i).padStart(5, '0')}`);
  for (let i = 0; i < suffixes.length; i += 100) {
    const batch = suffixes.slice(i, i + 100).map((suffix) => node.put(`/api/handles/88.118/${suffix}`, [{ index: 1, type: 'URL', data: 'https://example.cn/' }]));
    for (const reply of await Promise.all(batch)) t.is(reply.status, 201);
  }
  const reply = await node.get('/api/handles?prefix=88.118', { auth: ADMIN });
  t.is(reply.status, 200);
  t.is(reply.headers['transfer-encoding'], 'chunked');
  t.is(reply.json.totalCount, String(count));
  t.deepEqual(reply.json.handles, suffixes.map((suffix) => `88.118/${suffix}`));
});

test('handles list: a prefix given as 0.NA/<prefix> is echoed as sent', async (t) => {
  const node = await startNode(t);
  await registerAll(t, node, '88.118', ['A', 'B']);
  for (const prefix of ['0.NA/88.118', '0.na/88.118']) {
    const reply = await node.get(`/api/handles?prefix=${prefix}&page=0&pageSize=10`, { auth: ADMIN });
    t.is(reply.status, 200, prefix);
    t.is(reply.json.prefix, prefix);
    t.deepEqual(reply.json.handles, ['88.118/A', '88.118/B']);
  }
});

test('handles list: only handles of that prefix, not of derived or look-alike prefixes', async (t) => {
  const node = await startNode(t);
  for (const prefix of ['88.1180', '88.118.8']) t.is((await node.request('POST', `/api/prefixes/${prefix}`)).status, 200);
  await registerAll(t, node, '88.118', ['A']);
  await registerAll(t, node, '88.1180', ['B']);
  await registerAll(t, node, '88.118.8', ['C']);
  const reply = await node.get('/api/handles?prefix=88.118', { auth: ADMIN });
  t.deepEqual(reply.json.handles, ['88.118/A']);
  t.is(reply.json.totalCount, '1');
});

test('handles list: anonymous callers get 401/402', async (t) => {
  const node = await startNode(t);
  await registerAll(t, node, '88.118', ['A']);
  const reply = await node.get('/api/handles?prefix=88.118');
  t.is(reply.status, 401);
  t.is(reply.json?.responseCode, 402);
  t.false(reply.text.includes('88.118/A'));
});

test('handles list: a prefix not homed here is 400/301', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/api/handles?prefix=99.9', { auth: ADMIN });
  t.is(reply.status, 400);
  t.is(reply.json?.responseCode, 301);
});

test('handles list: a non-integer page or pageSize is 400/4', async (t) => {
  const node = await startNode(t);
  for (const query of ['page=x&pageSize=2', 'page=0&pageSize=1.5', 'page=&pageSize=2', 'page=2147483648&pageSize=2']) {
    const reply = await node.get(`/api/handles?prefix=88.118&${query}`, { auth: ADMIN });
    t.is(reply.status, 400, query);
    t.is(reply.json?.responseCode, 4, query);
  }
});

test('handles list: IDNODE_LIST_HANDLES=false answers 501/5', async (t) => {
  const node = await startNode(t, { IDNODE_LIST_HANDLES: 'false' });
  const reply = await node.get('/api/handles?prefix=88.118', { auth: ADMIN });
  t.is(reply.status, 501);
  t.is(reply.json?.responseCode, 5);
});

test('handles list: POST /api/handles is the GET with its JSON body fields as parameters, as on Handle.net', async (t) => {
  const node = await startNode(t);
  await registerAll(t, node, '88.118', SUFFIXES);
  const reply = await node.request('POST', '/api/handles', { auth: ADMIN, body: { prefix: '88.118', page: 0, pageSize: 2 } });
  t.is(reply.status, 200, reply.text);
  t.deepEqual([reply.json.prefix, reply.json.page, reply.json.pageSize, reply.json.handles.length], ['88.118', 0, 2, 2]);
  const none = await node.request('POST', '/api/handles', { auth: ADMIN, body: {} });
  t.deepEqual([none.status, none.json.responseCode], [400, 102]);
});
