// `/identityv2/data…` (snms-v5-api.md §4): one registry with the Handle API, template checks, the reference's messages.

import test from 'ava';
import { startNode, type NodeUnderTest } from '../../support/node-under-test.js';
import { adminToken, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';

async function withTemplate(t: Parameters<typeof startNode>[0]): Promise<{ node: NodeUnderTest; token: string }> {
  const node = await startNode(t);
  const token = await adminToken(node);
  const created = await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') });
  t.is(created.json.status, 1);
  return { node, token };
}

test('identifiers: a record registered here reads back in the reference\'s shape and resolves through /api/handles with the same values', async (t) => {
  const { node, token } = await withTemplate(t);
  const body = { handle: '88.118/VALVE-A-0001', templateVersion: 'valve-1.0', value: [
    { index: 2000, type: 'productName', data: { format: 'string', value: 'DN50 闸阀' } },
    { index: 2001, type: 'batchNo', auth: '', data: { format: 'string', value: 'B20240520-03' } },
  ] };
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body })).text, '{"status":1,"message":"success","data":true}');
  const detail = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/VALVE-A-0001', { token });
  t.deepEqual(detail.json, {
    status: 1,
    message: 'success',
    data: {
      code: '200',
      prefix: '88.118',
      handle: '88.118/VALVE-A-0001',
      templateVersion: 'valve-1.0',
      value: [
        { index: 1001, type: 'TEMPLATE', auth: '1', data: { format: 'string', value: 'valve-1.0' } },
        { index: 2000, type: 'productName', auth: '', data: { format: 'string', value: 'DN50 闸阀' } },
        { index: 2001, type: 'batchNo', auth: '', data: { format: 'string', value: 'B20240520-03' } },
      ],
    },
  });
  const handle = await node.get('/api/handles/88.118/VALVE-A-0001');
  t.is(handle.status, 200);
  t.deepEqual(handle.json.values.map((v: { index: number; type: string; data: unknown }) => [v.index, v.type, v.data]), [
    [1001, 'TEMPLATE', { format: 'string', value: 'valve-1.0' }],
    [2000, 'productName', { format: 'string', value: 'DN50 闸阀' }],
    [2001, 'batchNo', { format: 'string', value: 'B20240520-03' }],
  ]);
});

test('identifiers: a handle written through the Handle API reads through the SNMS detail, and an SNMS update reaches a cached resolution', async (t) => {
  const { node, token } = await withTemplate(t);
  await node.register(t, '88.118/FROM-HANDLE', 'https://example.cn/h');
  const detail = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/from-handle', { token });
  t.like(detail.json.data, { handle: '88.118/from-handle', templateVersion: '' });
  t.deepEqual(detail.json.data.value, [{ index: 1, type: 'URL', auth: '', data: { format: 'string', value: 'https://example.cn/h' } }]);
  // An SNMS update keeps the Handle-side value below 2000 and brings the record under the template; the resolution
  // cached a moment ago is gone.
  t.is((await node.get('/api/handles/88.118/FROM-HANDLE')).json.values.length, 1);
  t.is((await snms(node, 'PUT', '/identityv2/data', { token, body: valveRecord('88.118/FROM-HANDLE', 'DN80') })).json.status, 1);
  const after = await node.get('/api/handles/88.118/FROM-HANDLE');
  t.deepEqual(after.json.values.map((v: { index: number }) => v.index), [1, 1001, 2000]);
  t.is(after.json.values[2].data.value, 'DN80');
});

test('identifiers: creating twice is -2 标识已存在 and changes nothing (a retried create never duplicates)', async (t) => {
  const { node, token } = await withTemplate(t);
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/VALVE-2', 'first') })).json.status, 1);
  const retry = await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/valve-2', 'second') });
  t.is(retry.text, '{"status":-2,"message":"标识已存在","data":null}');
  const detail = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/VALVE-2', { token });
  t.is(detail.json.data.value[1].data.value, 'first');
});

test('identifiers: template violations get the reference\'s message and write nothing', async (t) => {
  const { node, token } = await withTemplate(t);
  const record = (value: unknown[], version = 'valve-1.0') => ({ handle: '88.118/BAD', templateVersion: version, value });
  const unknownIndex = await snms(node, 'POST', '/identityv2/data', { token, body: record([{ index: 2000, type: 'productName', data: { format: 'string', value: 'x' } }, { index: 2100, type: 'x', data: { format: 'string', value: 'y' } }]) });
  t.is(unknownIndex.text, '{"status":-2,"message":"非法操作，索引2100在模板中不存在","data":null}');
  const cases: unknown[][] = [
    [],
    [{ index: 2000, type: 'batchNo', data: { format: 'string', value: 'x' } }],
    [{ index: 2000, type: 'productName', data: { format: 'string', value: '' } }],
    [{ index: 2000, type: 'productName', data: { format: 'string', value: 'x'.repeat(65) } }],
    [{ index: 1001, type: 'TEMPLATE', data: { format: 'string', value: 'valve-1.0' } }],
    [{ index: 2000, type: 'productName', data: { format: 'base64', value: 'eA==' } }],
    [{ index: 2000, type: 'productName', data: { format: 'string', value: 'a\u0001b' } }],
    [{ index: 2000, type: 'productName', data: { format: 'string', value: 'x' } }, { index: 2000, type: 'productName', data: { format: 'string', value: 'y' } }],
  ];
  for (const value of cases) {
    const reply = await snms(node, 'POST', '/identityv2/data', { token, body: record(value) });
    t.is(reply.status, 200);
    t.is(reply.json.status, -2, JSON.stringify(value));
  }
  const noTemplate = await snms(node, 'POST', '/identityv2/data', { token, body: record([{ index: 2000, type: 'productName', data: { format: 'string', value: 'x' } }], 'valve-9') });
  t.regex(noTemplate.json.message, /^模板不存在/);
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body: { templateVersion: 'valve-1.0', value: [] } })).json.message, '缺少必要的请求参数: handle');
  t.is((await node.get('/api/handles/88.118/BAD')).status, 404, 'nothing was written');
});

test('identifiers: lenient input — index as a string, "vlaue", format "String"', async (t) => {
  const { node, token } = await withTemplate(t);
  const body = { handle: '88.118/LENIENT', templateVersion: 'valve-1.0', value: [{ index: '2000', type: 'productName', data: { format: 'String', vlaue: 'ok' } }] };
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body })).json.status, 1);
  t.is((await node.get('/api/handles/88.118/LENIENT')).json.values[1].data.value, 'ok');
});

test('identifiers: detail and delete messages; PUT on a missing handle; a DELETE body is read', async (t) => {
  const { node, token } = await withTemplate(t);
  t.is((await snms(node, 'GET', '/identityv2/data/detail', { token })).text, '{"status":-2,"message":"缺少必要的请求参数: handle","data":null}');
  t.is((await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/NOPE', { token })).text, '{"status":-2,"message":"没有找到标识","data":null}');
  t.is((await snms(node, 'DELETE', '/identityv2/data', { token, body: { handle: '88.118/NOPE' } })).text, '{"status":-2,"message":"没有找到标识","data":null}');
  t.is((await snms(node, 'PUT', '/identityv2/data', { token, body: valveRecord('88.118/NOPE') })).json.message, '没有找到标识');
  t.is((await node.get('/api/handles/88.118/NOPE')).status, 404, 'PUT created nothing');
  await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/GONE') });
  t.deepEqual((await snms(node, 'DELETE', '/identityv2/data', { token, body: { handle: '88.118/GONE' } })).json, { status: 1, message: 'success', data: true });
  t.is((await node.get('/api/handles/88.118/GONE')).status, 404);
  t.is((await snms(node, 'DELETE', '/identityv2/data', { token, body: {} })).json.message, '缺少必要的请求参数: handle');
});

test('identifiers: anonymous detail reads the public values, as /api/handles does; writes need a token', async (t) => {
  const { node, token } = await withTemplate(t);
  await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/PUBLIC') });
  // A private value added through the Handle API is not shown to anonymous readers.
  t.is((await node.put('/api/handles/88.118/PUBLIC?index=1', [{ index: 1, type: 'NOTE', data: 'secret', permissions: '1100' }])).status, 201);
  const anonymous = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/PUBLIC');
  t.deepEqual(anonymous.json.data.value.map((v: { index: number }) => v.index), [1001, 2000]);
  const admin = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118/PUBLIC', { token });
  t.deepEqual(admin.json.data.value.map((v: { index: number }) => v.index), [1, 1001, 2000]);
  t.is((await snms(node, 'POST', '/identityv2/data', { body: valveRecord('88.118/ANON') })).json.status, -1);
});
