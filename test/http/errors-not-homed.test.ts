// Issue 19's answers that are not about verbs (those are in errors.test.ts): a prefix not homed here, and a listing
// without a prefix. A file of their own, beside errors.test.ts, so that file's timed tests keep their share of the CPU.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

// Issue 19: a prefix this node neither homes nor refers is answered as Handle.net answers it, not as "not found".
test('errors: a handle under a prefix not homed here is 400/301 "That prefix doesn\'t live here", the same bytes on the fast path and the Koa route', async (t) => {
  const node = await startNode(t);
  const expected = { responseCode: 301, handle: '99.999.999/x', message: "That prefix doesn't live here" };
  const fast = await node.get('/api/handles/99.999.999/x');
  const koa = await node.get('/api/handles/99.999.999/x?auth');
  const post = await node.request('POST', '/api/handles/99.999.999/x', { auth: null });
  for (const [name, reply] of [['fast path', fast], ['Koa route', koa], ['POST', post]] as const) {
    t.deepEqual([reply.status, reply.json], [400, expected], name);
    t.is(reply.text, fast.text, `${name}: the same bytes`);
    t.is(reply.headers['content-type'], 'application/json; charset=utf-8', name);
  }
  t.is(koa.headers['cache-control'], fast.headers['cache-control']);
  const authenticated = await node.get('/api/handles/99.999.999/x', { auth: ADMIN });
  t.deepEqual([authenticated.status, authenticated.json], [400, expected], 'with credentials too');
  // A slash-less name is the prefix record 0.NA/<name>: a prefix record lives where the prefix or an ancestor is homed.
  t.deepEqual((await node.get('/api/handles/99')).json, { responseCode: 301, handle: '99', message: "That prefix doesn't live here" });
  t.is((await node.get('/api/handles/0.NA/88')).status, 400, "the node prefix's parent does not live here");
  t.deepEqual((await node.get('/api/handles/0.NA/88.118.3')).json, { responseCode: 100, handle: '0.NA/88.118.3' }, 'under the node prefix: not found');
  t.deepEqual((await node.get('/api/handles/88.118/NOPE')).json, { responseCode: 100, handle: '88.118/NOPE' });
});

test('errors: a not-homed answer is cached as its own kind, never as not found, and a homing change shows at once', async (t) => {
  const node = await startNode(t);
  const negative = 'idnode_resolutions_total{outcome="negative_hit"}';
  t.is((await node.get('/api/handles/99.5/x')).status, 400);
  t.is(node.node.cache.get('99.5/X')?.kind, 'not-homed');
  t.is((await node.get('/api/handles/99.5/x')).status, 400);
  t.is(await node.metric(negative), 1, 'the second answer came from the cache');
  t.is((await node.request('POST', '/api/prefixes/99.5')).status, 200);
  t.deepEqual((await node.get('/api/handles/99.5/x')).json, { responseCode: 100, handle: '99.5/x' }, 'homed: now simply not found');
  await node.register(t, '99.5/x');
  t.is((await node.get('/api/handles/99.5/x')).status, 200);
  t.is((await node.get('/api/handles/99.5/y')).status, 404);
  t.is((await node.request('DELETE', '/api/prefixes/99.5')).status, 200);
  t.is((await node.get('/api/handles/99.5/y')).status, 400, 'unhomed: the not-found entry does not outlive the change');
  t.is((await node.get('/api/handles/99.5/x')).status, 200, 'handles stored before unhoming still resolve (README)');
});

test('errors: GET /api/handles without prefix is 400/102 Empty handle invalid', async (t) => {
  const node = await startNode(t);
  for (const path of ['/api/handles', '/api/handles?page=0&pageSize=1', '/api/handles/']) {
    const reply = await node.get(path, { auth: ADMIN });
    t.deepEqual([reply.status, reply.json], [400, { responseCode: 102, message: 'Empty handle invalid' }], path);
  }
});
