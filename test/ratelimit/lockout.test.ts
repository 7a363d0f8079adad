// Issue 17 item 1 over HTTP: a stranger's wrong passwords slow the stranger's network, never the owner's; lockouts
// are counted and logged once, without secrets. Client networks are told apart through a trusted proxy's X-Forwarded-For.

import test, { type ExecutionContext } from 'ava';
import { startNode, TestClock, type NodeUnderTest } from '../support/node-under-test.js';

const IDENTITY = '300:0.NA/88.118.8';
const SECRET = 'enterprise-secret-0001';
const WRONG = 'wrong-password-00000001';
const ATTACKER = { 'x-forwarded-for': '198.51.100.7' };
const OWNER = { 'x-forwarded-for': '203.0.113.9' };

async function enterpriseNode(t: ExecutionContext, clock = new TestClock()): Promise<NodeUnderTest> {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_FAILED_LOGINS: '10', IDNODE_TRUSTED_PROXIES: '127.0.0.1' }, clock);
  const created = await node.put('/api/handles/0.NA/88.118.8', [
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions: '110001110011' } } },
    { index: 300, type: 'HS_SECKEY', data: SECRET },
  ]);
  t.is(created.status, 201, created.text);
  return node;
}

function register(node: NodeUnderTest, suffix: string, secret: string, headers: Record<string, string>): Promise<number> {
  return node
    .put(`/api/handles/88.118.8/${suffix}`, [{ index: 1, type: 'URL', data: 'https://example.cn/p' }], { auth: { identity: IDENTITY, secret }, headers })
    .then((reply) => reply.status);
}

test('lockout: ten wrong passwords a minute from one network for ten minutes never stop the right password from another', async (t) => {
  const clock = new TestClock();
  const node = await enterpriseNode(t, clock);
  let attacker401 = 0;
  let attacker429 = 0;
  for (let minute = 0; minute < 10; minute += 1) {
    for (let i = 0; i < 10; i += 1) {
      const status = await register(node, `A-${minute}-${i}`, WRONG, ATTACKER);
      if (status === 401) attacker401 += 1;
      else if (status === 429) attacker429 += 1;
      else t.fail(`attacker got ${status}`);
      clock.advance(5000);
    }
    t.is(await register(node, `STOLEN-${minute}`, SECRET, ATTACKER), 429, `minute ${minute}: the attacker's network is refused, even with the right password`);
    t.is(await register(node, `OWNER-${minute}`, SECRET, OWNER), 201, `minute ${minute}: the owner's network is not`);
    clock.advance(10_000);
  }
  t.is(node.node.store.getRecord('88.118.8/STOLEN-9'), undefined);
  t.true(attacker401 >= 10 && attacker401 < 30, `${attacker401} wrong passwords checked: slowed from 100 to a few`);
  t.is(attacker401 + attacker429, 100);
  t.log(`attacker: ${attacker401} checked (401), ${attacker429} refused (429)`);
});

test('lockout: wrong passwords from many networks slow the identity down, a clean network still gets in, and the slowed one after its delay', async (t) => {
  const clock = new TestClock();
  const node = await enterpriseNode(t, clock);
  for (let n = 0; n < 30; n += 1) t.is(await register(node, `E-${n}`, WRONG, { 'x-forwarded-for': `198.18.${n}.1` }), 401, 'a network without recent failures is always checked');
  const dirty = { 'x-forwarded-for': '198.18.0.1' };
  const slowed = await node.put('/api/handles/88.118.8/LATER', [], { auth: { identity: IDENTITY, secret: SECRET }, headers: dirty });
  t.is(slowed.status, 429);
  t.is(slowed.json.responseCode, 3);
  const retryAfter = Number(slowed.headers['retry-after']);
  t.true(retryAfter > 60 && retryAfter <= 900, `Retry-After ${retryAfter}`);
  t.is(await register(node, 'CLEAN', SECRET, { 'x-forwarded-for': '203.0.113.9' }), 201, 'a correct answer from a clean network is accepted');
  clock.advance(retryAfter * 1000);
  t.is(await register(node, 'LATER', SECRET, dirty), 201, 'slowed, not refused outright');
  t.is(await register(node, 'LATER-2', SECRET, dirty), 201, 'and after a success that network is clean again');
});

test('lockout: failures and lockouts are counted by outcome and each lockout is logged once, without secrets', async (t) => {
  const clock = new TestClock();
  const node = await enterpriseNode(t, clock);
  for (let i = 0; i < 14; i += 1) await register(node, `L-${i}`, WRONG, ATTACKER);
  t.is(await register(node, 'OK', SECRET, OWNER), 201);
  t.is(await node.metric('idnode_login_attempts_total{outcome="failed"}'), 10);
  t.is(await node.metric('idnode_login_attempts_total{outcome="refused"}'), 4);
  t.true((await node.metric('idnode_login_attempts_total{outcome="succeeded"}')) >= 2, 'the admin and the owner');
  t.is(await node.metric('idnode_login_lockouts_total{scope="identity_network"}'), 1);
  t.is(await node.metric('idnode_login_lockouts_total{scope="network"}'), 0);
  const lines = node.logLines.filter((line) => line.includes('"login lockout"')).map((line) => JSON.parse(line) as Record<string, unknown>);
  t.is(lines.length, 1);
  t.like(lines[0], { level: 40, scope: 'identity_network', identity: '300:0.NA/88.118.8', network: '198.51.100.0/24', failures: 10 });
  const log = node.logLines.join('\n');
  for (const secret of [WRONG, SECRET, Buffer.from(`300%3A0.NA/88.118.8:${WRONG}`).toString('base64')]) t.false(log.includes(secret));
});
