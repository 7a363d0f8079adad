// Status -4 (snms-v5-api.md §2): a failure of the node, not of the request — 系统繁忙, HTTP 200, Retry-After.

import test from 'ava';
import { startNode } from '../../support/node-under-test.js';
import { adminToken, snms, valveRecord, valveTemplate } from '../../support/snms-client.js';
import { sqliteOnlyTest } from '../../support/engine-test.js';

sqliteOnlyTest('snms: a full store answers -4 系统繁忙 with HTTP 200 and Retry-After, and the write is not half-done', async (t) => {
  const node = await startNode(t, { IDNODE_STORE_MAX_BYTES: String(512 * 1024) });
  const token = await adminToken(node);
  t.is((await snms(node, 'POST', '/snms/api/v5/template', { token, body: valveTemplate('88.118') })).json.status, 1);
  const big = Array.from({ length: 8 }, (_, i) => ({ index: 10 + i, type: 'NOTE', data: 'x'.repeat(1000) }));
  let full = false;
  for (let i = 0; i < 2000 && !full; i += 1) full = (await node.put(`/api/handles/88.118/FILL-${i}`, big)).status === 503;
  t.true(full, 'the store filled up');
  // Small records may still fit in the last pages' free space: register until the store refuses.
  for (let i = 0; i < 500; i += 1) {
    const reply = await snms(node, 'POST', '/identityv2/data', { token, body: valveRecord(`88.118/SMALL-${i}`) });
    t.is(reply.status, 200);
    if (reply.json.status === 1) continue;
    t.is(reply.text, '{"status":-4,"message":"系统繁忙","data":null}');
    t.is(reply.headers['retry-after'], '1');
    t.is((await node.get(`/api/handles/88.118/SMALL-${i}`)).status, 404);
    return;
  }
  t.fail('the store never refused a write');
});
