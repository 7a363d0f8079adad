// Recursive resolution across nodes (issue 14): asked for it (?recursive or Handle-Recursive), a node resolves a
// handle it does not serve through the hierarchy, caches each step for its TTL and marks the answer not authoritative.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { startNode, TestClock, type NodeUnderTest } from '../support/node-under-test.js';
import { startSecondary, startTopLevel } from '../support/hierarchy-nodes.js';

const URL_VALUE = (url: string, ttl = 86_400) => [{ index: 1, type: 'URL', data: url, ttl }];

test('recursion: a handle of another secondary node resolves through each node, marked as not authoritative', async (t) => {
  const top = await startTopLevel(t);
  const one = await startSecondary(t, top, '88.118');
  const two = await startSecondary(t, top, '88.119');
  t.is((await two.put('/api/handles/88.119/PUMP-1', URL_VALUE('https://example.cn/pump-1'))).status, 201);
  const direct = await two.get('/api/handles/88.119/PUMP-1');

  const viaQuery = await one.get('/api/handles/88.119/PUMP-1?recursive');
  t.is(viaQuery.status, 200, viaQuery.text);
  t.deepEqual(viaQuery.json.values, direct.json.values);
  t.like(viaQuery.json, { responseCode: 1, handle: '88.119/PUMP-1', authoritative: false, source: 'recursive' });
  t.is(viaQuery.json.stale, undefined);
  t.is(await one.metric('idnode_recursive_resolutions_total{outcome="found"}'), 1);
  // Two calls timed: the upstream (its referral) and the serving node (the answer).
  const resolveCalls = 'idnode_upstream_request_duration_seconds_count{call="resolve"}';
  t.is(await one.metric(resolveCalls), 2);

  // The header asks for it too (and the fast path steps aside); the second time it comes from the cache.
  const viaHeader = await one.get('/api/handles/88.119/pump-1', { headers: { 'Handle-Recursive': 'true' } });
  t.is(viaHeader.status, 200);
  t.deepEqual(viaHeader.json.values, direct.json.values);
  t.is(await one.metric('idnode_recursive_resolutions_total{outcome="cached"}'), 1);
  t.is(await one.metric(resolveCalls), 2, 'a cached answer calls no one');

  const viaTop = await top.get('/api/handles/88.119/PUMP-1?recursive');
  t.like(viaTop.json, { responseCode: 1, source: 'recursive' });
  t.deepEqual(viaTop.json.values, direct.json.values);

  // Without recursion: a referral to the upstream, which refers to the serving node.
  const referral = await one.get('/api/handles/88.119/PUMP-1');
  t.is(referral.status, 300);
  t.like(referral.json, { responseCode: 302, referralHandle: '0.NA/88' });
  t.is(referral.json.values[0].data.value.servers[0].interfaces.at(-1).port, top.port);

  const missing = await one.get('/api/handles/88.119/NOPE?recursive');
  t.is(missing.status, 404);
  t.like(missing.json, { responseCode: 100, authoritative: false, source: 'recursive' });
  const nowhere = await one.get('/api/handles/99.1/X?recursive');
  t.deepEqual([nowhere.status, nowhere.json.responseCode], [400, 301], 'no node serves 99.1');
  // Its own handles are answered as ever, recursion or not.
  t.is((await one.put('/api/handles/88.118/OWN', URL_VALUE('https://example.cn/own'))).status, 201);
  const own = await one.get('/api/handles/88.118/OWN?recursive');
  t.deepEqual([own.status, own.json.source], [200, undefined]);
});

test('recursion: a request that already followed the hop limit is refused with RECURSION_LIMIT (508/6)', async (t) => {
  const top = await startTopLevel(t);
  const one = await startSecondary(t, top, '88.118');
  for (const count of ['8', '9']) {
    const reply = await one.get('/api/handles/88.119/X?recursive', { headers: { 'Handle-Recursion-Count': count } });
    t.deepEqual([reply.status, reply.json.responseCode], [508, 6], count);
  }
  const bad = await one.get('/api/handles/88.119/X?recursive', { headers: { 'Handle-Recursion-Count': 'many' } });
  t.deepEqual([bad.status, bad.json.responseCode], [400, 4]);
  t.is(await one.metric('idnode_recursive_resolutions_total{outcome="loop"}'), 2);
});

/** A site value whose one HTTP interface is 127.0.0.1:`port`. */
function siteAt(port: number): unknown {
  return {
    version: 1,
    protocolVersion: '2.11',
    serialNumber: 1,
    primarySite: true,
    multiPrimary: false,
    servers: [{ serverId: 1, address: '127.0.0.1', interfaces: [{ query: true, admin: false, protocol: 'HTTP', port }] }],
  };
}

test('recursion: a referral loop between two nodes ends with RECURSION_LIMIT, not a hang', async (t) => {
  // A generous timeout: this is about the hop limit, whatever the machine's load.
  const a = await startNode(t, { IDNODE_RECURSION_MAX_HOPS: '4', IDNODE_UPSTREAM_TIMEOUT_MS: '20000' });
  const b = await startNode(t);
  const refer = async (from: NodeUnderTest, to: NodeUnderTest): Promise<void> => {
    const reply = await from.put('/api/handles/0.NA/77', [{ index: 1, type: 'HS_SITE.PREFIX', data: { format: 'site', value: siteAt(to.port) } }]);
    t.is(reply.status, 201, reply.text);
  };
  await refer(a, b);
  await refer(b, a);
  t.is((await a.get('/api/handles/0.NA/77.1')).json.responseCode, 303, 'each refers derived prefixes of 77 to the other');
  const started = performance.now();
  const reply = await a.get('/api/handles/0.NA/77.1?recursive');
  t.deepEqual([reply.status, reply.json.responseCode], [508, 6]);
  t.true(performance.now() - started < 20_000);
  t.is(await a.metric('idnode_recursive_resolutions_total{outcome="loop"}'), 1);
  // Each of the four hops asked the next node once.
  t.is(await b.metric('idnode_http_requests_total{route="handles.get",status_class="3xx",protocol="http"}') + (await a.metric('idnode_http_requests_total{route="handles.get",status_class="3xx",protocol="http"}')), 5);
});

test('recursion: an upstream that does not answer is UPSTREAM_TIMEOUT (504) within the timeout', async (t) => {
  const held: ServerResponse[] = [];
  const silent = createServer((_req: IncomingMessage, res: ServerResponse) => void held.push(res));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const node = await startSecondary(t, origin, '88.118', { IDNODE_UPSTREAM_TIMEOUT_MS: '300' });
  t.is(await node.metric('idnode_hierarchy_joined'), 0, 'it could not join a silent upstream');
  const started = performance.now();
  const reply = await node.get('/api/handles/88.119/X?recursive');
  const elapsed = performance.now() - started;
  t.deepEqual([reply.status, reply.json.responseCode], [504, 2]);
  // Not before the timeout; well before the client's own patience (the bound is loose: the tests share two cores).
  t.true(elapsed >= 250 && elapsed < 15_000, `${elapsed} ms`);
  t.true((await node.metric('idnode_upstream_failures_total{reason="timeout"}')) >= 1);
});

test('recursion: a source that is down is served stale for a bounded time, said so; its circuit opens and closes again', async (t) => {
  const clock = new TestClock();
  const top = await startTopLevel(t);
  const one = await startSecondary(t, top, '88.118', { IDNODE_CIRCUIT_BREAKER_FAILURES: '2', IDNODE_SERVE_STALE_SECONDS: '600', IDNODE_CIRCUIT_BREAKER_OPEN_MS: '10000' }, { clock });
  const two = await startSecondary(t, top, '88.119');
  t.is((await two.put('/api/handles/88.119/PUMP-1', URL_VALUE('https://example.cn/pump-1', 60))).status, 201);
  const fresh = await one.get('/api/handles/88.119/PUMP-1?recursive');
  t.is(fresh.status, 200);
  t.is(fresh.headers['cache-control'], 'max-age=60');

  await two.stopListening();
  clock.advance(61_000);
  const stale = await one.get('/api/handles/88.119/PUMP-1?recursive');
  t.is(stale.status, 200, stale.text);
  t.like(stale.json, { authoritative: false, source: 'recursive', stale: true });
  t.deepEqual(stale.json.values, fresh.json.values);
  t.is(stale.headers['cache-control'], 'max-age=30', 'RFC 8767: a stale answer is kept 30 s downstream');
  t.is(await one.metric('idnode_stale_answers_total'), 1);
  t.is(await one.metric('idnode_upstream_circuits_open'), 1, 'two failures opened the circuit to the node that is down');

  // While the circuit is open the node is not tried at all.
  const before = await one.metric('idnode_upstream_failures_total{reason="circuit_open"}');
  t.is((await one.get('/api/handles/88.119/PUMP-1?recursive')).json.stale, true);
  t.true((await one.metric('idnode_upstream_failures_total{reason="circuit_open"}')) > before);

  // Past the stale window there is nothing left to serve: a clear error.
  clock.advance(600_000);
  const gone = await one.get('/api/handles/88.119/PUMP-1?recursive');
  t.deepEqual([gone.status, gone.json.responseCode], [502, 2]);

  // The node returns; once the circuit's open time has passed a trial call closes it again.
  await two.listenAgain();
  clock.advance(10_000);
  const back = await one.get('/api/handles/88.119/PUMP-1?recursive');
  t.is(back.status, 200, back.text);
  t.is(back.json.stale, undefined);
  t.is(await one.metric('idnode_upstream_circuits_open'), 0);
});

test('recursion: the resolver proxy always recurses — a QR code of another node redirects, its aliases cross nodes, its page shows the values', async (t) => {
  const top = await startTopLevel(t);
  const one = await startSecondary(t, top, '88.118');
  const two = await startSecondary(t, top, '88.119');
  t.is((await two.put('/api/handles/88.119/PUMP-1', URL_VALUE('https://example.cn/pump-1'))).status, 201);
  t.is((await two.put('/api/handles/88.119/NOTE', [{ index: 1, type: 'DESC', data: 'a pump <b>made</b> in Hefei' }])).status, 201);
  t.is((await one.put('/api/handles/88.118/OLD', [{ index: 1, type: 'HS_ALIAS', data: '88.119/PUMP-1', ttl: 600 }])).status, 201);

  // No query parameter, no header: the proxy asks the hierarchy, as a phone scanning the code would need.
  const scanned = await one.get('/88.119/PUMP-1');
  t.is(scanned.status, 302, scanned.text);
  t.is(scanned.headers.location, 'https://example.cn/pump-1');
  t.is(await one.metric('idnode_recursive_resolutions_total{outcome="found"}'), 1);
  t.is((await top.get('/88.119/PUMP-1')).headers.location, 'https://example.cn/pump-1', 'the top-level node recurses too');

  // An alias held here pointing to another node's handle: 301 to that handle's proxy address, which then redirects.
  const aliased = await one.get('/88.118/OLD');
  t.deepEqual([aliased.status, aliased.headers.location], [301, '/88.119/PUMP-1']);
  const page = await one.get('/88.119/NOTE');
  t.is(page.status, 200);
  t.regex(page.text, /a pump &lt;b&gt;made&lt;\/b&gt; in Hefei/);
  t.is((await one.get('/88.119/NOTE', { headers: { Accept: 'application/json' } })).json.source, 'recursive');

  const missing = await one.get('/88.119/NOPE');
  t.is(missing.status, 404);
  const nowhere = await one.get('/99.1/X');
  t.is(nowhere.status, 404);
  t.regex(nowhere.text, /99\.1/, 'the page names the prefix no node serves');
});

test('recursion: a node without an upstream answers the proxy from its own store — a foreign prefix is the 404 page at once', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/99.1/X');
  t.is(reply.status, 404);
  t.regex(reply.text, /99\.1/);
  t.is(await node.metric('idnode_recursive_resolutions_total{outcome="found"}'), 0);
});
