// batchCreate, batchUpdate, batchDelete (snms-v5-api.md §4.5): a result per item in order, successes committed together.

import test from 'ava';
import { startNode, type NodeUnderTest } from '../../support/node-under-test.js';
import { adminToken, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';

async function withTemplate(t: Parameters<typeof startNode>[0]): Promise<{ node: NodeUnderTest; token: string }> {
  const node = await startNode(t);
  const token = await adminToken(node);
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') })).json.status, 1);
  return { node, token };
}

test('batchCreate: the reference\'s example — a new item succeeds, an existing one is 标识已存在, in input order', async (t) => {
  const { node, token } = await withTemplate(t);
  await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/VALVE-A-0001') });
  const reply = await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: [valveRecord('88.118/VALVE-A-0003', 'DN100 闸阀'), valveRecord('88.118/VALVE-A-0001')] });
  t.deepEqual(reply.json, {
    status: 1,
    message: 'success',
    data: [
      { handle: '88.118/VALVE-A-0003', code: 1, msg: 'success' },
      { handle: '88.118/VALVE-A-0001', code: -2, msg: '标识已存在' },
    ],
  });
  t.is((await node.get('/api/handles/88.118/VALVE-A-0003')).status, 200);
});

test('batchCreate: bad items fail alone with their reason, the others commit; a retry reports every item as existing', async (t) => {
  const { node, token } = await withTemplate(t);
  const items = [
    valveRecord('88.118/B-1'),
    { handle: '88.118/B-2', templateVersion: 'valve-1.0', value: [{ index: 2100, type: 'x', data: { format: 'string', value: 'y' } }] },
    valveRecord('88.118/B-3', 'x'.repeat(65)),
    valveRecord('88.118/B-1'),
    { templateVersion: 'valve-1.0', value: [] },
    valveRecord('88.118/B-4', 'ok', 'valve-9'),
    valveRecord('99.999/B-5'),
    'not a record',
    valveRecord('88.118/B-6'),
  ];
  const reply = await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: items });
  t.is(reply.json.status, 1);
  const results = reply.json.data as { handle: string; code: number; msg: string }[];
  t.is(results.length, items.length);
  t.deepEqual(results.map((r) => r.code), [1, -2, -2, -2, -2, -2, -2, -2, 1]);
  t.is(results[1]?.msg, '非法操作，索引2100在模板中不存在');
  t.is(results[3]?.msg, '标识已存在', 'the same handle twice in one batch: the second exists already');
  t.is(results[4]?.msg, '缺少必要的请求参数: handle');
  t.is(results[4]?.handle, '');
  t.regex(results[5]?.msg ?? '', /^模板不存在/);
  t.deepEqual((await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/B-1', { token })).json.data.value[1].data.value, 'DN50 闸阀');
  t.is((await node.get('/api/handles/88.118/B-2')).status, 404);
  t.is((await node.get('/api/handles/88.118/B-3')).status, 404);
  t.is((await node.get('/api/handles/88.118/B-6')).status, 200);
  // The client saw a 504 and sends the same batch again: nothing is duplicated, created items say 标识已存在.
  const retry = await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: [valveRecord('88.118/B-1'), valveRecord('88.118/B-6')] });
  t.deepEqual(retry.json.data.map((r: { msg: string }) => r.msg), ['标识已存在', '标识已存在']);
});

test('batch: 2,000 items are accepted; 2,001 are refused as a whole with nothing written', async (t) => {
  const { node, token } = await withTemplate(t);
  const records = (n: number, tag: string) => Array.from({ length: n }, (_, i) => valveRecord(`88.118/${tag}-${i}`, `p${i}`));
  const over = await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: records(2001, 'OVER') });
  t.is(over.status, 200);
  t.is(over.text, '{"status":-2,"message":"批量操作数量不能超过2000","data":null}');
  t.is((await node.get('/api/handles/88.118/OVER-0')).status, 404);
  const full = await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: records(2000, 'FULL') });
  t.is(full.json.data.length, 2000);
  t.true(full.json.data.every((r: { code: number }) => r.code === 1));
  t.is((await node.get('/api/handles/88.118/FULL-1999')).status, 200);
  const tooManyDeletes = await snms(node, 'DELETE', '/identityv2/data/batchDelete', { token, body: Array.from({ length: 2001 }, (_, i) => `88.118/FULL-${i}`) });
  t.is(tooManyDeletes.json.message, '批量操作数量不能超过2000');
  t.is((await node.get('/api/handles/88.118/FULL-0')).status, 200);
});

test('batchUpdate replaces existing records and reports missing ones; batchDelete reports 标识不存在 with code -2', async (t) => {
  const { node, token } = await withTemplate(t);
  await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: [valveRecord('88.118/U-1'), valveRecord('88.118/U-2')] });
  const update = await snms(node, 'PUT', '/identityv2/data/batchUpdate', { token, body: [valveRecord('88.118/U-1', 'new'), valveRecord('88.118/U-9', 'x')] });
  t.deepEqual(update.json.data, [
    { handle: '88.118/U-1', code: 1, msg: 'success' },
    { handle: '88.118/U-9', code: -2, msg: '没有找到标识' },
  ]);
  t.is((await node.get('/api/handles/88.118/U-1')).json.values[1].data.value, 'new');
  const deleted = await snms(node, 'DELETE', '/identityv2/data/batchDelete', { token, body: ['88.118/U-2', '88.118/VALVE-Z-9999', 42] });
  t.deepEqual(deleted.json.data.slice(0, 2), [
    { handle: '88.118/U-2', code: 1, msg: 'success' },
    { handle: '88.118/VALVE-Z-9999', code: -2, msg: '标识不存在' },
  ]);
  t.is(deleted.json.data[2].code, -2);
  t.is((await node.get('/api/handles/88.118/U-2')).status, 404);
  const notArray = await snms(node, 'POST', '/identityv2/data/batchCreate', { token, body: { handle: 'x' } });
  t.deepEqual([notArray.status, notArray.json.status, notArray.json.data], [200, -2, null]);
});
