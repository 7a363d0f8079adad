// Operator endpoints over real HTTP: liveness, readiness and the Prometheus exposition (closed label sets only).

import test from 'ava';
import { ADMIN, startNode, type NodeUnderTest } from '../support/node-under-test.js';

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** A counter sample; a labelled child never incremented is not exposed by prom-client, which means 0. */
function count(text: string, line: string): number {
  return sample(text, line) ?? 0;
}

async function scrape(node: NodeUnderTest): Promise<string> {
  const reply = await node.get('/metrics');
  return reply.text;
}

test('ops: /healthz and /readyz answer 200', async (t) => {
  const node = await startNode(t);
  const health = await node.get('/healthz');
  t.is(health.status, 200);
  t.deepEqual(health.json, { status: 'ok' });
  const ready = await node.get('/readyz');
  t.is(ready.status, 200);
  t.deepEqual(ready.json, { status: 'ready' });
});

test('ops: /metrics is Prometheus text and counts requests by route and status class', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/M');
  await node.get('/api/handles/88.118/M');
  await node.get('/api/handles/88.118/M');
  await node.get('/api/handles/88.118/NOPE');
  const reply = await node.get('/metrics');
  t.is(reply.status, 200);
  t.regex(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  t.regex(reply.text, /^# HELP idnode_http_requests_total /m);
  t.regex(reply.text, /^# TYPE idnode_http_requests_total counter$/m);
  t.is(sample(reply.text, 'idnode_http_requests_total{route="handles.get",status_class="2xx",protocol="http"}'), 2);
  t.is(count(reply.text, 'idnode_http_requests_total{route="handles.list",status_class="2xx",protocol="http"}'), 0);
  t.is(sample(reply.text, 'idnode_http_requests_total{route="handles.get",status_class="4xx",protocol="http"}'), 1);
  t.is(sample(reply.text, 'idnode_http_requests_total{route="handles.put",status_class="2xx",protocol="http"}'), 1);
  t.regex(reply.text, /^idnode_http_request_duration_seconds_bucket\{le="[^"]+",route="handles\.get",protocol="http"\} \d+$/m);
});

test('ops: a request refused while its credentials are checked counts under its route, not unknown', async (t) => {
  const node = await startNode(t);
  const wrong = { identity: '300:0.NA/88.118', secret: 'not-the-secret-at-all' };
  t.is((await node.put('/api/handles/88.118/WRONG', [{ index: 1, type: 'URL', data: 'https://example.cn' }], { auth: wrong })).status, 401);
  t.is((await node.delete('/api/handles/88.118/WRONG', { auth: wrong })).status, 401);
  t.is((await node.get('/api/handles?prefix=88.118', { auth: wrong })).status, 401);
  t.is((await node.request('POST', '/api/prefixes/99.1', { auth: wrong })).status, 401);
  t.is((await node.get('/api/handles/88.118/WRONG', { auth: null, headers: { authorization: 'Handle sessionId="bogus"' } })).status, 401);
  const text = await scrape(node);
  for (const route of ['handles.put', 'handles.delete', 'handles.list', 'prefixes.home', 'handles.get']) {
    t.is(sample(text, `idnode_http_requests_total{route="${route}",status_class="4xx",protocol="http"}`), 1, route);
  }
  t.is(count(text, 'idnode_http_requests_total{route="unknown",status_class="4xx",protocol="http"}'), 0);
});

test('ops: resolutions count cache_miss, then cache_hit for the same handle, and negative_hit after not_found', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/R');
  await node.get('/api/handles/88.118/R');
  let text = await scrape(node);
  t.is(count(text, 'idnode_resolutions_total{outcome="cache_miss"}'), 1);
  t.is(count(text, 'idnode_resolutions_total{outcome="cache_hit"}'), 0);
  await node.get('/api/handles/88.118/r');
  text = await scrape(node);
  t.is(count(text, 'idnode_resolutions_total{outcome="cache_miss"}'), 1);
  t.is(count(text, 'idnode_resolutions_total{outcome="cache_hit"}'), 1);

  await node.get('/api/handles/88.118/MISSING');
  text = await scrape(node);
  t.is(count(text, 'idnode_resolutions_total{outcome="not_found"}'), 1);
  t.is(count(text, 'idnode_resolutions_total{outcome="negative_hit"}'), 0);
  await node.get('/api/handles/88.118/MISSING');
  text = await scrape(node);
  t.is(count(text, 'idnode_resolutions_total{outcome="not_found"}'), 1);
  t.is(count(text, 'idnode_resolutions_total{outcome="negative_hit"}'), 1);
});

test('ops: registrations, deletions, cache entries and store size are exposed', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/A');
  await node.register(t, '88.118/B');
  t.is((await node.put('/api/handles/88.118/A', [{ index: 1, type: 'URL', data: 'https://example.cn/a2' }])).status, 200);
  t.is((await node.put('/api/handles/88.118/B?index=2', [{ index: 2, type: 'URL', data: 'https://example.cn/b2' }])).status, 201);
  t.is((await node.delete('/api/handles/88.118/B?index=2')).status, 200);
  t.is((await node.delete('/api/handles/88.118/A')).status, 200);
  await node.get('/api/handles/88.118/B');

  const text = await scrape(node);
  t.is(count(text, 'idnode_registrations_total{operation="create"}'), 2);
  t.is(count(text, 'idnode_registrations_total{operation="update"}'), 2);
  t.is(count(text, 'idnode_deletions_total{operation="values"}'), 1);
  t.is(count(text, 'idnode_deletions_total{operation="handle"}'), 1);
  t.is(sample(text, 'idnode_cache_entries'), 1);
  t.true((sample(text, 'idnode_store_size_bytes') ?? 0) > 0);
  t.not(sample(text, 'idnode_cache_bytes'), undefined);
  t.not(sample(text, 'idnode_cache_evictions_total'), undefined);
});

test('ops: process and Node.js runtime metrics are exposed', async (t) => {
  const node = await startNode(t);
  const text = await scrape(node);
  t.regex(text, /^process_cpu_user_seconds_total \d/m);
  t.regex(text, /^process_resident_memory_bytes \d/m);
  t.regex(text, /^nodejs_heap_size_used_bytes \d/m);
  t.regex(text, /^nodejs_eventloop_lag_seconds \d/m);
});

test('ops: no metric label carries a handle or prefix', async (t) => {
  const node = await startNode(t);
  t.is((await node.request('POST', '/api/prefixes/77.4242')).status, 200);
  t.is((await node.put('/api/handles/77.4242/LabelLeak-Zq9', [{ index: 1, type: 'URL', data: 'https://example.cn/leak' }])).status, 201);
  await node.get('/api/handles/77.4242/LabelLeak-Zq9');
  await node.get('/api/handles/77.4242/LabelLeak-Zq9?index=1');
  await node.get('/api/handles/77.4242/LabelLeak-Missing');
  await node.get('/api/handles/77.4242/LabelLeak-%ZZ');
  await node.put('/api/handles/77.4242/LabelLeak-Zq9?overwrite=false', [{ index: 1, type: 'URL', data: 'x' }]);
  await node.request('PATCH', '/api/handles/77.4242/LabelLeak-Zq9');
  await node.get('/api/handles?prefix=77.4242', { auth: ADMIN });
  await node.get('/api/LabelLeak-route');
  await node.delete('/api/handles/77.4242/LabelLeak-Zq9');

  const text = await scrape(node);
  for (const needle of ['labelleak', '77.4242', '88.118']) t.false(text.toLowerCase().includes(needle), needle);
  const labelValues = [...text.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => `${name}=${value}`);
  t.true(labelValues.length > 0);
  for (const label of labelValues) t.notRegex(label, /\//, label);
});

test('ops: with IDNODE_METRICS_TOKEN, /metrics needs the bearer token (401 without, 401 wrong, 200 right)', async (t) => {
  const node = await startNode(t, { IDNODE_METRICS_TOKEN: 'metrics-token-0123456789' });
  const none = await node.get('/metrics');
  t.is(none.status, 401);
  t.is(none.headers['www-authenticate'], 'Bearer');
  t.false(none.text.includes('idnode_'));
  t.is((await node.get('/metrics', { headers: { authorization: 'Bearer wrong-token-00000000000' } })).status, 401);
  t.is((await node.get('/metrics', { headers: { authorization: 'metrics-token-0123456789' } })).status, 401, 'no scheme');
  t.is((await node.get('/metrics', { headers: { authorization: 'Basic metrics-token-0123456789' } })).status, 401, 'another scheme');
  for (const scheme of ['bearer', 'BEARER']) {
    t.is((await node.get('/metrics', { headers: { authorization: `${scheme} metrics-token-0123456789` } })).status, 200, `${scheme}: the scheme is case-insensitive`);
  }
  const right = await node.get('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } });
  t.is(right.status, 200);
  t.true(right.text.includes('idnode_http_requests_total'));
  t.is((await node.get('/healthz')).status, 200, 'health stays open');
});

test('ops: with IDNODE_METRICS_ALLOW, /metrics answers only the listed addresses', async (t) => {
  const allowed = await startNode(t, { IDNODE_METRICS_ALLOW: '127.0.0.0/8' });
  t.is((await allowed.get('/metrics')).status, 200);
  const refused = await startNode(t, { IDNODE_METRICS_ALLOW: '10.0.0.0/8, 192.0.2.1' });
  const reply = await refused.get('/metrics');
  t.is(reply.status, 403);
  t.false(reply.text.includes('idnode_'));
});
