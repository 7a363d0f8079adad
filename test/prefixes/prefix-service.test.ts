// Prefixes as a service, without HTTP: homing and unhoming by node administrators, listings with paging.

import test from 'ava';
import { parseIdentity } from '../../src/auth/identity.js';
import { IdnodeError } from '../../src/errors.js';
import { ADMIN_ID, RULE, serviceNode } from '../support/services.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof IdnodeError ? error.code : String(error);
  }
}

test('prefix service: a node administrator homes and unhomes prefixes; the listing follows', async (t) => {
  const node = await serviceNode(t);
  t.is(await node.prefixes.home(ADMIN_ID, '88.118.9'), '88.118.9');
  t.deepEqual(node.prefixes.listPrefixes(ADMIN_ID, { page: null, pageSize: null }).page, ['88.118', '88.118.9']);
  t.is(await node.prefixes.unhome(ADMIN_ID, '88.118.9'), '88.118.9');
  t.deepEqual(node.prefixes.listPrefixes(ADMIN_ID, { page: null, pageSize: null }).page, ['88.118']);
});

test('prefix service: anyone else is refused and nothing changes', async (t) => {
  const node = await serviceNode(t);
  const stranger = parseIdentity('300:0.NA/77.1', RULE);
  const refused = await node.prefixes.home(stranger, '88.118.9').then(() => undefined, (error: unknown) => (error as IdnodeError).code);
  t.is(refused, 'INSUFFICIENT_PERMISSIONS');
  t.is(codeOf(() => node.prefixes.listPrefixes(null, { page: null, pageSize: null })), 'AUTHENTICATION_NEEDED');
  t.deepEqual(node.prefixes.listPrefixes(ADMIN_ID, { page: null, pageSize: null }).page, ['88.118']);
});

test('prefix service: a prefix listing pages in canonical order and counts every handle', async (t) => {
  const node = await serviceNode(t);
  for (const suffix of ['C', 'A', 'B']) {
    await node.register.put({ handleText: `88.118/${suffix}`, mint: false, identity: ADMIN_ID, values: [{ index: 1, type: 'DESC', data: suffix }], indexes: null, overwrite: true });
  }
  const listing = node.prefixes.listHandles(ADMIN_ID, '88.118', { page: 0, pageSize: 2 });
  t.is(listing.totalCount, 3);
  t.deepEqual(listing.page, ['88.118/A', '88.118/B']);
  t.deepEqual(node.prefixes.listHandles(ADMIN_ID, '88.118', { page: 1, pageSize: 2 }).page, ['88.118/C']);
});
