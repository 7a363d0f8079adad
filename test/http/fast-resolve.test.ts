// The resolve fast path answers exactly as the Koa route does: same status, body and headers.

import test from 'ava';
import { startNode, type Reply } from '../support/node-under-test.js';

/** Headers that may legitimately differ between two answers. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);

function stable(reply: Reply): Record<string, unknown> {
  return Object.fromEntries(Object.entries(reply.headers).filter(([name]) => !VOLATILE.has(name)));
}

const CASES: readonly [string, string][] = [
  ['a found handle', '/api/handles/88.118/FAST-1'],
  ['a found handle in another spelling', '/api/handles/88.118/fast-1'],
  ['an unknown handle', '/api/handles/88.118/NOPE'],
  ['a handle whose values are all non-public', '/api/handles/88.118/PRIVATE-1'],
  ['a slash-less prefix', '/api/handles/88.118'],
  ['an invalid handle', '/api/handles/88.118/a%01b'],
];

for (const [name, path] of CASES) {
  test(`fast resolve: ${name} gets the same answer with and without the fast path`, async (t) => {
    const node = await startNode(t);
    await node.register(t, '88.118/FAST-1');
    const hidden = await node.put('/api/handles/88.118/PRIVATE-1', [{ index: 1, type: 'URL', data: 'https://example.cn/p', permissions: '1100' }]);
    t.is(hidden.status, 201);
    const before = await node.metric('idnode_http_requests_total{route="handles.get",status_class="2xx",protocol="http"}');
    const fast = await node.get(path);
    // A trailing `?` (empty query) takes the Koa route.
    const koa = await node.get(`${path}?`);
    t.is(fast.status, koa.status);
    t.is(fast.text, koa.text);
    t.deepEqual(stable(fast), stable(koa));
    if (fast.status === 200) t.is(await node.metric('idnode_http_requests_total{route="handles.get",status_class="2xx",protocol="http"}'), before + 2);
  });
}
