// `/snms/api/v5/template` (snms-v5-api.md §5): create, read, list, the incremental PUT, delete, and their refusals.

import test from 'ava';
import { startNode } from '../../support/node-under-test.js';
import { addAccount, adminToken, login, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';

const PATH = '/snms/api/v5/template';

test('templates: create, then GET answers the object with id, handle, state and metadataId', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  const created = await snms(node, 'POST', PATH, { token, body: valveTemplate('88.118') });
  t.deepEqual(created.json, { status: 1, message: 'success', data: true });
  const got = await snms(node, 'GET', `${PATH}?prefix=88.118&version=valve-1.0`, { token });
  t.is(got.json.status, 1);
  const data = got.json.data;
  t.is(typeof data.id, 'number');
  t.is(data.handle, `88.118/TPL-${data.id}`);
  t.is(data.name, '');
  t.like(data, { prefix: '88.118', version: 'valve-1.0', industryCategory: 'C', industrySpecific: '34', industryTrade: '344', industrySubclass: '3443', type: 1, description: '阀门产品模板' });
  t.deepEqual(data.items[0], { name: '产品名称', idType: 'productName', idIndex: 2000, required: true, state: 1, metadataId: data.id * 1000, metadata: { type: 'string', minLength: 1, maxLength: 64 } });
  t.is(data.items[1].metadataId, data.id * 1000 + 1);
  const again = await snms(node, 'POST', PATH, { token, body: valveTemplate('88.118') });
  t.deepEqual(again.json, { status: -2, message: again.json.message, data: null });
  t.regex(again.json.message, /^模板已存在/);
});

test('templates: lenient input — idIndex as a string, metadata.type "String", metadata as a one-item array, missing idIndex from 2000', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  const body = {
    prefix: '88.118',
    version: 'legacy',
    items: [
      { name: '甲', idType: 'a', idIndex: '3000', metadata: { type: 'String', minLength: '0', maxLength: '10' } },
      { name: '乙', idType: 'b', metadata: [{ type: 'string', minLength: 2, maxLength: 5 }] },
      { name: '丙', idType: 'c' },
    ],
  };
  t.is((await snms(node, 'POST', '/snms/api/v3/template', { token, body })).json.status, 1);
  const got = await snms(node, 'GET', `${PATH}?prefix=88.118&version=legacy`, { token });
  t.deepEqual(got.json.data.items.map((item: { idIndex: number }) => item.idIndex), [3000, 3001, 3002]);
  t.deepEqual(got.json.data.items[1].metadata, { type: 'string', minLength: 2, maxLength: 5 });
  t.deepEqual(got.json.data.items[2].metadata, { type: 'string', minLength: 0, maxLength: 255 });
  t.is(got.json.data.type, 2);
});

test('templates: bad templates are -2 naming the problem; a missing query parameter names itself', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  const base = valveTemplate('88.118');
  const items = base.items as Record<string, unknown>[];
  const cases: [string, Record<string, unknown>][] = [
    ['reserved index', { ...base, items: [{ ...items[0], idIndex: 1001 }] }],
    ['index below 2000', { ...base, items: [{ ...items[0], idIndex: 1999 }] }],
    ['duplicate idType', { ...base, items: [items[0], { ...items[1], idType: 'productName' }] }],
    ['duplicate index', { ...base, items: [items[0], { ...items[1], idIndex: 2000 }] }],
    ['HS_ type', { ...base, items: [{ ...items[0], idType: 'HS_ADMIN' }] }],
    ['TEMPLATE type', { ...base, items: [{ ...items[0], idType: 'template' }] }],
    ['lengths reversed', { ...base, items: [{ ...items[0], metadata: { type: 'string', minLength: 9, maxLength: 3 } }] }],
    ['over 255', { ...base, items: [{ ...items[0], metadata: { type: 'string', minLength: 0, maxLength: 256 } }] }],
    ['metadata type', { ...base, items: [{ ...items[0], metadata: { type: 'number' } }] }],
    ['bad industry', { ...base, industryCategory: 'CC' }],
    ['bad type', { ...base, type: 3 }],
    ['no items', { ...base, items: [] }],
    ['unknown prefix', { ...base, prefix: '88.999' }],
  ];
  for (const [name, body] of cases) {
    const reply = await snms(node, 'POST', PATH, { token, body });
    t.is(reply.status, 200, name);
    t.is(reply.json.status, -2, `${name}: ${reply.text}`);
    t.is(reply.json.data, null, name);
  }
  t.is((await snms(node, 'POST', PATH, { token, body: { version: 'x', items: [] } })).json.message, '缺少必要的请求参数: prefix');
  t.is((await snms(node, 'GET', `${PATH}?prefix=88.118`, { token })).json.message, '缺少必要的请求参数: version');
  const missing = await snms(node, 'GET', `${PATH}?prefix=88.118&version=nothing`, { token });
  t.is(missing.json.status, -2);
  t.regex(missing.json.message, /^模板不存在/);
  t.is((await snms(node, 'GET', `${PATH}?prefix=88.118&version=valve-1.0`)).json.status, -1, 'no token');
});

test('templates: PUT is incremental — modify by idIndex+idType, add new items, keep the others, disable but never remove', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  await snms(node, 'POST', PATH, { token, body: valveTemplate('88.118') });
  const put = await snms(node, 'PUT', PATH, {
    token,
    body: { prefix: '88.118', version: 'valve-1.0', description: '新说明', items: [{ idType: 'batchNo', idIndex: '2001', state: 0 }, { name: '颜色', idType: 'color' }] },
  });
  t.deepEqual(put.json, { status: 1, message: 'success', data: true });
  const got = (await snms(node, 'GET', `${PATH}?prefix=88.118&version=valve-1.0`, { token })).json.data;
  t.is(got.description, '新说明');
  t.is(got.industryCategory, 'C', 'fields not sent stay');
  t.deepEqual(
    got.items.map((item: { idType: string; idIndex: number; state: number; required: boolean }) => [item.idType, item.idIndex, item.state, item.required]),
    [['productName', 2000, 1, true], ['batchNo', 2001, 0, false], ['color', 2002, 1, false]],
  );
  const wrongType = await snms(node, 'PUT', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0', items: [{ idType: 'other', idIndex: 2000 }] } });
  t.is(wrongType.json.status, -2);
  const dupType = await snms(node, 'PUT', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0', items: [{ name: 'x', idType: 'color' }] } });
  t.is(dupType.json.status, -2);
  const missing = await snms(node, 'PUT', PATH, { token, body: { prefix: '88.118', version: 'nope', items: [] } });
  t.regex(missing.json.message, /^模板不存在/);
});

test('templates: once records use a version it cannot be deleted and its items only renamed or switched; unused it can be deleted', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  await snms(node, 'POST', PATH, { token, body: valveTemplate('88.118') });
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/VALVE-1') })).json.status, 1);
  const deleted = await snms(node, 'DELETE', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0' } });
  t.is(deleted.json.status, -2);
  t.regex(deleted.json.message, /模板已被1个标识使用/);
  const stricter = await snms(node, 'PUT', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0', items: [{ idType: 'productName', idIndex: 2000, metadata: { minLength: 10, maxLength: 64 } }] } });
  t.is(stricter.json.status, -2);
  const newRequired = await snms(node, 'PUT', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0', items: [{ name: '新', idType: 'extra', required: true }] } });
  t.is(newRequired.json.status, -2);
  const renamed = await snms(node, 'PUT', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0', items: [{ name: '品名', idType: 'productName', idIndex: 2000 }, { idType: 'batchNo', idIndex: 2001, state: 0 }] } });
  t.is(renamed.json.status, 1);
  // The record goes, and with it the last use: now the version may be deleted.
  t.is((await snms(node, 'DELETE', '/identityv2/data', { token, body: { handle: '88.118/VALVE-1' } })).json.status, 1);
  t.deepEqual((await snms(node, 'DELETE', PATH, { token, body: { prefix: '88.118', version: 'valve-1.0' } })).json, { status: 1, message: 'success', data: true });
  t.is((await snms(node, 'GET', `${PATH}?prefix=88.118&version=valve-1.0`, { token })).json.status, -2);
});

test('templates: the page lists a prefix\'s templates; a reviewer may read, an account without the prefix may not', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  for (const version of ['v1', 'v2', 'v3']) await snms(node, 'POST', PATH, { token, body: valveTemplate('88.118', version) });
  const page = await snms(node, 'GET', `${PATH}/page?prefix=88.118&currentPage=2&pageSize=2`, { token });
  t.like(page.json.data, { first: false, last: true, totalPages: 2, totalElements: 3, number: 2, size: 2, sort: null, numberOfElements: 1 });
  t.is(page.json.data.content[0].version, 'v3');
  await addAccount(node, 'rev', 'reviewer-password', 'reviewer');
  const reviewer = await login(node, 'rev', 'reviewer-password');
  t.is((await snms(node, 'GET', `${PATH}?prefix=88.118&version=v1`, { token: reviewer })).json.status, 1);
  t.is((await snms(node, 'POST', PATH, { token: reviewer, body: valveTemplate('88.118', 'v9') })).json.status, -3);
  await addAccount(node, 'loner', 'loner-password', 'enterprise');
  const loner = await login(node, 'loner', 'loner-password');
  t.is((await snms(node, 'GET', `${PATH}?prefix=88.118&version=v1`, { token: loner })).json.status, -3);
  t.is((await snms(node, 'GET', `${PATH}/page?prefix=88.118&pageSize=500`, { token })).json.status, -2);
});
