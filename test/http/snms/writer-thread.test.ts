// SNMS identifier writes on the writer thread (issue 13 target 4): a batch's good items commit together and the bad ones
// leave nothing, nothing is answered before its COMMIT, and a resolve right after an acknowledged write sees it.

import test from 'ava';
import { parseHandle } from '../../../src/identifier/handle.js';
import type { WriteCondition } from '../../../src/register/journal.js';
import type { PutCommand, PutItem } from '../../../src/register/register-writes.js';
import { startNode } from '../../support/node-under-test.js';
import { adminToken, approvedEnterprise, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';
import { CommitGate } from '../../support/commit-gate.js';
import { columnOnStore, countOnStore, storeEngine } from '../../support/store-file.js';

/** What another connection sees committed: the suffixes of `prefixKey` among `suffixes`, and the audit entries on them. */
function committed(path: string, prefixKey: string, suffixes: readonly string[]): { handles: string[]; audited: number } {
  const stored = new Set(columnOnStore(path, 'SELECT suffix_key FROM handles WHERE prefix_key = ?', [prefixKey]));
  const handles = suffixes.filter((suffix) => stored.has(suffix.toUpperCase()));
  const audited = countOnStore(path, "SELECT count(*) FROM audit_log WHERE action = 'handle.create' AND target LIKE ?", [`${prefixKey}/W-%`]);
  return { handles, audited };
}

test('SNMS on the writer thread: a batchCreate commits its good items together (with their audit entries) only before it is answered; bad ones are reported and leave nothing', async (t) => {
  const gate = new CommitGate();
  const node = await startNode(t, {}, undefined, { commitGate: gate.buffer });
  gate.openAtTeardown(t);
  t.is(node.node.writes.kind, 'thread');
  const token = await adminToken(node);
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') })).json.status, 1);
  await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/W-EXISTS') });
  const items = [
    valveRecord('88.118/W-1'),
    valveRecord('88.118/W-EXISTS'),
    valveRecord('88.118/W-2', 'x'.repeat(65)),
    valveRecord('88.118/W-3'),
    valveRecord('88.118/W-4', 'ok', 'valve-9'),
    valveRecord('88.118/W-1'),
  ];
  const suffixes = ['W-1', 'W-2', 'W-3', 'W-4'];
  const before = committed(node.config.dbPath, '88.118', suffixes);

  gate.close();
  let answered = false;
  const batch = snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: items }).then((reply) => {
    answered = true;
    return { reply, seen: committed(node.config.dbPath, '88.118', suffixes) };
  });
  await gate.holding();
  // The batch's transaction is open on the thread, ready to commit: nothing of it is visible, nothing answered.
  t.deepEqual(committed(node.config.dbPath, '88.118', suffixes), before);
  t.is((await node.get('/api/handles/88.118/W-1')).status, 404, 'reads are answered while the COMMIT is held');
  t.false(answered);

  gate.open();
  const { reply, seen } = await batch;
  t.deepEqual(
    reply.json.data.map((r: { code: number; msg: string }) => [r.code, r.msg]),
    [
      [1, 'success'],
      [-2, '标识已存在'],
      [-2, reply.json.data[2].msg],
      [1, 'success'],
      [-2, reply.json.data[4].msg],
      [-2, '标识已存在'],
    ],
  );
  t.regex(reply.json.data[4].msg, /^模板不存在/);
  // At the moment of the answer both good items were already committed, with one audit entry each and no more.
  t.deepEqual(seen.handles, ['W-1', 'W-3']);
  t.is(seen.audited, before.audited + 2);
  t.is((await node.get('/api/handles/88.118/W-2')).status, 404);
  t.is((await node.get('/api/handles/88.118/W-4')).status, 404);
  t.is(node.node.business.audit.verify(), null, 'the audit chain written on the thread is intact');
});

test('SNMS on the writer thread: a batch larger than a part crosses in parts that commit as one; bad items anywhere leave nothing', async (t) => {
  const gate = new CommitGate();
  const node = await startNode(t, {}, undefined, { commitGate: gate.buffer });
  gate.openAtTeardown(t);
  const token = await adminToken(node);
  await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') });
  // 3 parts of BATCH_PART_ITEMS (250) and a short last one; bad items in the first, at a part's edge and last.
  const bad = new Set([3, 249, 250, 600]);
  const items = Array.from({ length: 601 }, (_, i) => valveRecord(`88.118/P-${i}`, bad.has(i) ? 'x'.repeat(65) : 'ok'));
  const good = items.map((_, i) => `P-${i}`).filter((_, i) => !bad.has(i));
  const visible = (): number => committed(node.config.dbPath, '88.118', good).handles.length;

  gate.close();
  let answered = false;
  const batch = snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: items }).then((reply) => {
    answered = true;
    return { reply, visible: visible() };
  });
  await gate.holding();
  t.is(visible(), 0, 'no part is visible before the one COMMIT');
  t.false(answered);
  gate.open();
  const { reply, visible: atAnswer } = await batch;
  const codes = reply.json.data.map((r: { code: number }) => r.code);
  t.deepEqual(
    codes.flatMap((code: number, i: number) => (code === 1 ? [] : [i])),
    [...bad],
  );
  t.is(atAnswer, good.length, 'every good item was committed when the answer came');
  const db = node.config.dbPath;
  t.is(countOnStore(db, "SELECT count(*) FROM audit_log WHERE action = 'handle.create' AND target LIKE '88.118/P-%'"), good.length);
  // One transaction: a single change-log row names the first and the last part's records. (On PostgreSQL the
  // change log stays empty: other processes hear commits by NOTIFY — schema/postgres/008-change-log.sql.)
  if (storeEngine(db) === 'sqlite') {
    t.is(countOnStore(db, "SELECT count(*) FROM change_log WHERE keys LIKE '%/P-%'"), 1);
    t.is(countOnStore(db, "SELECT count(*) FROM change_log WHERE keys LIKE '%/P-%' AND keys LIKE '%\"88.118/P-0\"%' AND keys LIKE '%\"88.118/P-599\"%'"), 1);
  }
  t.is((await node.get('/api/handles/88.118/P-250')).status, 404);
  t.is(node.node.business.audit.verify(), null);
});

test('SNMS on the writer thread: a resolve right after an acknowledged create, update or delete sees it (the cached answer was dropped first)', async (t) => {
  const node = await startNode(t);
  t.is(node.node.writes.kind, 'thread');
  const token = await adminToken(node);
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') })).json.status, 1);
  const valueOf = async (): Promise<unknown> => {
    const reply = await node.get('/api/handles/88.118/SEEN');
    return reply.status === 200 ? (reply.json?.values as { index: number; data: { value: unknown } }[]).find((v) => v.index === 2000)?.data.value : reply.status;
  };
  t.is(await valueOf(), 404, 'a not-found answer is cached');
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/SEEN', 'first') })).json.status, 1);
  t.is(await valueOf(), 'first');
  t.is(await valueOf(), 'first', 'and now cached');
  t.is((await snms(node, 'PUT', '/identityv2/data', { token, body: valveRecord('88.118/SEEN', 'second') })).json.status, 1);
  t.is(await valueOf(), 'second');
  const batch = await snms(node, 'PUT', '/identityv2/data/batchUpdate', { token, body: [valveRecord('88.118/SEEN', 'third')] });
  t.is(batch.json.data[0].code, 1);
  t.is(await valueOf(), 'third');
  const deleted = await snms(node, 'DELETE', '/identityv2/data/batchDelete', { token, body: ['88.118/SEEN'] });
  t.is(deleted.json.data[0].code, 1);
  t.is(await valueOf(), 404);
});

test('SNMS on the writer thread: a write’s conditions are checked again inside its transaction — a prefix stopped since, a template changed or gone since', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token: admin, body: valveTemplate('88.118') })).json.status, 1);
  const validated = node.node.business.templates.validator('88.118', 'valve-1.0');
  await approvedEnterprise(node, admin, '88.118.8', 1);
  const rule = { suffixCaseSensitive: false };
  const identity = { index: 300, handle: parseHandle('0.NA/88.118', rule) };
  const value = (index: number, type: string, text: string) => ({ index, type, data: { format: 'string' as const, value: text }, ttlType: 0 as const, ttl: 86_400, timestamp: 0, permissions: '1110', references: [] });
  // What the SNMS create of valveRecord(text) sends: TEMPLATE at 1001, the product name at 2000.
  const item = (text: string, condition: WriteCondition): PutItem => ({
    handle: parseHandle(text, rule),
    identity,
    values: [value(1001, 'TEMPLATE', 'valve-1.0'), value(2000, 'productName', 'DN50 闸阀')],
    indexes: null,
    overwrite: false,
    requireExisting: false,
    actor: { who: 'test', from: '' },
    condition,
  });
  const put = (putItem: PutItem): Promise<unknown> => node.node.writes.run('register.put', { item: putItem, mintBase: null, nowMs: node.clock.nowMs() } satisfies PutCommand);
  const current = { version: 'valve-1.0', id: validated.id, revision: validated.revision };
  // Validated against an older revision: checked again against the current one, which it passes.
  t.deepEqual(await put(item('88.118/PASSES', { prefixActive: true, template: { ...current, revision: current.revision - 1 } })), { handle: '88.118/PASSES', created: true });
  // The main thread checked these before it sent the command; what the write side finds in the store decides.
  t.is((await snms(node, 'POST', '/snms/api/prefix/state', { token: admin, body: { entPrefix: '88.118.8', state: 0, reason: '欠费' } })).json.status, 1);
  await t.throwsAsync(put(item('88.118.8/STOPPED', { prefixActive: true })), { code: 'PREFIX_DISABLED' });
  // The template in use may only rename, enable or disable items: its product name is disabled.
  const disabled = { name: '产品名称', idType: 'productName', idIndex: 2000, state: 0 };
  const changed = await snms(node, 'PUT', '/snms/api/v5/template', { token: admin, body: { prefix: '88.118', version: 'valve-1.0', items: [disabled] } });
  t.is(changed.json.status, 1, changed.text);
  await t.throwsAsync(put(item('88.118/STALE', { template: current })), { code: 'TEMPLATE_MISMATCH' });
  await t.throwsAsync(put(item('88.118/GONE', { template: { ...current, version: 'valve-9' } })), { code: 'TEMPLATE_NOT_FOUND' });
  for (const refused of ['88.118.8/STOPPED', '88.118/STALE', '88.118/GONE']) t.is(node.node.store.getRecord(refused.toUpperCase()), undefined, refused);
});
