// Store failures reach callers as clear 5xx answers without internals, and reads keep working while writes cannot.

import Database from 'better-sqlite3';
import test from 'ava';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/http/server.js';
import { startNode } from '../support/node-under-test.js';
import { sqliteOnlyTest } from '../support/engine-test.js';

sqliteOnlyTest('failures: a write lock held past the busy timeout gives 503/3 with Retry-After; reads still answer; nothing is written', async (t) => {
  const node = await startNode(t, { IDNODE_STORE_BUSY_TIMEOUT_MS: '50' });
  await node.register(t, '88.118/READABLE');
  const other = new Database(node.config.dbPath);
  t.teardown(() => other.close());
  other.prepare('BEGIN IMMEDIATE').run();
  const refused = await node.put('/api/handles/88.118/LOCKED', [{ index: 1, type: 'URL', data: 'https://example.cn/l' }]);
  t.is(refused.status, 503);
  t.is(refused.headers['retry-after'], '1');
  t.deepEqual(refused.json, { responseCode: 3, handle: '88.118/LOCKED', message: 'store is busy, retry later' });
  t.is((await node.get('/api/handles/88.118/READABLE?index=1')).status, 200, 'an uncached read goes to the store');
  other.prepare('ROLLBACK').run();
  t.is((await node.get('/api/handles/88.118/LOCKED')).status, 404);
  t.is((await node.put('/api/handles/88.118/LOCKED', [{ index: 1, type: 'URL', data: 'https://example.cn/l' }])).status, 201, 'recovers');
});

sqliteOnlyTest('failures: an unexpected error is 500/2 with only the generic text', async (t) => {
  const node = await startNode(t);
  (node.node.store as unknown as { db: Database.Database }).db.close();
  const reply = await node.get('/api/handles/88.118/ANY');
  t.is(reply.status, 500);
  t.deepEqual(reply.json, { responseCode: 2, handle: '88.118/ANY', message: 'Internal Server Error' });
  t.false(/sqlite|database|stack|at /i.test(reply.text));
});

test('server: header, request and keep-alive timeouts come from configuration', (t) => {
  const config = loadConfig({ IDNODE_HEADERS_TIMEOUT_MS: '1234', IDNODE_REQUEST_TIMEOUT_MS: '5678', IDNODE_KEEP_ALIVE_TIMEOUT_MS: '910' });
  const server = createServer(() => undefined, config);
  t.is(server.headersTimeout, 1234);
  t.is(server.requestTimeout, 5678);
  t.is(server.keepAliveTimeout, 910);
});
