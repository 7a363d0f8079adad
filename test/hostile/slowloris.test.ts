// Slow clients (issue 3 "Abuse and load"): hundreds of sockets dribbling request headers a byte at a time are closed
// within the configured headers timeout, while a real client keeps its latency.

import { connect, type Socket } from 'node:net';
import test from 'ava';
import { startNode } from '../support/node-under-test.js';
import { KeepAliveClient } from './wire.js';

const HEADERS_TIMEOUT_MS = 1_000; // the smallest IDNODE_HEADERS_TIMEOUT_MS accepted
const SLOW_SOCKETS = 300;
const BYTE_EVERY_MS = 200;
/** Headers timeout plus the server's checking interval (a quarter of the timeout), with room for a busy machine. */
const CLOSED_WITHIN_MS = 3_000;

interface SlowSocket {
  readonly socket: Socket;
  readonly openedAt: number;
  sent: number;
  closedAfterMs: number | null;
  received: string;
}

// Serial: the real client's latency is measured in this process, so nothing else of the file runs beside it.
test.serial('slowloris: 300 sockets sending headers a byte every 200 ms are closed within the headers timeout; a real client keeps p99 < 100 ms and only 200s', async (t) => {
  t.timeout(30_000);
  const node = await startNode(t, { IDNODE_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) });
  const client = new KeepAliveClient(t, node);
  t.is((await client.request('PUT', '/api/handles/88.118/REAL', { body: JSON.stringify([{ index: 1, type: 'URL', data: 'https://example.cn/real' }]), auth: 'admin' })).status, 201);

  // A request head that never ends: the blank line that would complete it is never sent.
  const head = Buffer.from(`GET /api/handles/88.118/REAL HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(200)}`);
  const slow: SlowSocket[] = [];
  for (let i = 0; i < SLOW_SOCKETS; i += 1) {
    const entry: SlowSocket = { socket: connect({ host: node.host, port: node.port }), openedAt: performance.now(), sent: 0, closedAfterMs: null, received: '' };
    entry.socket.on('data', (chunk: Buffer) => {
      entry.received += chunk.toString('latin1');
    });
    entry.socket.on('error', () => {
      // A reset while dribbling means the server gave up on us, which is the point.
    });
    entry.socket.on('close', () => {
      entry.closedAfterMs = performance.now() - entry.openedAt;
    });
    slow.push(entry);
  }
  t.teardown(() => {
    for (const { socket } of slow) socket.destroy();
  });
  const dribble = setInterval(() => {
    for (const entry of slow) {
      if (entry.closedAfterMs === null && entry.socket.writable && entry.sent < head.length) {
        entry.socket.write(head.subarray(entry.sent, entry.sent + 1));
        entry.sent += 1;
      }
    }
  }, BYTE_EVERY_MS);
  t.teardown(() => clearInterval(dribble));

  // Meanwhile a real client resolves in a loop until every slow socket is gone (or the deadline passes), and for at
  // least the whole headers timeout and a bit, so the moment the server drops them all is inside the window.
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  const deadline = CLOSED_WITHIN_MS + 1_000;
  while (performance.now() - started < deadline && (performance.now() - started < 2_500 || slow.some((entry) => entry.closedAfterMs === null))) {
    const sent = performance.now();
    const reply = await client.request('GET', '/api/handles/88.118/REAL');
    latenciesMs.push(performance.now() - sent);
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
  }
  clearInterval(dribble);

  const open = slow.filter((entry) => entry.closedAfterMs === null).length;
  t.is(open, 0, `${open} slow sockets were still open after ${deadline} ms`);
  const late = slow.filter((entry) => (entry.closedAfterMs ?? Infinity) > CLOSED_WITHIN_MS);
  t.is(late.length, 0, `closed after ${late.map((entry) => Math.round(entry.closedAfterMs ?? -1)).slice(0, 5).join(', ')} ms`);
  // Not before the timeout either: the server waited for the headers as configured, then answered 408.
  const early = slow.filter((entry) => (entry.closedAfterMs ?? 0) < HEADERS_TIMEOUT_MS - 100);
  t.is(early.length, 0, `${early.length} slow sockets were closed before the headers timeout`);
  t.true(slow.every((entry) => entry.received.startsWith('HTTP/1.1 408 ')), 'every slow socket is answered 408');
  t.true(slow.every((entry) => entry.sent < head.length), 'no slow socket got to finish its headers');

  latenciesMs.sort((a, b) => a - b);
  const p99 = latenciesMs[Math.floor(latenciesMs.length * 0.99)] ?? Infinity;
  t.log(`${latenciesMs.length} resolutions, p50 ${latenciesMs[Math.floor(latenciesMs.length / 2)]?.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  t.true(latenciesMs.length >= 100, `only ${latenciesMs.length} resolutions ran`);
  t.deepEqual([...statuses.keys()], [200]);
  t.true(p99 < 100, `p99 ${p99.toFixed(1)} ms`);
});

test('slowloris: connections that never send a byte are closed within the headers timeout too', async (t) => {
  t.timeout(30_000);
  const node = await startNode(t, { IDNODE_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) });
  const closed = await Promise.all(
    Array.from(
      { length: 100 },
      () =>
        new Promise<{ afterMs: number; received: string }>((resolve) => {
          const openedAt = performance.now();
          const socket = connect({ host: node.host, port: node.port });
          let received = '';
          // Read the answer: a paused socket would never see the server's FIN.
          socket.on('data', (chunk: Buffer) => {
            received += chunk.toString('latin1');
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve({ afterMs: performance.now() - openedAt, received }));
          const giveUp = setTimeout(() => socket.destroy(), CLOSED_WITHIN_MS + 2_000);
          socket.on('close', () => clearTimeout(giveUp));
        }),
    ),
  );
  const slowest = Math.max(...closed.map((c) => c.afterMs));
  t.true(slowest <= CLOSED_WITHIN_MS, `the last idle connection was closed after ${Math.round(slowest)} ms`);
  t.true(closed.every((c) => c.received.startsWith('HTTP/1.1 408 ')), 'every idle connection is answered 408');
});
