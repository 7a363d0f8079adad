// Which transports let credentials count (reference §8.4): src/http/transport.ts, and the effect over real HTTP.

import type { IncomingMessage } from 'node:http';
import test from 'ava';
import { transportTrust } from '../../src/http/transport.js';
import { ADMIN, startNode } from '../support/node-under-test.js';

function request(remoteAddress: string | undefined, headers: Record<string, string> = {}, encrypted = false): IncomingMessage {
  return { socket: encrypted ? { remoteAddress, encrypted: true } : { remoteAddress }, headers } as unknown as IncomingMessage;
}

// [what, trusted proxies, request, trusted?]
const CASES: [string, string[], IncomingMessage, boolean][] = [
  ['loopback IPv4', [], request('127.0.0.1'), true],
  ['loopback IPv4 elsewhere in 127/8', [], request('127.8.9.10'), true],
  ['loopback IPv6', [], request('::1'), true],
  ['IPv4-mapped loopback', [], request('::ffff:127.0.0.1'), true],
  ['plain HTTP from elsewhere', [], request('203.0.113.5'), false],
  ['no remote address', [], request(undefined), false],
  ['TLS socket from elsewhere', [], request('203.0.113.5', {}, true), true],
  ['forged X-Forwarded-Proto without trusted proxies', [], request('203.0.113.5', { 'x-forwarded-proto': 'https' }), false],
  ['forged X-Forwarded-Proto from an untrusted address', ['10.0.0.0/8'], request('203.0.113.5', { 'x-forwarded-proto': 'https' }), false],
  ['trusted proxy CIDR with https', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': 'https' }), true],
  ['trusted proxy with HTTPS in upper case', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': 'HTTPS' }), true],
  ['trusted proxy, IPv4-mapped address', ['10.0.0.0/8'], request('::ffff:10.1.2.3', { 'x-forwarded-proto': 'https' }), true],
  ['trusted proxy with http', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': 'http' }), false],
  ['trusted proxy without X-Forwarded-Proto', ['10.0.0.0/8'], request('10.1.2.3'), false],
  ['trusted proxy, first hop http', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': 'http, https' }), false],
  ['trusted proxy appending its http to a client-sent https', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': 'https, http' }), false],
  ['trusted proxy chain, https at every hop', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': 'https, HTTPS' }), true],
  ['trusted proxy, empty X-Forwarded-Proto', ['10.0.0.0/8'], request('10.1.2.3', { 'x-forwarded-proto': '' }), false],
  ['exact trusted address', ['192.0.2.10'], request('192.0.2.10', { 'x-forwarded-proto': 'https' }), true],
  ['neighbour of an exact trusted address', ['192.0.2.10'], request('192.0.2.11', { 'x-forwarded-proto': 'https' }), false],
  ['trusted IPv6 proxy block', ['fd00::/8'], request('fd00::1', { 'x-forwarded-proto': 'https' }), true],
  ['IPv6 outside the trusted block', ['fd00::/8'], request('fe80::1', { 'x-forwarded-proto': 'https' }), false],
];

for (const [what, proxies, req, trusted] of CASES) {
  test(`transport trust: ${what} → ${trusted ? 'trusted' : 'not trusted'}`, (t) => {
    t.is(transportTrust(proxies)(req), trusted);
  });
}

test('transport trust: with loopback trust switched off, loopback counts only through TLS or a trusted proxy', (t) => {
  t.false(transportTrust([], false)(request('127.0.0.1')));
  t.false(transportTrust([], false)(request('::ffff:127.0.0.1', { 'x-forwarded-proto': 'https' })));
  t.true(transportTrust([], false)(request('127.0.0.1', {}, true)));
  t.true(transportTrust(['127.0.0.1'], false)(request('127.0.0.1', { 'x-forwarded-proto': 'https' })));
});

// Tests send traffic only to 127.0.0.1: a non-loopback peer is simulated by switching loopback trust off.

test('transport: untrusted plain HTTP ignores credentials, even wrong ones; writes and listings get 403', async (t) => {
  const node = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false' });
  const put = await node.put('/api/handles/88.118/X', [{ index: 1, type: 'URL', data: 'https://example.cn/x' }]);
  t.is(put.status, 403);
  t.is(put.json?.responseCode, 402);
  t.is(put.headers['www-authenticate'], undefined);
  const wrong = await node.put('/api/handles/88.118/X', [{ index: 1, type: 'URL', data: 'x' }], { auth: { identity: ADMIN.identity, secret: 'wrong-secret-0000000' } });
  t.is(wrong.status, 403, 'failed credentials are not even checked');
  t.is((await node.get('/api/handles/88.118/X')).status, 404);
  const list = await node.get('/api/handles?prefix=88.118', { auth: ADMIN });
  t.is(list.status, 403);
});
