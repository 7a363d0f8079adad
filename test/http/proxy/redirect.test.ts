// The resolver proxy's redirects (reference §7.2): which URL value, the Location header, Expires from the TTLs, urlappend, path forms.

import test from 'ava';
import { startNode, type NodeUnderTest } from '../../support/node-under-test.js';

async function record(t: Parameters<typeof startNode>[0], node: NodeUnderTest, handle: string, values: unknown[]): Promise<void> {
  const reply = await node.put(`/api/handles/${handle}`, values);
  t.is(reply.status, 201, reply.text);
}

test('proxy: GET /{handle} redirects 302 to the first value of type exactly URL, with a short HTML body linking to it', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/PUMP-1', [
    { index: 1, type: 'URL.MANUAL', data: 'https://example.cn/manual' },
    { index: 2, type: 'EMAIL', data: 'service@example.cn' },
    { index: 3, type: 'URL', data: 'https://example.cn/p/1' },
    { index: 4, type: 'URL', data: 'https://example.cn/p/other' },
  ]);
  const reply = await node.get('/88.118/PUMP-1');
  t.is(reply.status, 302);
  t.is(reply.headers.location, 'https://example.cn/p/1');
  t.regex(String(reply.headers['content-type']), /^text\/html/);
  t.true(reply.text.includes('<a href="https://example.cn/p/1">https://example.cn/p/1</a>'));
  t.is(reply.headers.vary, 'Accept');
  t.is(reply.headers['x-content-type-options'], 'nosniff');
});

test('proxy: with no URL value, the first URL sub-type (or 0.TYPE/URL) is the target', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/SUB', [
    { index: 1, type: 'DESC', data: 'a pump' },
    { index: 2, type: 'URL.SPEC', data: 'https://example.cn/spec' },
    { index: 3, type: 'URL.MANUAL', data: 'https://example.cn/manual' },
  ]);
  await record(t, node, '88.118/ZERO', [{ index: 1, type: '0.TYPE/URL', data: 'https://example.cn/zero' }]);
  t.is((await node.get('/88.118/SUB')).headers.location, 'https://example.cn/spec');
  t.is((await node.get('/88.118/ZERO')).headers.location, 'https://example.cn/zero');
});

test('proxy: Expires and Cache-Control come from the TTL of the value used, a relative one from now, capped at two days', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/TTL-1', [
    { index: 1, type: 'URL', data: 'https://example.cn/a', ttl: 600 },
    { index: 2, type: 'DESC', data: 'expires sooner but is not used', ttl: 5 },
  ]);
  await record(t, node, '88.118/TTL-LONG', [{ index: 1, type: 'URL', data: 'https://example.cn/b', ttl: 10_000_000 }]);
  await record(t, node, '88.118/TTL-ABS', [{ index: 1, type: 'URL', data: 'https://example.cn/c', ttl: '2026-01-15T09:30:00Z' }]);
  const short = await node.get('/88.118/TTL-1');
  t.is(short.headers['cache-control'], 'max-age=600');
  t.is(short.headers.expires, new Date(node.clock.ms + 600_000).toUTCString());
  const long = await node.get('/88.118/TTL-LONG');
  t.is(long.headers['cache-control'], 'max-age=172800');
  t.is(long.headers.expires, new Date(node.clock.ms + 172_800_000).toUTCString());
  const absolute = await node.get('/88.118/TTL-ABS');
  t.is(absolute.headers.expires, 'Thu, 15 Jan 2026 09:30:00 GMT');
  t.is(absolute.headers['cache-control'], 'max-age=5400');
  // A relative TTL counts from the resolution, not from the write.
  node.clock.advance(100_000);
  t.is((await node.get('/88.118/TTL-1')).headers.expires, new Date(node.clock.ms + 600_000).toUTCString());
});

test('proxy: urlappend is added to the target, and so is a #fragment that reached the server', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/APP', [{ index: 1, type: 'URL', data: 'https://example.cn/doc' }]);
  t.is((await node.get('/88.118/APP?urlappend=%3Fpage%3D2')).headers.location, 'https://example.cn/doc?page=2');
  t.is((await node.get('/88.118/APP?urlappend=/part+2')).headers.location, 'https://example.cn/doc/part+2');
  t.is((await node.get('/88.118/APP#section-3')).headers.location, 'https://example.cn/doc#section-3');
  t.is((await node.get('/88.118/APP?x=1#top')).headers.location, 'https://example.cn/doc#top');
});

test('proxy: the Location header is ASCII: an IDN host in punycode, other characters percent-encoded as UTF-8', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/IRI', [{ index: 1, type: 'URL', data: 'https://例子.中国/产品 1?q=a b&r=%41' }]);
  const reply = await node.get('/88.118/IRI');
  t.is(reply.headers.location, 'https://xn--fsqu00a.xn--fiqs8s/%E4%BA%A7%E5%93%81%201?q=a%20b&r=%41');
  await record(t, node, '88.118/CRLF', [{ index: 1, type: 'URL', data: 'https://example.cn/a\tb"<c>' }]);
  t.is((await node.get('/88.118/CRLF')).headers.location, 'https://example.cn/a%09b%22%3Cc%3E');
});

test('proxy: the handle may be written /hdl/…, /hdl:…, /info:hdl/… or /urn:hdl:prefix:suffix, percent-encoded or not', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/FORM-1', [{ index: 1, type: 'URL', data: 'https://example.cn/form' }]);
  await record(t, node, '88.118/line%2F3', [{ index: 1, type: 'URL', data: 'https://example.cn/line' }]);
  for (const path of ['/88.118/FORM-1', '/88.118/form-1', '/hdl/88.118/FORM-1', '/hdl:88.118/FORM-1', '/info:hdl/88.118/FORM-1', '/urn:hdl:88.118:FORM-1', '/URN:HDL:88.118/FORM-1', '/88.118/FORM%2D1']) {
    const reply = await node.get(path);
    t.is(reply.status, 302, path);
    t.is(reply.headers.location, 'https://example.cn/form', path);
  }
  t.is((await node.get('/88.118/line/3')).headers.location, 'https://example.cn/line');
});

test('proxy: HEAD gets the redirect headers without a body', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/HEAD', [{ index: 1, type: 'URL', data: 'https://example.cn/head' }]);
  const reply = await node.request('HEAD', '/88.118/HEAD', { auth: null });
  t.is(reply.status, 302);
  t.is(reply.headers.location, 'https://example.cn/head');
  t.is(reply.text, '');
});

test('proxy: a URL value that would run code (javascript:, data:) or has no scheme is never a redirect target', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/UNSAFE', [
    { index: 1, type: 'URL', data: 'javascript:alert(1)' },
    { index: 2, type: 'URL', data: 'example.cn/no-scheme' },
    { index: 3, type: 'URL.ALT', data: 'https://example.cn/safe' },
  ]);
  await record(t, node, '88.118/ONLY-UNSAFE', [{ index: 1, type: 'URL', data: 'data:text/html,<script>alert(1)</script>' }]);
  t.is((await node.get('/88.118/UNSAFE')).headers.location, 'https://example.cn/safe');
  const page = await node.get('/88.118/ONLY-UNSAFE');
  t.is(page.status, 200);
  t.is(page.headers.location, undefined);
  t.false(page.text.includes('href="data:'));
});

test('proxy: the redirect resolves through the resolve cache and counts under the route label proxy', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/METRIC', [{ index: 1, type: 'URL', data: 'https://example.cn/m' }]);
  await node.get('/88.118/METRIC');
  const hitsBefore = await node.metric('idnode_resolutions_total{outcome="cache_hit"}');
  await node.get('/88.118/METRIC');
  t.is(await node.metric('idnode_resolutions_total{outcome="cache_hit"}'), hitsBefore + 1);
  t.true((await node.metricsText()).includes('route="proxy"'));
});
