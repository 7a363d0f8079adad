// The proxy's paths beside the other surfaces: it matches handles only and shadows nothing; its own edges (Koa, 405, 429).

import test from 'ava';
import { dialectOf, PROXY_PATH, routeOf } from '../../../src/http/routes.js';
import { startNode, TestClock } from '../../support/node-under-test.js';

const OTHER_SURFACES = [
  '/api/handles/88.118/X',
  '/api/handles',
  '/api/prefixes',
  '/api/sessions',
  '/api/site',
  '/api/nothing',
  '/metrics',
  '/healthz',
  '/readyz',
  '/identity/token',
  '/identity/token/v1',
  '/identityv2/data/detail',
  '/identityv2/data/batchCreate',
  '/snms/api/v5/template',
  '/snms/api/v3/ent/page',
  '/snms/ui',
  '/snms/ui/assets/console.css',
  '/favicon.ico',
  '/',
];

test('proxy routes: PROXY_PATH matches the handle forms only, never another surface', (t) => {
  for (const path of OTHER_SURFACES) {
    t.false(PROXY_PATH.test(path), path);
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) t.not(routeOf(method, path)?.name, 'proxy', `${method} ${path}`);
  }
  for (const path of ['/88.118/X', '/0.NA/88.118', '/20.500.12345/a/b', '/hdl/cnri.test/1', '/hdl:88.118/X', '/info:hdl/88.118/X', '/urn:hdl:88.118:X']) {
    t.true(PROXY_PATH.test(path), path);
    t.is(routeOf('GET', path)?.name, 'proxy', path);
    t.is(dialectOf(path), 'html', path);
  }
  // A first segment without `/` after it is not a handle (nor is a path beginning with a letter).
  for (const path of ['/88.118', '/handles/88.118/X', '/hdlx/88.118/X']) t.false(PROXY_PATH.test(path), path);
});

test('proxy routes: the other surfaces answer as before over HTTP — JSON, never the proxy\'s pages', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/X', [{ index: 1, type: 'URL', data: 'https://example.cn/x' }])).status, 201);
  const resolved = await node.get('/api/handles/88.118/X');
  t.is(resolved.status, 200);
  t.is(resolved.json.values[0].data.value, 'https://example.cn/x');
  t.is((await node.get('/healthz')).status, 200);
  t.is((await node.get('/readyz')).status, 200);
  t.is((await node.get('/metrics')).status, 200);
  const missing = await node.get('/api/nothing');
  t.is(missing.status, 404);
  t.is(typeof missing.json.responseCode, 'number');
  // The SNMS surfaces answer in their envelope (HTTP 200, snms-v5-api.md §2), the console with its own pages.
  for (const path of ['/identity/token', '/identityv2/data/detail?handle=88.118/X', '/snms/api/v5/template?prefix=88.118&version=1']) {
    const reply = await node.get(path);
    t.regex(String(reply.headers['content-type']), /^application\/json/, path);
    t.is(typeof reply.json.status, 'number', path);
    t.is(reply.headers.location, undefined, path);
  }
  const console = await node.get('/snms/ui/login');
  t.regex(console.text, /\/snms\/ui\/assets\/console\.css/);
  t.notRegex(console.text, /class="qr"|<dl class="values"/);
  t.is((await node.request('POST', '/identity/token', { auth: null, body: { username: 'a', password: 'b' } })).headers.location, undefined);
});

test('proxy routes: a GET declaring a body goes through Koa and gets the same answer as the fast path', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/KOA', [{ index: 1, type: 'URL', data: 'https://example.cn/koa' }])).status, 201);
  const fast = await node.get('/88.118/KOA');
  const koa = await node.request('GET', '/88.118/KOA', { auth: null, body: 'ignored' });
  t.is(koa.status, fast.status);
  t.is(koa.headers.location, fast.headers.location);
  t.is(koa.headers.expires, fast.headers.expires);
  t.is(koa.text, fast.text);
  const missingFast = await node.get('/88.118/NONE?noredirect');
  const missingKoa = await node.request('GET', '/88.118/NONE?noredirect', { auth: null, body: 'ignored' });
  t.is(missingKoa.status, 404);
  t.is(missingKoa.text, missingFast.text);
  t.is(missingKoa.headers['content-security-policy'], missingFast.headers['content-security-policy']);
});

test('proxy routes: other methods on a proxy path are 405 pages; a refused request is a 429 page', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '2' }, new TestClock());
  const post = await node.request('POST', '/88.118/X', { auth: null, body: {} });
  t.is(post.status, 405);
  t.regex(String(post.headers['content-type']), /^text\/html/);
  t.regex(post.text, /content="METHOD_NOT_ALLOWED"/);
  let refused;
  for (let i = 0; i < 5 && refused === undefined; i += 1) {
    const reply = await node.get('/88.118/X');
    if (reply.status === 429) refused = reply;
  }
  t.truthy(refused);
  t.regex(String(refused?.headers['content-type']), /^text\/html/);
  t.regex(String(refused?.text), /content="RATE_LIMITED"/);
  t.truthy(refused?.headers['retry-after']);
});
