// The product page names a template record's values by the SNMS template's item names (issue 15 with issue 12).

import test from 'ava';
import { startNode } from '../../support/node-under-test.js';
import { adminToken, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';

test('product page: a record made from an SNMS template shows each value under its item name, the type beside it', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') })).json.status, 1);
  t.is((await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord('88.118/VALVE-P1', 'DN50 <闸阀>') })).json.status, 1);
  const page = await node.get('/88.118/VALVE-P1', { headers: { 'Accept-Language': 'zh-CN' } });
  t.is(page.status, 200, page.text);
  t.regex(page.text, /<dt>产品名称<span class="type">productName<\/span><\/dt><dd>DN50 &lt;闸阀&gt;/);

  // Without a template, or naming one that does not exist: the type names.
  await node.register(t, '88.118/PLAIN-P1', 'https://example.cn/p');
  t.is((await node.put('/api/handles/88.118/ORPHAN-P1', [{ index: 1001, type: 'TEMPLATE', data: 'gone-9.9' }, { index: 2000, type: 'productName', data: 'x' }])).status, 201);
  const orphan = await node.get('/88.118/ORPHAN-P1');
  t.is(orphan.status, 200);
  t.regex(orphan.text, /<dt>productName<\/dt>/);
  t.notRegex(orphan.text, /产品名称/);
});
