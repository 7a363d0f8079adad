// /metrics is not open to the world by default (issue 17 item 8): loopback and private networks only, unless
// IDNODE_METRICS_ALLOW or IDNODE_METRICS_TOKEN says otherwise. Other clients are presented through a trusted proxy.

import test from 'ava';
import { metricsGuard } from '../../src/auth/metrics-access.js';
import { IdnodeError } from '../../src/errors.js';
import { startNode } from '../support/node-under-test.js';

const DEFAULT_RULE: readonly [string, boolean][] = [
  ['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['::ffff:127.0.0.1', true],
  ['10.1.2.3', true], ['172.16.0.1', true], ['172.31.255.255', true], ['192.168.7.7', true], ['::ffff:192.168.7.7', true], ['fd12:3456::1', true],
  ['172.32.0.1', false], ['203.0.113.9', false], ['8.8.8.8', false], ['100.64.0.1', false], ['2001:db8::1', false], ['::ffff:203.0.113.9', false], ['', false],
];

for (const [address, served] of DEFAULT_RULE) {
  test(`metrics access: by default ${address || '(no address)'} is ${served ? 'served' : 'refused'}`, (t) => {
    const guard = metricsGuard({ token: null, allow: [] });
    if (served) t.notThrows(() => guard(address, undefined));
    else t.is(t.throws(() => guard(address, undefined), { instanceOf: IdnodeError })?.code, 'INSUFFICIENT_PERMISSIONS');
  });
}

test('metrics access: a token alone serves any address that presents it', (t) => {
  const guard = metricsGuard({ token: 'metrics-token-0123456789', allow: [] });
  t.notThrows(() => guard('203.0.113.9', 'Bearer metrics-token-0123456789'));
  t.is(t.throws(() => guard('10.0.0.1', undefined), { instanceOf: IdnodeError })?.code, 'AUTHENTICATION_NEEDED');
});

test('metrics access: over HTTP, a public client behind the trusted proxy is refused by default, a private one served', async (t) => {
  const node = await startNode(t, { IDNODE_TRUSTED_PROXIES: '127.0.0.1' });
  t.is((await node.get('/metrics')).status, 200, 'loopback');
  const refused = await node.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
  t.is(refused.status, 403);
  t.false(refused.text.includes('idnode_'));
  t.is((await node.get('/metrics', { headers: { 'x-forwarded-for': '192.168.10.20' } })).status, 200);
  t.is((await node.get('/metrics', { headers: { 'x-forwarded-for': '2001:db8::7' } })).status, 403);
  t.is((await node.get('/healthz', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200, 'health stays open');
});

test('metrics access: the operator opens it with IDNODE_METRICS_ALLOW or a token', async (t) => {
  const open = await startNode(t, { IDNODE_TRUSTED_PROXIES: '127.0.0.1', IDNODE_METRICS_ALLOW: '0.0.0.0/0,::/0' });
  t.is((await open.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200);
  const tokened = await startNode(t, { IDNODE_TRUSTED_PROXIES: '127.0.0.1', IDNODE_METRICS_TOKEN: 'metrics-token-0123456789' });
  t.is((await tokened.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 401);
  t.is((await tokened.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer metrics-token-0123456789' } })).status, 200);
});
