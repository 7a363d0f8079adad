// The audit log: exactly one entry per successful change through any surface, none for a failed one; paging, export, chain.

import test from 'ava';
import { sha256Hex } from '../../src/accounts/password.js';
import { encodeRecord } from '../../src/identifier/record-encoding.js';
import type { HandleValue } from '../../src/identifier/value.js';
import { httpCall } from '../support/http-client.js';
import { startNode, type NodeUnderTest } from '../support/node-under-test.js';
import { adminToken, application, login, snms, valveRecord, valveTemplate } from '../support/snms-client.js';

async function total(node: NodeUnderTest, token: string): Promise<number> {
  const reply = await snms(node, 'GET', '/snms/api/audit/page?pageSize=1', { token });
  return reply.json.data.totalElements as number;
}

test('audit: every successful mutation has exactly one entry, a failed one none — SNMS, Handle API and CLI alike', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  let expected = 1; // account.create of the admin
  t.is(await total(node, admin), expected);
  const step = async (name: string, call: () => Promise<unknown>, entries: number): Promise<void> => {
    await call();
    expected += entries;
    t.is(await total(node, admin), expected, name);
  };
  await step('apply (account and enterprise)', () => snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 1) }), 2);
  await step('apply again, refused', () => snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 1) }), 0);
  await step('approve', () => snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'approve' } }), 1);
  await step('approve again, refused', () => snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'approve' } }), 0);
  const user = await login(node, 'ent1', 'ent1-password');
  await step('template', () => snms(node, 'POST', '/snms/api/v5/template', { token: user, body: valveTemplate('88.118.8') }), 1);
  await step('template twice', () => snms(node, 'POST', '/snms/api/v5/template', { token: user, body: valveTemplate('88.118.8') }), 0);
  await step('template update', () => snms(node, 'PUT', '/snms/api/v5/template', { token: user, body: { prefix: '88.118.8', version: 'valve-1.0', description: 'x', items: [] } }), 1);
  await step('identifier', () => snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/A-1') }), 1);
  await step('identifier twice', () => snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/A-1') }), 0);
  await step('identifier breaking its template', () => snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/A-9', '') }), 0);
  await step('batch of 2 good and 1 bad', () => snms(node, 'POST', '/identityv2/data/batchCreate', { token: user, body: [valveRecord('88.118.8/A-2'), valveRecord('88.118.8/A-1'), valveRecord('88.118.8/A-3')] }), 2);
  await step('update', () => snms(node, 'PUT', '/identityv2/data', { token: user, body: valveRecord('88.118.8/A-1', 'new') }), 1);
  await step('update of a missing one', () => snms(node, 'PUT', '/identityv2/data', { token: user, body: valveRecord('88.118.8/A-8') }), 0);
  await step('batch delete, one missing', () => snms(node, 'DELETE', '/identityv2/data/batchDelete', { token: user, body: ['88.118.8/A-3', '88.118.8/A-7'] }), 1);
  await step('Handle API create', () => node.put('/api/handles/88.118/H-1', [{ index: 1, type: 'URL', data: 'https://e.cn' }]), 1);
  await step('Handle API refused', () => node.put('/api/handles/88.118/H-1?overwrite=false', [{ index: 1, type: 'URL', data: 'https://e.cn' }]), 0);
  await step('Handle API delete', () => node.delete('/api/handles/88.118/H-1'), 1);
  await step('disable', () => snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 0 } }), 1);
  await step('disable again (no change)', () => snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 0 } }), 0);
  await step('enable', () => snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 1 } }), 1);
  await step('publish', () => snms(node, 'POST', '/snms/api/ent/config', { token: user, body: { proxyServerId: 1, entPrefixConfig: { entPrefix: '88.118.8' } } }), 1);
  await step('registry', () => snms(node, 'POST', '/identity/registry', { token: admin, body: { userName: 'u2', password: sha256Hex('p'), email: 'u2@e.cn', mobile: '13900000002' } }), 1);
  await step('login and logout change nothing audited', async () => snms(node, 'DELETE', '/identity/token', { token: await login(node, 'u2', 'p') }), 0);
  t.is(node.node.business.audit.verify(), null, 'the hash chain is intact');
});

test('audit: entries say who, when, from where, what, before and after; pages filter by prefix, actor and time; export is JSON lines', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  await snms(node, 'POST', '/snms/api/v5/template', { token: admin, body: valveTemplate('88.118') });
  node.clock.advance(60_000);
  await snms(node, 'POST', '/identityv2/data', { token: admin, body: valveRecord('88.118/A-1') });
  await snms(node, 'PUT', '/identityv2/data', { token: admin, body: valveRecord('88.118/A-1', 'v2') });
  await node.put('/api/handles/88.118/H-1', [{ index: 1, type: 'URL', data: 'https://e.cn' }]);
  const byPrefix = await snms(node, 'GET', '/snms/api/audit/page?prefix=88.118&pageSize=10', { token: admin });
  t.is(byPrefix.json.data.totalElements, 4);
  const [handle, update, create] = byPrefix.json.data.content;
  t.like(handle, { actor: '300:0.NA/88.118', client: '127.0.0.1', action: 'handle.create', target: '88.118/H-1', before: null });
  t.like(update, { actor: 'account:admin', client: '127.0.0.1', action: 'handle.update', prefix: '88.118', target: '88.118/A-1', at: '2026-01-15T08:01:00.000Z' });
  t.is(update.before.find((v: { index: number }) => v.index === 2000).data.value, 'DN50 闸阀');
  // The after-image is a digest (the record itself holds it until the next change keeps it as its before-image).
  // A digest of the record as stored (record-encoding.ts), which the write side already holds.
  const stored = node.node.store.prepare<[string, string], { record: string }>('SELECT record FROM handles WHERE prefix_key = ? AND suffix_key = ?').get('88.118', 'A-1');
  t.deepEqual(update.after, { sha256: sha256Hex(stored?.record ?? ''), bytes: Buffer.byteLength(stored?.record ?? ''), of: 'stored' });
  // The create's after-image is the update's before-image: the digest of that record as it was stored.
  const created = encodeRecord(update.before as HandleValue[]);
  t.deepEqual(create.after, { sha256: sha256Hex(created), bytes: Buffer.byteLength(created), of: 'stored' });
  t.not(create.after.sha256, update.after.sha256, 'the create and the update stored different records');
  const now = (await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/A-1', { token: admin })).json.data.value;
  t.is(now.find((v: { index: number }) => v.index === 2000).data.value, 'v2');
  t.is(create.action, 'handle.create');
  const byActor = await snms(node, 'GET', `/snms/api/audit/page?actor=${encodeURIComponent('300:0.NA/88.118')}`, { token: admin });
  t.deepEqual(byActor.json.data.content.map((e: { target: string }) => e.target), ['88.118/H-1']);
  const early = await snms(node, 'GET', `/snms/api/audit/page?endDate=${encodeURIComponent('2026-01-15 16:00:30')}`, { token: admin });
  t.deepEqual(early.json.data.content.map((e: { action: string }) => e.action), ['template.create', 'account.create']);
  const exported = await httpCall(node.port, 'GET', '/snms/api/audit/export?prefix=88.118', { headers: { authorization: `Bearer ${admin}` } });
  t.is(exported.headers['content-type'], 'application/x-ndjson; charset=utf-8');
  const lines = exported.text.trim().split('\n').map((line) => JSON.parse(line) as { action: string; hash: string });
  t.deepEqual(lines.map((line) => line.action), ['template.create', 'handle.create', 'handle.update', 'handle.create']);
  t.true(lines.every((line) => /^[0-9a-f]{64}$/.test(line.hash)));
  const user = await snms(node, 'POST', '/identity/registry', { token: admin, body: { userName: 'u', password: sha256Hex('p'), email: 'u@e.cn', mobile: '13900000009', role: 'reviewer' } });
  t.is(user.json.status, 1);
  const reviewer = await login(node, 'u', 'p');
  t.is((await snms(node, 'GET', '/snms/api/audit/page', { token: reviewer })).json.status, -3);
  t.is((await snms(node, 'GET', '/snms/api/audit/export', { token: reviewer })).json.status, -3);
});

test('audit: large before-images are kept as a digest; the log refuses updates and deletes; an edit breaks the chain', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const big = Array.from({ length: 40 }, (_, i) => ({ index: 10 + i, type: 'NOTE', data: 'x'.repeat(200) }));
  await node.put('/api/handles/88.118/BIG', big);
  await node.delete('/api/handles/88.118/BIG');
  const entry = (await snms(node, 'GET', '/snms/api/audit/page?prefix=88.118', { token: admin })).json.data.content[0];
  t.is(entry.action, 'handle.delete');
  t.regex(entry.before.sha256, /^[0-9a-f]{64}$/);
  t.true(entry.before.bytes > 4096);
  const small = await node.put('/api/handles/88.118/SMALL', [{ index: 1, type: 'URL', data: 'https://e.cn' }]);
  t.is(small.status, 201);
  await node.delete('/api/handles/88.118/SMALL');
  const kept = (await snms(node, 'GET', '/snms/api/audit/page?prefix=88.118', { token: admin })).json.data.content[0];
  t.is(kept.before[0].data.value, 'https://e.cn', 'a small before-image is kept whole');
  const store = node.node.store;
  const refusal = (sql: string): string => {
    const error = t.throws(() => store.writeNow(() => store.prepare(sql).run()));
    return String((error?.cause as Error | undefined)?.message);
  };
  t.regex(refusal("UPDATE audit_log SET actor = 'someone'"), /append-only/);
  t.regex(refusal('DELETE FROM audit_log'), /append-only/);
  t.is(node.node.business.audit.verify(), null);
  // Someone with the file drops the trigger and edits an entry: the chain shows where.
  store.writeNow(() => store.prepare(store.engine === 'postgres' ? 'DROP TRIGGER audit_log_no_update ON audit_log' : 'DROP TRIGGER audit_log_no_update').run());
  store.writeNow(() => store.prepare("UPDATE audit_log SET actor = 'someone' WHERE id = 1").run());
  t.is(node.node.business.audit.verify(), 1);
});
