// `/identity/token`, `/identity/token/v1`, logout and `/identity/registry` (snms-v5-api.md §3): envelopes, statuses, messages.

import test from 'ava';
import { sha256Hex } from '../../../src/accounts/password.js';
import { startNode } from '../../support/node-under-test.js';
import { addAccount, adminToken, login, snms } from '../../support/snms-client.js';

test('snms login: the plain form issues a token that authenticates, and logout ends it', async (t) => {
  const node = await startNode(t);
  await addAccount(node, 'ent_valveco', 'Idnode#2024', 'enterprise');
  const reply = await snms(node, 'POST', '/identity/token', { body: { username: 'ent_valveco', password: 'Idnode#2024' } });
  t.is(reply.status, 200);
  t.is(reply.json.status, 1);
  t.is(reply.json.message, 'success');
  const token = reply.json.data.token as string;
  t.true(token.length >= 40);
  // A call that needs a login: the registry is admin-only, so an enterprise user gets -3 (authenticated, not allowed).
  const denied = await snms(node, 'POST', '/identity/registry', { token, body: { userName: 'x', password: sha256Hex('x'), email: 'x@x.cn', mobile: '13800000000' } });
  t.deepEqual(denied.json, { status: -3, message: denied.json.message, data: null });
  const out = await snms(node, 'DELETE', '/identity/token', { token });
  t.deepEqual(out.json, { status: 1, message: 'success', data: true });
  const after = await snms(node, 'DELETE', '/identity/token', { token });
  t.is(after.status, 200);
  t.is(after.json.status, -1);
});

test('snms login: a wrong password or unknown user is -2 with the reference message, HTTP 200', async (t) => {
  const node = await startNode(t);
  await addAccount(node, 'ent_valveco', 'Idnode#2024', 'enterprise');
  for (const body of [{ username: 'ent_valveco', password: 'wrong' }, { username: 'nobody', password: 'Idnode#2024' }]) {
    const reply = await snms(node, 'POST', '/identity/token', { body });
    t.is(reply.status, 200);
    t.is(reply.text, '{"status":-2,"message":"用户名/密码错误！","data":null}');
  }
});

test('snms login: the cipher form accepts hex(sha256(hex(sha256(pw)) + date)) for yesterday, today and tomorrow in Asia/Shanghai', async (t) => {
  const node = await startNode(t);
  // 2026-01-15 08:00 UTC is 16:00 in Shanghai.
  await addAccount(node, 'ent_valveco', 'Idnode#2024', 'enterprise');
  const inner = sha256Hex('Idnode#2024');
  t.is(inner, '4e46d359c6a7d1a10d49b1d7513f12b732c483d34df2f649803c8852b95b0c1c');
  t.is(sha256Hex(`${inner}2024-05-20`), 'ff217b9b9d993d8727fa967cae344df0d0af356532f7fc1c999b289727fa158d');
  for (const date of ['2026-01-14', '2026-01-15', '2026-01-16']) {
    const reply = await snms(node, 'POST', '/identity/token/v1', { body: { username: 'ent_valveco', password: sha256Hex(`${inner}${date}`) } });
    t.is(reply.json.status, 1, date);
  }
  for (const password of [sha256Hex(`${inner}2026-01-13`), sha256Hex(`${inner}2026-01-17`), inner, 'Idnode#2024']) {
    const reply = await snms(node, 'POST', '/identity/token/v1', { body: { username: 'ent_valveco', password } });
    t.is(reply.json.message, '用户名/密码错误！');
  }
  // Near midnight: 15:59:59 UTC is 23:59:59 in Shanghai, so "tomorrow" there is the 16th already in UTC terms.
  node.clock.ms = Date.UTC(2026, 0, 15, 16, 0, 1);
  const reply = await snms(node, 'POST', '/identity/token/v1', { body: { username: 'ent_valveco', password: sha256Hex(`${inner}2026-01-17`) } });
  t.is(reply.json.status, 1, 'Shanghai is on the 16th now, so the 17th is tomorrow');
});

test('snms login: a body without Content-Type is read as JSON; a missing field names itself', async (t) => {
  const node = await startNode(t);
  await addAccount(node, 'ent_valveco', 'Idnode#2024', 'enterprise');
  const untyped = await snms(node, 'POST', '/identity/token', { body: JSON.stringify({ username: 'ent_valveco', password: 'Idnode#2024' }) });
  t.is(untyped.json.status, 1);
  const missing = await snms(node, 'POST', '/identity/token', { body: { username: 'ent_valveco' } });
  t.deepEqual(missing.json, { status: -2, message: '缺少必要的请求参数: password', data: null });
  const noName = await snms(node, 'POST', '/identity/token', { body: { password: 'x' } });
  t.is(noName.json.message, '缺少必要的请求参数: username');
  const malformed = await snms(node, 'POST', '/identity/token', { body: '{"username":', headers: { 'content-type': 'application/json' } });
  t.is(malformed.status, 200);
  t.is(malformed.json.status, -2);
  t.is(malformed.json.data, null);
});

test('snms tokens: a wrong, expired or missing token is -1; tokens expire after 24 hours', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  const body = { userName: 'qa_operator', password: sha256Hex('qa-password'), email: 'qa@valveco.example', mobile: '13800000001', remarks: '' };
  const none = await snms(node, 'POST', '/identity/registry', { body });
  t.is(none.json.status, -1);
  const wrong = await snms(node, 'POST', '/identity/registry', { body, token: 'not-a-token' });
  t.is(wrong.json.status, -1);
  node.clock.advance(24 * 3_600_000 - 1000);
  const fresh = await snms(node, 'POST', '/identity/registry', { body, token });
  t.deepEqual(fresh.json, { status: 1, message: 'success', data: true });
  node.clock.advance(2000);
  const expired = await snms(node, 'POST', '/identity/registry', { body: { ...body, userName: 'other' }, token });
  t.is(expired.json.status, -1);
});

test('snms registry: names, emails and mobiles are unique; the new user can log in with the password whose SHA-256 was sent', async (t) => {
  const node = await startNode(t);
  const token = await adminToken(node);
  const body = { userName: 'qa_operator', password: sha256Hex('qa-password'), email: 'qa@valveco.example', mobile: '13800000001' };
  t.is((await snms(node, 'POST', '/identity/registry', { body, token })).json.status, 1);
  for (const clash of [{ ...body, email: 'b@b.cn', mobile: '1390000' }, { ...body, userName: 'b', mobile: '1390000' }, { ...body, userName: 'c', email: 'c@c.cn' }, { ...body, userName: 'QA_OPERATOR', email: 'd@d.cn', mobile: '1370000' }]) {
    const reply = await snms(node, 'POST', '/identity/registry', { body: clash, token });
    t.is(reply.json.status, -2, JSON.stringify(clash));
  }
  t.truthy(await login(node, 'qa_operator', 'qa-password'));
  const bad = await snms(node, 'POST', '/identity/registry', { body: { ...body, userName: 'e', password: 'plain', email: 'e@e.cn', mobile: '1360000' }, token });
  t.is(bad.json.status, -2);
});

test('snms login: failed logins are limited per account name and client network', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_FAILED_LOGINS: '3' });
  await addAccount(node, 'ent_valveco', 'Idnode#2024', 'enterprise');
  for (let i = 0; i < 3; i += 1) t.is((await snms(node, 'POST', '/identity/token', { body: { username: 'ent_valveco', password: 'wrong' } })).json.status, -2);
  const limited = await snms(node, 'POST', '/identity/token', { body: { username: 'ent_valveco', password: 'Idnode#2024' } });
  t.is(limited.status, 429);
  t.is(limited.json.status, -2);
  t.truthy(limited.headers['retry-after']);
});

test('snms paths: an unknown path under /snms or /identityv2 answers in the envelope with HTTP 200', async (t) => {
  const node = await startNode(t);
  for (const path of ['/snms/api/nothing', '/identityv2/nothing', '/identity/nothing']) {
    const reply = await snms(node, 'GET', path);
    t.is(reply.status, 200, path);
    t.is(reply.json.status, -2, path);
    t.is(reply.json.data, null, path);
  }
});
