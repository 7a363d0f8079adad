// Calls between nodes (src/hierarchy/peer-client.ts) and the circuit breakers in front of them.

import { createServer, type Socket } from 'node:net';
import test from 'ava';
import { CircuitBreakers } from '../../src/hierarchy/circuit-breakers.js';
import { PeerClient, PeerFailure } from '../../src/hierarchy/peer-client.js';
import { TestClock } from '../support/node-under-test.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\n{"ok":true}';

test('peer client: a kept-alive connection the peer drops as it is reused is retried once on a new one', async (t) => {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    const index = connections.push(socket) - 1;
    let requests = 0;
    socket.on('data', () => {
      requests += 1;
      // The first connection is closed by the peer when its second request comes (its keep-alive timeout, say).
      if (index === 0 && requests === 2) socket.destroy();
      else socket.write(OK);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new PeerClient({ timeoutMs: 2000 });
  t.teardown(() => {
    client.close();
    for (const socket of connections) socket.destroy();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/site`;
  t.deepEqual((await client.call(url, { method: 'GET' })).json, { ok: true });
  const again = await client.call(url, { method: 'GET' });
  t.deepEqual([again.status, again.json], [200, { ok: true }]);
  t.is(connections.length, 2, 'the retry went over a new connection');
});

test('peer client: a peer that refuses is a connection failure, one that does not answer a timeout', async (t) => {
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const client = new PeerClient({ timeoutMs: 200 });
  t.teardown(() => {
    client.close();
    silent.close();
  });
  const timeout = await t.throwsAsync(client.call(`http://127.0.0.1:${port}/x`, { method: 'GET' }));
  t.is((timeout as PeerFailure).reason, 'timeout');
  silent.close();
  const refused = await t.throwsAsync(client.call('http://127.0.0.1:1/x', { method: 'GET' }));
  t.is((refused as PeerFailure).reason, 'connection');
});

test('circuit breakers: open after the failures in a row, refuse until the open time passed, then one trial decides', (t) => {
  const clock = new TestClock();
  const breakers = new CircuitBreakers({ failures: 3, openMs: 1000, nowMs: clock.nowMs });
  const peer = 'http://127.0.0.1:1';
  for (let i = 0; i < 2; i += 1) {
    t.true(breakers.admit(peer));
    breakers.failed(peer);
  }
  breakers.succeeded(peer);
  t.false(breakers.isOpen(peer), 'a success in between starts the count again');
  for (let i = 0; i < 3; i += 1) breakers.failed(peer);
  t.true(breakers.isOpen(peer));
  t.is(breakers.openCount, 1);
  t.false(breakers.admit(peer));
  clock.advance(999);
  t.false(breakers.admit(peer));
  clock.advance(1);
  t.true(breakers.admit(peer), 'half-open: one trial');
  t.false(breakers.admit(peer), 'and only one at a time');
  breakers.failed(peer);
  t.false(breakers.admit(peer), 'a failed trial opens it again');
  clock.advance(1000);
  t.true(breakers.admit(peer));
  breakers.succeeded(peer);
  t.true(breakers.admit(peer));
  t.is(breakers.openCount, 0);
  t.true(breakers.admit('http://127.0.0.1:2'), 'each peer has its own circuit');
});

test('circuit breakers: a bounded number of peers is remembered', (t) => {
  const breakers = new CircuitBreakers({ failures: 1, openMs: 1000, nowMs: () => 0, maxPeers: 4 });
  for (let i = 0; i < 10; i += 1) breakers.failed(`http://127.0.0.1:${i}`);
  t.true(breakers.openCount <= 4);
  t.true(breakers.isOpen('http://127.0.0.1:9'));
});
