// The operators' instruments over real HTTP: errors by catalog code from every writer of answers, and the store gauges.

import test from 'ava';
import { ERROR_CATALOG } from '../../src/errors.js';
import { postgresOnlyTest, sqliteOnlyTest } from '../support/engine-test.js';
import { startNode } from '../support/node-under-test.js';

test('ops metrics: every catalog code is exposed from the start, at 0', async (t) => {
  const node = await startNode(t);
  const text = await node.metricsText();
  for (const code of Object.keys(ERROR_CATALOG)) t.regex(text, new RegExp(`^idnode_errors_total\\{code="${code}"\\} 0$`, 'm'), code);
});

test('ops metrics: errors are counted by code whoever answers — routes, the HTTP parser, the rate-limit gate', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '20' });
  t.is((await node.get('/nothing-here')).status, 404);
  t.is((await node.put('/api/handles/88.118/X', '{not json', { headers: { 'content-type': 'application/json' } })).status, 400);
  t.is((await node.get('/api/handles/88.118/X', { auth: { identity: '300:0.NA/88.118', secret: 'wrong-secret-0000000' } })).status, 401);
  const raw = await node.rawExchange('GET /api/handles/88.118/\u00ff HTTP/1.1\r\nHost: x\r\n\r\n');
  t.regex(raw.text, /^HTTP\/1\.1 400 /);
  const unknownVerb = await node.rawExchange('BREW /api/handles/88.118/X HTTP/1.1\r\nHost: x\r\n\r\n');
  t.regex(unknownVerb.text, /^HTTP\/1\.1 501 /);
  let refused = 0;
  const replies = await Promise.all(Array.from({ length: 60 }, () => node.get('/api/handles/88.118/X')));
  for (const reply of replies) if (reply.status === 429) refused += 1;
  t.true(refused > 0, 'a burst beyond 20 per second is refused');
  t.is(await node.metric('idnode_errors_total{code="ROUTE_NOT_FOUND"}'), 1);
  t.is(await node.metric('idnode_errors_total{code="INVALID_JSON"}'), 1);
  t.is(await node.metric('idnode_errors_total{code="AUTHENTICATION_FAILED"}'), 1);
  t.is(await node.metric('idnode_errors_total{code="MALFORMED_REQUEST"}'), 1);
  t.is(await node.metric('idnode_errors_total{code="UNKNOWN_METHOD"}'), 1);
  t.is(await node.metric('idnode_errors_total{code="RATE_LIMITED"}'), refused);
  t.is(await node.metric('idnode_errors_total{code="INTERNAL"}'), 0);
});

// SQLite only: the WAL file, the cap (max_page_count) and the filesystem are those of the SQLite store; on PostgreSQL
// these gauges read 0 (below, and docs/scale-out.md).
sqliteOnlyTest('ops metrics: WAL bytes, the cap in force and the room on the store’s filesystem', async (t) => {
  const capped = await startNode(t, { IDNODE_STORE_MAX_BYTES: String(64 * 1024 * 1024) });
  await capped.register(t, '88.118/W');
  t.is(await capped.metric('idnode_store_max_bytes'), 64 * 1024 * 1024);
  const wal = await capped.metric('idnode_store_wal_bytes');
  t.true(wal > 0, 'a write leaves frames in the WAL');
  t.true((await capped.metric('idnode_store_size_bytes')) > wal, 'the store size includes the WAL and the database');
  const available = await capped.metric('idnode_store_disk_available_bytes');
  const size = await capped.metric('idnode_store_disk_size_bytes');
  t.true(available > 0 && available <= size);

  const uncapped = await startNode(t);
  t.is(await uncapped.metric('idnode_store_max_bytes'), 0);
});

postgresOnlyTest('ops metrics on PostgreSQL: the SQLite file gauges read 0 whatever IDNODE_STORE_MAX_BYTES says; the store size is the database\'s', async (t) => {
  const node = await startNode(t, { IDNODE_STORE_MAX_BYTES: String(64 * 1024 * 1024) });
  await node.register(t, '88.118/W');
  t.is(await node.metric('idnode_store_max_bytes'), 0);
  t.is(await node.metric('idnode_store_wal_bytes'), 0);
  t.is(await node.metric('idnode_store_disk_available_bytes'), 0);
  t.is(await node.metric('idnode_store_disk_size_bytes'), 0);
  t.true((await node.metric('idnode_store_size_bytes')) > 1024 * 1024, 'pg_database_size of the node\'s database');
});
