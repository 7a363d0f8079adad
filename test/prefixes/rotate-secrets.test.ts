// `idnode secret --rotate-all` (issue 17 item 4): after a leak, every HS_SECKEY gets a new secret and salt, the node a
// new key pair, in one transaction, only with the node stopped; the leaked secrets stop working.

import { join } from 'node:path';
import test from 'ava';
import { hashSecret } from '../../src/auth/secret-hash.js';
import { generateNodeKeyPem } from '../../src/auth/node-key.js';
import { provisionPrefixSecret } from '../../src/prefixes/provision.js';
import { openTestStore } from '../support/test-store.js';
import { startNode } from '../support/node-under-test.js';
import { runCli, serveEnv } from '../support/serve-process.js';
import { handle, RULE, tempDir } from '../store/temp-store.js';

const OPTIONS = { rule: RULE, secretHashIterations: 1000, nowMs: () => Date.UTC(2026, 0, 15) };
const ENTERPRISE = 'enterprise-secret-0001';
const USER = 'user-secret-000000001';

function nodeKeyPem(db: string): string {
  const store = openTestStore(db, { busyTimeoutMs: 1000 });
  try {
    return store.nodeKey('server', () => 'none', 0);
  } finally {
    store.close();
  }
}

test('rotate secrets: --rotate-all replaces every secret key and the node key; old secrets fail, new ones work', async (t) => {
  const db = join(tempDir(t), 'idnode.db');
  const store = openTestStore(db, { busyTimeoutMs: 1000 });
  await provisionPrefixSecret(store, '88.118', 300, 'test-admin-secret-0001', true, OPTIONS);
  await provisionPrefixSecret(store, '88.118.8', 300, ENTERPRISE, false, OPTIONS);
  // An HS_SECKEY on an ordinary handle is an identity too (300:88.118.8/USER).
  const user = handle('88.118.8/USER');
  const hashed = await hashSecret(USER, 1000);
  store.writeNow(() => store.insertRecord(user.key, user.display, user.prefixKey, [{ index: 300, type: 'HS_SECKEY', data: { format: 'string', value: hashed }, ttlType: 0, ttl: 86_400, timestamp: 0, permissions: '1100', references: [] }], 0));
  store.nodeKey('server', generateNodeKeyPem, 0);
  const env = serveEnv(db, { IDNODE_ADMIN_SECRET: '' });

  const busy = runCli(['secret', '--rotate-all'], env);
  t.is(busy.status, 1, 'refused while another connection (a running node) holds the store');
  t.regex(busy.stderr, /^idnode: STORE_BUSY: /);
  store.close();
  const before = nodeKeyPem(db);

  t.is(runCli(['secret', '--rotate-all', '88.118.8'], env).status, 1, 'no prefix with --rotate-all');
  const result = runCli(['secret', '--rotate-all'], env);
  t.is(result.status, 0, result.stderr);
  const rows = result.stdout.split('\n').filter((line) => line.split('\t').length === 4).slice(1).map((line) => line.split('\t'));
  t.deepEqual(rows.map((row) => row[0]).sort(), ['300:0.NA/88.118', '300:0.NA/88.118.8', '300:88.118.8/USER']);
  for (const row of rows) t.true((row[1] ?? '').length >= 32);
  t.not(nodeKeyPem(db), before, 'a new node key pair');

  const node = await startNode(t, { IDNODE_DB_PATH: db, IDNODE_ADMIN_SECRET: '' });
  const secretOf = (identity: string): string => rows.find((row) => row[0] === identity)?.[1] ?? '';
  const value = [{ index: 1, type: 'URL', data: 'https://example.cn/rotated' }];
  for (const [identity, old] of [['300:0.NA/88.118.8', ENTERPRISE], ['300:88.118.8/USER', USER], ['300:0.NA/88.118', 'test-admin-secret-0001']] as const) {
    t.is((await node.put('/api/handles/88.118.8/OLD', value, { auth: { identity, secret: old } })).status, 401, `${identity}: the leaked secret fails`);
    t.not((await node.put('/api/handles/88.118.8/NEW', value, { auth: { identity, secret: secretOf(identity) } })).status, 401, `${identity}: the new one works`);
  }
  t.truthy(node.node.store.getRecord(handle('88.118.8/NEW').key));
});
