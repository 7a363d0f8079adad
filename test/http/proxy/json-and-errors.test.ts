// The proxy's JSON for clients that ask for it, and its error pages: unknown handle, unknown prefix, bad input.

import test from 'ava';
import { startNode, type NodeUnderTest } from '../../support/node-under-test.js';

async function record(t: Parameters<typeof startNode>[0], node: NodeUnderTest, handle: string, values: unknown[]): Promise<void> {
  const reply = await node.put(`/api/handles/${handle}`, values);
  t.is(reply.status, 201, reply.text);
}

const JSON_ACCEPT = { accept: 'application/json' };

test('proxy JSON: Accept: application/json gets exactly the JSON of /api/handles/{handle}, filters included', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/JSON-1', [
    { index: 1, type: 'URL', data: 'https://example.cn/j' },
    { index: 2, type: 'DESC', data: 'described' },
    { index: 3, type: 'NOTE', data: 'private', permissions: '1100' },
    { index: 4, type: 'HS_ALIAS', data: '88.118/ELSEWHERE' },
  ]);
  const cases: [string, string][] = [
    ['/88.118/JSON-1', '/api/handles/88.118/JSON-1'],
    ['/hdl/88.118/json-1', '/api/handles/88.118/json-1'],
    ['/88.118/JSON-1?type=DESC&index=1', '/api/handles/88.118/JSON-1?type=DESC&index=1'],
    ['/88.118/MISSING', '/api/handles/88.118/MISSING'],
    ['/88.999/NOT-HOMED', '/api/handles/88.999/NOT-HOMED'],
  ];
  for (const [proxyPath, apiPath] of cases) {
    const proxied = await node.get(proxyPath, { headers: JSON_ACCEPT });
    const api = await node.get(apiPath);
    t.is(proxied.status, api.status, proxyPath);
    t.is(proxied.text, api.text, proxyPath);
    t.regex(String(proxied.headers['content-type']), /^application\/json/, proxyPath);
    t.is(proxied.headers['cache-control'], api.headers['cache-control'], proxyPath);
    t.is(proxied.headers.vary, 'Accept', proxyPath);
  }
  t.false((await node.get('/88.118/JSON-1', { headers: JSON_ACCEPT })).text.includes('private'));
  // action=api asks for the JSON whatever Accept says (and, like the API, does not follow the alias).
  t.is((await node.get('/88.118/JSON-1?action=api')).json.responseCode, 1);
  // A browser's Accept, even naming JSON, gets the redirect.
  await record(t, node, '88.118/JSON-2', [{ index: 1, type: 'URL', data: 'https://example.cn/j2' }]);
  t.is((await node.get('/88.118/JSON-2', { headers: { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' } })).status, 302);
});

test('proxy JSON: bad input is answered in the Handle dialect for a JSON client', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/88.118/%E0%A4%A', { headers: JSON_ACCEPT });
  t.is(reply.status, 400);
  t.is(reply.json.responseCode, 102);
});

test('proxy errors: an unknown handle is a 404 page naming it; an unknown prefix a 404 page naming the prefix', async (t) => {
  const node = await startNode(t);
  const missing = await node.get('/88.118/NOPE-404', { headers: { 'accept-language': 'en' } });
  t.is(missing.status, 404);
  t.regex(String(missing.headers['content-type']), /^text\/html/);
  t.regex(missing.text, /<meta name="idnode-error" content="HANDLE_NOT_FOUND">/);
  t.true(missing.text.includes('No identifier 88.118/NOPE-404 is registered here'));
  const prefix = await node.get('/88.999.1/ANY', { headers: { 'accept-language': 'en' } });
  t.is(prefix.status, 404);
  t.regex(prefix.text, /content="PREFIX_NOT_HOMED"/);
  t.true(prefix.text.includes('The prefix 88.999.1 is not served by this node'));
  const chinese = await node.get('/88.999.1/ANY');
  t.true(chinese.text.includes('前缀 88.999.1 不在本节点解析'));
  // A prefix record of a prefix not served here names that prefix too.
  t.true((await node.get('/0.NA/77.1', { headers: { 'accept-language': 'en' } })).text.includes('The prefix 77.1 is not served'));
});

test('proxy errors: a not-found page is cached no longer than a not-found answer (IDNODE_CACHE_NEGATIVE_TTL_SECONDS)', async (t) => {
  const node = await startNode(t, { IDNODE_CACHE_NEGATIVE_TTL_SECONDS: '7' });
  t.is((await node.get('/88.118/NOPE')).headers['cache-control'], 'max-age=7');
});

test('proxy errors: bad input gets a 400 page from the catalog, escaped, and counts as an error', async (t) => {
  const node = await startNode(t);
  const cases: [string, string][] = [
    ['/88.118/%E0%A4%A', 'INVALID_HANDLE'],
    ['/88.118/', 'INVALID_HANDLE'],
    ['/88..118/X', 'INVALID_HANDLE'],
    [`/88.118/X?${Array.from({ length: 65 }, (_, i) => `p${i}=1`).join('&')}`, 'BAD_REQUEST'],
  ];
  for (const [path, code] of cases) {
    const reply = await node.get(path);
    t.is(reply.status, 400, path);
    t.regex(reply.text, new RegExp(`<meta name="idnode-error" content="${code}">`), path);
    t.false(/<script/i.test(reply.text), path);
  }
  t.is(await node.metric('idnode_errors_total{code="INVALID_HANDLE"}'), 3);
  // Any text without `/` or whitespace may be a prefix: this one is just not served here, and is shown escaped.
  const hostile = await node.get('/88.118%3Cscript%3E/X');
  t.is(hostile.status, 404);
  t.false(hostile.text.includes('<script>'));
  t.true(hostile.text.includes('88.118&lt;script&gt;'));
});
