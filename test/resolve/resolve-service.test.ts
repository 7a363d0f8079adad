// Resolution as a service, without HTTP: public view, cache and negative cache, filters, permissions, referrals.

import test from 'ava';
import type { Identity } from '../../src/auth/identity.js';
import type { ResolveRequest, ResolveResult } from '../../src/resolve/resolve-service.js';
import { ADMIN_ID, serviceNode, type ServiceNode } from '../support/services.js';

function ask(node: ServiceNode, text: string, extra: Partial<ResolveRequest> = {}): ResolveResult {
  return node.resolve.resolve({ handle: node.handle(text), indexes: [], types: [], publicOnly: undefined, identity: null, ...extra });
}

function values(result: ResolveResult): { index: number; type: string }[] {
  if (result.kind !== 'found' && result.kind !== 'referral') throw new Error(result.kind);
  return (JSON.parse(result.valuesJson) as { index: number; type: string }[]).map(({ index, type }) => ({ index, type }));
}

async function put(node: ServiceNode, text: string, body: unknown[], identity: Identity = ADMIN_ID): Promise<void> {
  await node.register.put({ handleText: text, mint: false, identity, values: body, indexes: null, overwrite: true });
}

const RECORD = [
  { index: 1, type: 'URL', data: 'https://example.cn/p/1' },
  { index: 2, type: 'EMAIL', data: 'ops@example.cn' },
  { index: 3, type: 'SERIAL', data: 'S-1', permissions: '1100' },
];

test('resolve service: anonymous callers get the public values, from the cache after the first read', async (t) => {
  const node = await serviceNode(t);
  await put(node, '88.118/P-1', RECORD);
  const first = ask(node, '88.118/p-1');
  t.deepEqual(values(first), [{ index: 1, type: 'URL' }, { index: 2, type: 'EMAIL' }]);
  t.is(await node.metric('idnode_resolutions_total{outcome="cache_miss"}'), 1);
  t.deepEqual(ask(node, '88.118/P-1'), first);
  t.is(await node.metric('idnode_resolutions_total{outcome="cache_hit"}'), 1);
});

test('resolve service: a not-found answer is cached, and a registration replaces it before it is acknowledged', async (t) => {
  const node = await serviceNode(t);
  t.is(ask(node, '88.118/LATER').kind, 'not-found');
  t.is(ask(node, '88.118/LATER').kind, 'not-found');
  t.is(await node.metric('idnode_resolutions_total{outcome="negative_hit"}'), 1);
  await put(node, '88.118/LATER', RECORD);
  t.deepEqual(values(ask(node, '88.118/LATER')).map((v) => v.index), [1, 2]);
});

test('resolve service: index and type filters select values, a trailing dot matches sub-types', async (t) => {
  const node = await serviceNode(t);
  await put(node, '88.118/F', [...RECORD, { index: 4, type: 'URL.METADATA', data: 'https://example.cn/m' }]);
  t.deepEqual(values(ask(node, '88.118/F', { indexes: [2] })), [{ index: 2, type: 'EMAIL' }]);
  t.deepEqual(values(ask(node, '88.118/F', { types: ['URL.'] })).map((v) => v.index), [1, 4]);
  const none = ask(node, '88.118/F', { indexes: [99] });
  t.true(none.kind === 'found' && none.empty);
});

test('resolve service: non-public values need an identity that may read them', async (t) => {
  const node = await serviceNode(t);
  await put(node, '88.118/PRIV', RECORD);
  const error = t.throws(() => ask(node, '88.118/PRIV', { publicOnly: false }));
  t.is((error as { code?: string }).code, 'AUTHENTICATION_NEEDED');
  // Asking only for public values is answered anonymously even with publicOnly=false.
  t.deepEqual(values(ask(node, '88.118/PRIV', { publicOnly: false, indexes: [1] })), [{ index: 1, type: 'URL' }]);
  t.deepEqual(values(ask(node, '88.118/PRIV', { identity: ADMIN_ID })).map((v) => v.index), [1, 2, 3]);
});

test('resolve service: a derived prefix record not stored here is a referral from its nearest stored ancestor', async (t) => {
  const node = await serviceNode(t);
  const site = { servers: [{ serverId: 1, address: '192.0.2.7', interfaces: [{ query: true, admin: false, protocol: 'HTTP', port: 8000 }] }] };
  await put(node, '0.NA/88.118.8', [{ index: 1, type: 'HS_SITE.PREFIX', data: { format: 'site', value: site } }]);
  const referral = ask(node, '0.NA/88.118.8.5.1');
  t.is(referral.kind, 'referral');
  t.deepEqual(values(referral), [{ index: 1, type: 'HS_SITE.PREFIX' }]);
  t.is(ask(node, '0.NA/88.118.8.5.1', { doNotRefer: true }).kind, 'not-found');
});
