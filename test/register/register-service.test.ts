// Registration as a service, without HTTP: create, replace, add, delete, the refusals, and cache invalidation.

import test from 'ava';
import { parseIdentity } from '../../src/auth/identity.js';
import { IdnodeError } from '../../src/errors.js';
import type { PutRequest } from '../../src/register/register-service.js';
import { ADMIN_ID, RULE, serviceNode, type ServiceNode } from '../support/services.js';
import { sqliteOnlyTest } from '../support/engine-test.js';

const URL_VALUE = { index: 1, type: 'URL', data: 'https://example.cn/a' };

function putRequest(text: string, values: unknown[], extra: Partial<PutRequest> = {}): PutRequest {
  return { handleText: text, mint: false, identity: ADMIN_ID, values, indexes: null, overwrite: true, ...extra };
}

function stored(node: ServiceNode, text: string): number[] | undefined {
  return node.node.store.getRecord(node.handle(text).key)?.values.map((value) => value.index);
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
  return error instanceof IdnodeError ? error.code : String(error);
}

test('register service: a new handle is created, an existing one replaced, and overwrite=false refuses without a change', async (t) => {
  const node = await serviceNode(t);
  t.deepEqual(await node.register.put(putRequest('88.118/R-1', [URL_VALUE])), { handle: '88.118/R-1', created: true });
  t.deepEqual(await node.register.put(putRequest('88.118/r-1', [{ ...URL_VALUE, index: 2 }])), { handle: '88.118/r-1', created: false });
  t.deepEqual(stored(node, '88.118/R-1'), [2]);
  t.is(await code(node.register.put(putRequest('88.118/R-1', [URL_VALUE], { overwrite: false }))), 'HANDLE_ALREADY_EXISTS');
  t.deepEqual(stored(node, '88.118/R-1'), [2]);
  t.is(await node.metric('idnode_registrations_total{operation="create"}'), 1);
  t.is(await node.metric('idnode_registrations_total{operation="update"}'), 1);
});

test('register service: values are added by index, and the index list must name exactly the values given', async (t) => {
  const node = await serviceNode(t);
  await node.register.put(putRequest('88.118/ADD', [URL_VALUE]));
  await node.register.put(putRequest('88.118/ADD', [{ index: 7, type: 'DESC', data: 'seven' }], { indexes: [7] }));
  t.deepEqual(stored(node, '88.118/ADD'), [1, 7]);
  t.is(await code(node.register.put(putRequest('88.118/ADD', [{ index: 8, type: 'DESC', data: 'x' }], { indexes: [9] }))), 'MISMATCHED_INDEXES');
  t.is(await code(node.register.put(putRequest('88.118/ADD', [{ index: 7, type: 'DESC', data: 'y' }], { indexes: [7], overwrite: false }))), 'VALUE_ALREADY_EXISTS');
  t.deepEqual(stored(node, '88.118/ADD'), [1, 7]);
});

test('register service: a handle under a prefix not homed here is refused and nothing is written', async (t) => {
  const node = await serviceNode(t);
  t.is(await code(node.register.put(putRequest('99.999/X', [URL_VALUE]))), 'PREFIX_NOT_HOMED');
  t.is(stored(node, '99.999/X'), undefined);
});

test('register service: an identity without rights on the prefix may not create under it', async (t) => {
  const node = await serviceNode(t);
  const stranger = parseIdentity('300:0.NA/77.1', RULE);
  t.is(await code(node.register.put(putRequest('88.118/NOPE', [URL_VALUE], { identity: stranger }))), 'INSUFFICIENT_PERMISSIONS');
  t.is(stored(node, '88.118/NOPE'), undefined);
});

test('register service: deleting values needs them all to exist; deleting the handle removes it', async (t) => {
  const node = await serviceNode(t);
  await node.register.put(putRequest('88.118/DEL', [URL_VALUE, { index: 2, type: 'DESC', data: 'two' }]));
  const handle = node.handle('88.118/DEL');
  t.is(await code(node.register.delete({ handle, identity: ADMIN_ID, indexes: [2, 3] })), 'VALUES_NOT_FOUND');
  await node.register.delete({ handle, identity: ADMIN_ID, indexes: [2] });
  t.deepEqual(stored(node, '88.118/DEL'), [1]);
  await node.register.delete({ handle, identity: ADMIN_ID, indexes: null });
  t.is(stored(node, '88.118/DEL'), undefined);
  t.is(await code(node.register.delete({ handle, identity: ADMIN_ID, indexes: null })), 'HANDLE_NOT_FOUND');
});

test('register service: writes made outside the write queue (the node publishing its site) invalidate cached answers too', async (t) => {
  const node = await serviceNode(t);
  const ask = () => node.resolve.resolve({ handle: node.handle('0.NA/88.118'), indexes: [], types: ['HS_SITE'], publicOnly: undefined, identity: null });
  const before = ask();
  t.true(before.kind === 'found' && before.empty, 'no site yet, and the answer is cached');
  node.node.publishSite(8123);
  const after = ask();
  t.true(after.kind === 'found' && after.valuesJson.includes('"port":8123'), 'the cached answer was dropped when the site was written');
});

sqliteOnlyTest('register service: a batch the store cannot hold fails whole with STORE_FULL, keeping nothing of it; one that fits commits every good item', async (t) => {
  const node = await serviceNode(t, { IDNODE_STORE_MAX_BYTES: String(1024 * 1024) });
  const payload = 'x'.repeat(1500);
  const batch = (label: string, count: number): PutRequest[] =>
    Array.from({ length: count }, (_, i) => putRequest(`88.118/${label}-${i}`, [{ index: 2, type: 'DESC', data: `${i} ${payload}` }], { overwrite: false }));
  const small = await node.register.putBatch([...batch('FIT', 3), putRequest('88.118/FIT-0', [URL_VALUE], { overwrite: false })]);
  t.deepEqual(small.map((result) => (result instanceof IdnodeError ? result.code : result.created)), [true, true, true, 'HANDLE_ALREADY_EXISTS']);
  // Every item passes its checks; the store fills while writing them, so none of them may stay half-written.
  t.is(await code(node.register.putBatch(batch('BIG', 2000))), 'STORE_FULL');
  t.is(stored(node, '88.118/BIG-0'), undefined);
  t.is(stored(node, '88.118/BIG-1999'), undefined);
  t.is(node.node.store.countHandles('88.118'), 3);
  t.deepEqual(stored(node, '88.118/FIT-2'), [2]);
});

test('register service: in one batch each item keeps its own rules and identity, whatever the items before it said', async (t) => {
  const node = await serviceNode(t);
  await node.register.put(putRequest('88.118/MIX-OLD', [URL_VALUE, { index: 2, type: 'DESC', data: 'two' }]));
  const stranger = parseIdentity('300:0.NA/77.1', RULE);
  const results = await node.register.putBatch([
    putRequest('88.118/MIX-NEW', [URL_VALUE], { overwrite: false }),
    putRequest('88.118/MIX-OLD', [{ index: 7, type: 'DESC', data: 'seven' }], { indexes: [7] }),
    putRequest('88.118/MIX-OLD', [{ index: 1, type: 'URL', data: 'https://example.cn/b' }], { overwrite: false, indexes: [1] }),
    putRequest('88.118/MIX-STRANGER', [URL_VALUE], { identity: stranger }),
    putRequest('88.118/MIX-LAST', [URL_VALUE], { overwrite: false }),
  ]);
  t.deepEqual(
    results.map((result) => (result instanceof IdnodeError ? result.code : result.created)),
    [true, true, 'VALUE_ALREADY_EXISTS', 'INSUFFICIENT_PERMISSIONS', true],
  );
  t.deepEqual(stored(node, '88.118/MIX-OLD'), [1, 2, 7], 'index 7 was added beside the values it had');
  t.is(stored(node, '88.118/MIX-STRANGER'), undefined);
});
