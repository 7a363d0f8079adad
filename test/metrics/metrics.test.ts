// The node's instruments: every series of a closed label set visible from the start, unknown routes in one bucket.

import test from 'ava';
import { Metrics } from '../../src/metrics/metrics.js';

function metrics(): Metrics {
  return new Metrics({ routes: ['handles.get', 'unknown'], cache: () => ({ entries: 3, bytes: 300, evictions: 1 }), storeSizeBytes: () => 4096, sessions: () => ({ open: 2, authenticated: 1 }), ops: { storeFiles: () => ({ walBytes: 0, capBytes: 0, diskAvailableBytes: 0, diskSizeBytes: 0 }) } });
}

async function sample(m: Metrics, name: string): Promise<number | undefined> {
  const line = (await m.exposition()).body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test('metrics: every route and status class is exposed at 0 before the first request', async (t) => {
  const m = metrics();
  t.is(await sample(m, 'idnode_http_requests_total{route="handles.get",status_class="5xx",protocol="http"}'), 0);
  t.is(await sample(m, 'idnode_resolutions_total{outcome="negative_hit"}'), 0);
});

test('metrics: a request is counted under its route and status class; a route outside the set counts as unknown', async (t) => {
  const m = metrics();
  m.request('handles.get', 404, 0.002);
  m.request('no.such.route', 200, 0.001);
  t.is(await sample(m, 'idnode_http_requests_total{route="handles.get",status_class="4xx",protocol="http"}'), 1);
  t.is(await sample(m, 'idnode_http_requests_total{route="unknown",status_class="2xx",protocol="http"}'), 1);
  t.is(await sample(m, 'idnode_http_request_duration_seconds_count{route="handles.get",protocol="http"}'), 1);
  t.is(await sample(m, 'idnode_http_request_duration_seconds_bucket{le="0.001",route="handles.get",protocol="http"}'), 0);
  t.is(await sample(m, 'idnode_http_request_duration_seconds_bucket{le="0.0025",route="handles.get",protocol="http"}'), 1);
});

test('metrics: gauges read their sources at scrape time', async (t) => {
  const m = metrics();
  t.is(await sample(m, 'idnode_cache_entries'), 3);
  t.is(await sample(m, 'idnode_store_size_bytes'), 4096);
  t.is(await sample(m, 'idnode_sessions{state="open"}'), 2);
});
