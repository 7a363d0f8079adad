// The writer thread (issue 13): writes are acknowledged only after their COMMIT, reads never wait for one, and a
// commit's keys leave every cache before any of its writes is answered.

import test from 'ava';
import { startNode } from '../support/node-under-test.js';
import { CommitGate } from '../support/commit-gate.js';
import { committedRow } from '../support/store-file.js';

test('writer thread: a PUT is answered only after its COMMIT; reads are answered while that COMMIT is held, never from a stale cache after it', async (t) => {
  const gate = new CommitGate();
  const node = await startNode(t, {}, undefined, { commitGate: gate.buffer });
  gate.openAtTeardown(t);
  await node.register(t, '88.118/HELD-A');
  t.is((await node.get('/api/handles/88.118/HELD-B')).status, 404, 'a not-found answer is cached for B');

  gate.close();
  let answered = false;
  const put = node.put('/api/handles/88.118/HELD-B', [{ index: 1, type: 'URL', data: 'https://example.cn/b' }]).then((reply) => {
    answered = true;
    // The moment the answer arrives, another connection sees the row: it was committed before it was acknowledged.
    return { reply, visible: committedRow(node.config.dbPath, '88.118', 'HELD-B') };
  });
  await gate.holding();
  // The writer holds an open transaction with B in it, ready to commit. The event loop is free: reads are answered.
  t.is((await node.get('/api/handles/88.118/HELD-A')).status, 200);
  t.is((await node.get('/api/handles/88.118/HELD-B')).status, 404, 'an uncommitted write is not visible');
  t.false(committedRow(node.config.dbPath, '88.118', 'HELD-B'));
  t.false(answered, 'the PUT is not answered before its COMMIT');

  gate.open();
  const { reply, visible } = await put;
  t.is(reply.status, 201);
  t.true(visible);
  // The cached 404 was dropped before the PUT was answered.
  t.is((await node.get('/api/handles/88.118/HELD-B')).status, 200);
});

test('writer thread: errors keep their catalog code across the thread, and a failed write leaves nothing', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/DUP');
  const again = await node.put('/api/handles/88.118/DUP?overwrite=false', [{ index: 1, type: 'URL', data: 'https://example.cn/x' }]);
  t.is(again.status, 409);
  t.is((JSON.parse(again.text) as { responseCode: number }).responseCode, 101);
  const unhomed = await node.put('/api/handles/77.1/X', [{ index: 1, type: 'URL', data: 'https://example.cn/x' }]);
  t.is(JSON.parse(unhomed.text).responseCode, 301);
  t.false(committedRow(node.config.dbPath, '77.1', 'X'));
});

test('writer thread: a store in memory writes on the node’s own connection (no thread can share it)', async (t) => {
  const node = await startNode(t, { IDNODE_DB_PATH: ':memory:' });
  await node.register(t, '88.118/MEM');
  t.is((await node.get('/api/handles/88.118/MEM')).status, 200);
  t.is(node.node.writes.kind, 'local');
});

test('writer thread: IDNODE_WRITER_THREAD=false writes on the event loop (the bench compares both), a file store on the thread by default', async (t) => {
  const local = await startNode(t, { IDNODE_WRITER_THREAD: 'false' });
  await local.register(t, '88.118/LOCAL');
  t.is((await local.get('/api/handles/88.118/LOCAL')).status, 200);
  t.is(local.node.writes.kind, 'local');
  const threaded = await startNode(t);
  t.is(threaded.node.writes.kind, 'thread');
});

test('writer thread: when the thread dies, writes are refused with 503/STORE_UNAVAILABLE and nothing is written, readiness fails, reads go on', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/BEFORE');
  // On PostgreSQL the thread's channel is wrapped by SettledWriteChannel (write-channel.ts), which also waits for the
  // other processes over the database before an acknowledgement.
  const channel = node.node.writes as unknown as { inner?: unknown };
  const worker = ((channel.inner ?? channel) as { worker: { terminate(): Promise<number> } }).worker;
  await worker.terminate();
  await new Promise((resolve) => setImmediate(resolve));
  t.false(node.node.writes.healthy);
  const refused = await node.put('/api/handles/88.118/AFTER', [{ index: 1, type: 'URL', data: 'https://example.cn/after' }]);
  t.is(refused.status, 503);
  t.is(refused.json?.responseCode, 3);
  t.false(committedRow(node.config.dbPath, '88.118', 'AFTER'));
  t.is((await node.get('/readyz')).status, 503);
  t.is((await node.get('/api/handles/88.118/BEFORE')).status, 200);
});
