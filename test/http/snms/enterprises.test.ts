// Enterprise applications, review and prefix allocation (snms-v5-api.md §6, §7): states, records, pages, permissions.

import test from 'ava';
import { basicAuth, startNode } from '../../support/node-under-test.js';
import { addAccount, adminToken, application, approvedEnterprise, login, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';

test('enterprises: apply (state 4), review (5), approve (1) allocates 0.NA/<prefix> with the enterprise as administrator', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  t.deepEqual((await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 1) })).json, { status: 1, message: 'success', data: true });
  const state = async (): Promise<number> => (await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.8', { token: admin })).json.data.status;
  t.is(await state(), 4);
  t.is((await node.get('/api/handles/0.NA/88.118.8')).status, 404, 'nothing is allocated before approval');
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'review' } })).json.status, 1);
  t.is(await state(), 5);
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'approve' } })).json.status, 1);
  t.is(await state(), 1);
  const record = await node.get('/api/handles/0.NA/88.118.8');
  t.is(record.status, 200);
  t.deepEqual(record.json.values[0].data, { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions: '110001110011' } });
  const again = await snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'approve' } });
  t.is(again.json.status, -2, 'approving twice is refused');
  // The enterprise user now writes under its prefix: templates and identifiers.
  const user = await login(node, 'ent1', 'ent1-password');
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token: user, body: valveTemplate('88.118.8') })).json.status, 1);
  t.is((await snms(node, 'POST', '/identityv2/data', { token: user, body: valveRecord('88.118.8/VALVE-1') })).json.status, 1);
});

test('enterprises: the prefix query answers the reference\'s fields; the pages filter and count from 1', async (t) => {
  const node = await startNode(t, { IDNODE_GHR_NAME: '工业互联网标识解析国家顶级节点--武汉' });
  const admin = await adminToken(node);
  await approvedEnterprise(node, admin, '88.118.8', 1);
  node.clock.advance(2 * 3_600_000);
  await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.9', 2) });
  const query = await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.8', { token: admin });
  t.deepEqual(query.json.data, {
    prefix: '88.118.8',
    createDate: '2026-01-15 16:00:00',
    ghrName: '工业互联网标识解析国家顶级节点--武汉',
    status: 1,
    entNameCn: '某阀门有限公司1',
    entWebSite: 'https://valveco.example',
    entSite: 'https://valveco.example',
    entIndustry: 'C',
    entAddrCn: '高新大道100号',
    entDesc: null,
  });
  const prefixes = await snms(node, 'GET', '/snms/api/prefix/page?currentPage=1&pageSize=1', { token: admin });
  t.like(prefixes.json.data, { first: true, last: false, totalPages: 2, totalElements: 2, number: 1, size: 1, numberOfElements: 1 });
  t.like(prefixes.json.data.content[0], { entPrefix: '88.118.9', entName: '某阀门有限公司2', state: 4, proxyState: 1 });
  const byName = await snms(node, 'GET', `/snms/api/prefix/page?entName=${encodeURIComponent('公司1')}`, { token: admin });
  t.deepEqual(byName.json.data.content.map((p: { entPrefix: string }) => p.entPrefix), ['88.118.8']);
  const byDate = await snms(node, 'GET', `/snms/api/prefix/page?startDate=${encodeURIComponent('2026-01-15 17:00:00')}`, { token: admin });
  t.deepEqual(byDate.json.data.content.map((p: { entPrefix: string }) => p.entPrefix), ['88.118.9']);
  const likeIsLiteral = await snms(node, 'GET', '/snms/api/prefix/page?entPrefix=%25', { token: admin });
  t.is(likeIsLiteral.json.data.totalElements, 0, '% is a character, not a wildcard');
  const enterprises = await snms(node, 'GET', '/snms/api/v3/ent/page?orgName=%E5%85%AC%E5%8F%B8', { token: admin });
  t.is(enterprises.json.data.totalElements, 2);
  t.like(enterprises.json.data.content[1], { orgName: '某阀门有限公司1', orgNature: '2', orgCrtType: '1', orgDesc: null, website: 'https://valveco.example', openIds: [], createDate: '2026-01-15 16:00:00' });
  const detail = await snms(node, 'GET', `/snms/api/v3/ent/detail?id=${enterprises.json.data.content[1].id}`, { token: admin });
  t.is(detail.json.data.entBasicInfo.entPrefix, '88.118.8');
  t.is(detail.json.data.entRegisterManageInfo.entInfoSyses.length, 4);
  t.is(detail.json.data.entHostingAndIdentifyServeInfo, null);
  t.is((await snms(node, 'GET', '/snms/api/prefix/page?startDate=yesterday', { token: admin })).json.status, -2);
  t.is((await snms(node, 'GET', '/snms/api/prefix/query', { token: admin })).json.message, '缺少必要的请求参数: prefix');
});

test('enterprises: applications are validated field by field and refused when a prefix, credential or user is taken', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const base = application('88.118.8', 1);
  const basic = base.entBasicInfo as Record<string, unknown>;
  const register = base.entRegisterManageInfo as Record<string, unknown>;
  const missingSys = { ...register, entInfoSyses: (register.entInfoSyses as unknown[]).slice(0, 3) };
  const { orgName: _omitted, ...withoutName } = basic;
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no orgName', { ...base, entBasicInfo: withoutName }, /^缺少必要的请求参数: entBasicInfo\.orgName$/],
    ['bad nature', { ...base, entBasicInfo: { ...basic, orgNature: 9 } }, /orgNature/],
    ['bad region', { ...base, entBasicInfo: { ...basic, orgAddrCity: '3601' } }, /orgAddrCity/],
    ['sysType 4 missing', { ...base, entRegisterManageInfo: missingSys }, /entInfoSyses/],
    ['on-premises without address', { ...base, entRegisterManageInfo: { ...register, entInfoSyses: [...(register.entInfoSyses as unknown[]).slice(0, 3), { sysType: 4, deployMode: 1 }] } }, /deployAddr/],
    ['prefix outside the node', { ...base, entBasicInfo: { ...basic, entPrefix: '88.119.8' } }, /under the node prefix/],
    ['the node prefix itself', { ...base, entBasicInfo: { ...basic, entPrefix: '88.118' } }, /under the node prefix/],
    ['a look-alike prefix', { ...base, entBasicInfo: { ...basic, entPrefix: '88.1180' } }, /under the node prefix/],
    ['no sysUser', { entBasicInfo: basic, entRegisterManageInfo: register }, /^缺少必要的请求参数: sysUser$/],
    ['password not hashed', { ...base, sysUser: { ...(base.sysUser as object), password: 'plain' } }, /password/],
  ];
  for (const [name, body, message] of cases) {
    const reply = await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body });
    t.is(reply.json.status, -2, `${name}: ${reply.text}`);
    t.regex(reply.json.message, message, name);
  }
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: base })).json.status, 1);
  const samePrefix = await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 2) });
  t.regex(samePrefix.json.message, /^前缀已存在/);
  const sameCode = await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: { ...application('88.118.9', 3), entBasicInfo: { ...basic, entPrefix: '88.118.9' } } });
  t.regex(sameCode.json.message, /^企业已存在/);
  const sameUser = await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: { ...application('88.118.9', 4), sysUser: base.sysUser } });
  t.regex(sameUser.json.message, /^用户已存在/);
  t.is((await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.9', { token: admin })).json.status, -2, 'refused applications left nothing');
});

test('enterprises: reject needs a reason; upgrade-apply submits a rejected prefix again and adds new ones up to the quota', async (t) => {
  const node = await startNode(t, { IDNODE_QUOTA_PREFIXES_PER_ENTERPRISE: '2' });
  const admin = await adminToken(node);
  await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 1) });
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'reject' } })).json.message, '缺少必要的请求参数: reason');
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix: '88.118.8', action: 'reject', reason: '材料不全' } })).json.status, 1);
  const user = await login(node, 'ent1', 'ent1-password');
  const { sysUser: _user, ...body } = application('88.118.8', 1);
  const resubmit = await snms(node, 'POST', '/snms/api/v3/ent/upgrade-apply', { token: user, body: { ...body, username: 'ent1' } });
  t.is(resubmit.json.status, 1);
  t.is((await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.8', { token: user })).json.data.status, 4);
  const second = { ...body, username: 'ent1', entBasicInfo: { ...(body.entBasicInfo as object), entPrefix: '88.118.80' } };
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/upgrade-apply', { token: user, body: second })).json.status, 1);
  const third = { ...body, username: 'ent1', entBasicInfo: { ...(body.entBasicInfo as object), entPrefix: '88.118.81' } };
  const refused = await snms(node, 'POST', '/snms/api/v3/ent/upgrade-apply', { token: user, body: third });
  t.is(refused.json.status, -2);
  t.is(refused.json.message, '超过企业前缀数量限额');
  const page = await snms(node, 'GET', '/snms/api/prefix/page', { token: user });
  t.deepEqual(page.json.data.content.map((p: { entPrefix: string }) => p.entPrefix).sort(), ['88.118.8', '88.118.80']);
  await addAccount(node, 'other', 'other-password', 'enterprise');
  const other = await login(node, 'other', 'other-password');
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/upgrade-apply', { token: other, body: { ...body, username: 'ent1' } })).json.status, -3);
  t.is((await snms(node, 'GET', '/snms/api/prefix/page', { token: other })).json.data.totalElements, 0, 'a user without an enterprise sees no prefixes');
});

test('enterprises: an enterprise user of 88.118.8 never writes to or reads admin-only data of 88.118.80', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const eight = await approvedEnterprise(node, admin, '88.118.8', 1);
  const eighty = await approvedEnterprise(node, admin, '88.118.80', 2);
  for (const [token, prefix] of [[eight, '88.118.8'], [eighty, '88.118.80']] as const) {
    t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate(prefix) })).json.status, 1);
    t.is((await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord(`${prefix}/V-1`) })).json.status, 1);
  }
  t.is((await node.put('/api/handles/88.118.80/V-1?index=5', [{ index: 5, type: 'NOTE', data: 'private', permissions: '1100' }])).status, 201);
  const writes = [
    snms(node, 'POST', '/identityv2/data', { token: eight, body: valveRecord('88.118.80/V-2') }),
    snms(node, 'PUT', '/identityv2/data', { token: eight, body: valveRecord('88.118.80/V-1', 'stolen') }),
    snms(node, 'DELETE', '/identityv2/data', { token: eight, body: { handle: '88.118.80/V-1' } }),
    snms(node, 'POST', '/snms/api/v5/template', { token: eight, body: valveTemplate('88.118.80', 'v2') }),
    snms(node, 'DELETE', '/snms/api/v5/template', { token: eight, body: { prefix: '88.118.80', version: 'valve-1.0' } }),
    snms(node, 'POST', '/snms/api/ent/config', { token: eight, body: { proxyServerId: 1, entPrefixConfig: { entPrefix: '88.118.80' } } }),
  ];
  for (const reply of await Promise.all(writes)) t.is(reply.json.status, -3, reply.text);
  const batch = await snms(node, 'POST', '/identityv2/data/batchCreate', { token: eight, body: [valveRecord('88.118.80/V-3'), valveRecord('88.118.8/V-3')] });
  t.deepEqual(batch.json.data.map((r: { code: number }) => r.code), [-3, 1]);
  const reads = [
    snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.80', { token: eight }),
    snms(node, 'GET', '/snms/api/v5/template?prefix=88.118.80&version=valve-1.0', { token: eight }),
  ];
  for (const reply of await Promise.all(reads)) t.is(reply.json.status, -3, reply.text);
  const detail = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118.80/V-1', { token: eight });
  t.deepEqual(detail.json.data.value.map((v: { index: number }) => v.index), [1001, 2000], 'public values only, as anyone reads them');
  const own = await snms(node, 'GET', '/identityv2/data/detail?handle=88.118.80/V-1', { token: eighty });
  t.deepEqual(own.json.data.value.map((v: { index: number }) => v.index), [5, 1001, 2000]);
  const enterprises = await snms(node, 'GET', '/snms/api/v3/ent/page', { token: eight });
  t.is(enterprises.json.data.totalElements, 1);
  const otherId = (await snms(node, 'GET', '/snms/api/v3/ent/page', { token: eighty })).json.data.content[0].id;
  t.is((await snms(node, 'GET', `/snms/api/v3/ent/detail?id=${otherId}`, { token: eight })).json.status, -3);
  t.is((await snms(node, 'GET', '/snms/api/v3/ent/detail', { token: eight })).json.data.entBasicInfo.entPrefix, '88.118.8');
  t.is((await node.get('/api/handles/88.118.80/V-1')).json.values.find((v: { index: number }) => v.index === 2000).data.value, 'DN50 闸阀');
});

test('enterprises: an account and a Handle identity administering the same prefix have the same rights', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  const user = await approvedEnterprise(node, admin, '88.118.8', 1);
  // The operator gives the enterprise's identity 300:0.NA/88.118.8 a secret, as `idnode secret 88.118.8` would.
  const secret = 'enterprise-secret-0001';
  const record = (await node.get('/api/handles/0.NA/88.118.8')).json.values;
  t.is((await node.put('/api/handles/0.NA/88.118.8', [...record, { index: 300, type: 'HS_SECKEY', data: secret, permissions: '1100' }])).status, 200);
  const auth = { identity: '300:0.NA/88.118.8', secret };
  t.is((await node.put('/api/handles/88.118.8/H-1', [{ index: 1, type: 'URL', data: 'https://e.cn/1' }], { auth })).status, 201);
  t.is((await node.put('/api/handles/88.118/H-1', [{ index: 1, type: 'URL', data: 'https://e.cn/1' }], { auth })).status, 403);
  t.is((await node.put('/api/handles/0.NA/88.118.8.1', [], { auth })).status, 403, 'no derived prefixes, for the identity…');
  t.is((await snms(node, 'PUT', '/identityv2/data', { token: user, body: valveRecord('88.118.8/H-1') })).json.status, -2, '…nor rights the account lacks: no template yet, but allowed to try');
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token: user, body: valveTemplate('88.118.8') })).json.status, 1);
  t.is((await snms(node, 'PUT', '/identityv2/data', { token: user, body: valveRecord('88.118.8/H-1') })).json.status, 1, 'the account updates what the identity created');
  t.is((await node.delete('/api/handles/88.118.8/H-1', { auth })).status, 200, 'and the identity deletes it');
  t.is((await node.request('GET', '/api/handles/88.118.8/H-1', { headers: { authorization: basicAuth(auth.identity, auth.secret) } })).status, 404);
});
