// Who is asking: the peer, or behind a trusted proxy the rightmost untrusted X-Forwarded-For hop — never a forged one.

import type { IncomingMessage } from 'node:http';
import test from 'ava';
import { clientAddressing } from '../../src/http/client-address.js';
import { clientNetwork } from '../../src/network/addresses.js';

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

/** Buckets are the networks themselves here, so a test reads which network a request was charged to. */
const networks: string[] = [];
const bucketOf = (network: string): number => {
  const at = networks.indexOf(network);
  return at >= 0 ? at : networks.push(network) - 1;
};

test('client address: a forged X-Forwarded-For from an untrusted peer changes nothing', (t) => {
  const clients = clientAddressing([], bucketOf);
  const req = request('198.51.100.7', '203.0.113.9');
  t.is(clients.address(req), '198.51.100.7');
  t.is(clients.network(req), '198.51.100.0/24');
  t.is(clients.bucket(req), bucketOf('198.51.100.0/24'));
});

test('client address: behind a trusted proxy the rightmost untrusted hop is the client', (t) => {
  const clients = clientAddressing(['10.0.0.0/8'], bucketOf);
  t.is(clients.address(request('10.1.1.1', '192.0.2.1, 198.51.100.7')), '198.51.100.7', 'spoofed leftmost hop ignored');
  t.is(clients.address(request('10.1.1.1', '198.51.100.7, 10.2.2.2')), '198.51.100.7', 'chained trusted proxies skipped');
  t.is(clients.address(request('10.1.1.1', '198.51.100.7:50123')), '198.51.100.7', 'a hop with a port');
  t.is(clients.network(request('10.1.1.1', '[2001:db8:1:2::9]:443')), clientNetwork('2001:db8:1:2::77'), 'a bracketed IPv6 hop with a port');
  t.is(clients.address(request('10.1.1.1', 'garbage, 198.51.100.7')), '198.51.100.7');
  t.is(clients.address(request('10.1.1.1')), '10.1.1.1', 'no header: the proxy itself');
  t.not(clients.bucket(request('10.1.1.1', '198.51.100.7')), clients.bucket(request('10.1.1.1')), "not the proxy's own bucket");
});

test('client address: a connection not behind a proxy keeps its bucket; behind a proxy each request is read anew', (t) => {
  const direct = clientAddressing([], bucketOf);
  const socket = { remoteAddress: '203.0.113.5' };
  const first = { socket, headers: {} } as unknown as IncomingMessage;
  t.is(direct.bucket(first), bucketOf('203.0.113.0/24'));
  socket.remoteAddress = '198.51.100.5'; // cannot happen on a real socket: shows the bucket was remembered
  t.is(direct.bucket({ socket, headers: {} } as unknown as IncomingMessage), bucketOf('203.0.113.0/24'));
  const proxied = clientAddressing(['10.0.0.0/8'], bucketOf);
  const proxySocket = { remoteAddress: '10.0.0.1' };
  t.is(proxied.bucket({ socket: proxySocket, headers: { 'x-forwarded-for': '198.51.100.7' } } as unknown as IncomingMessage), bucketOf('198.51.100.0/24'));
  t.is(proxied.bucket({ socket: proxySocket, headers: { 'x-forwarded-for': '203.0.113.9' } } as unknown as IncomingMessage), bucketOf('203.0.113.0/24'));
});
