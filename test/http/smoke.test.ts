// The shortest end-to-end path: register a handle, resolve it.

import test from 'ava';
import { startNode } from '../support/node-under-test.js';

test('handles api: a registered handle resolves with its value', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/PUMP-1', 'https://example.cn/p/1');
  const reply = await node.get('/api/handles/88.118/pump-1');
  t.is(reply.status, 200);
  t.is(reply.json.responseCode, 1);
  t.is(reply.json.handle, '88.118/pump-1');
  t.deepEqual(reply.json.values.map((v: { data: { value: string } }) => v.data.value), ['https://example.cn/p/1']);
});
