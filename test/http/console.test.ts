// The console over plain HTTP: sessions, CSRF tokens, roles, escaping and the HTML dialect of its errors.

import test from 'ava';
import { httpCall, type Reply } from '../support/http-client.js';
import { startNode, type NodeUnderTest } from '../support/node-under-test.js';
import { addAccount, adminToken, application, approvedEnterprise, snms } from '../support/snms-client.js';

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

async function post(node: NodeUnderTest, path: string, fields: Record<string, string>, cookie?: string): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (cookie !== undefined) headers.cookie = cookie;
  return httpCall(node.port, 'POST', path, { headers, body: form(fields) });
}

async function signIn(node: NodeUnderTest, username: string, password: string): Promise<string> {
  const reply = await post(node, '/snms/ui/login', { username, password });
  const cookie = String(reply.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  if (reply.status !== 303 || !cookie.startsWith('idnode_console=')) throw new Error(`console login failed: ${reply.status} ${reply.text}`);
  return cookie;
}

const get = (node: NodeUnderTest, path: string, cookie?: string): Promise<Reply> => httpCall(node.port, 'GET', path, { headers: cookie === undefined ? {} : { cookie } });

function csrfIn(page: string): string {
  return /name="csrf" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';
}

test('console: pages need a session; a signed-in page carries the strict CSP; the assets are files', async (t) => {
  const node = await startNode(t);
  await addAccount(node, 'operator', 'operator-password', 'admin');
  const anonymous = await get(node, '/snms/ui/prefixes');
  t.deepEqual([anonymous.status, anonymous.headers.location], [303, '/snms/ui/login']);
  const cookie = await signIn(node, 'operator', 'operator-password');
  const page = await get(node, '/snms/ui/prefixes', cookie);
  t.is(page.status, 200);
  t.is(page.headers['content-type'], 'text/html; charset=utf-8');
  t.regex(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'; style-src 'self'/);
  t.is(page.headers['cache-control'], 'no-store');
  t.notRegex(page.text, /<script>|<script(?![^>]*src=)/, 'no inline script');
  const js = await get(node, '/snms/ui/assets/console.js');
  t.deepEqual([js.status, js.headers['content-type']], [200, 'text/javascript; charset=utf-8']);
  t.is((await get(node, '/snms/ui/assets/console.css')).headers['content-type'], 'text/css; charset=utf-8');
  const root = await get(node, '/snms/ui', cookie);
  t.deepEqual([root.status, root.headers.location], [303, '/snms/ui/enterprises']);
});

test('console: a form without its session\'s CSRF token changes nothing; with it, the action is done', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 1) });
  const cookie = await signIn(node, 'admin', 'admin-password-1');
  const forged = await post(node, '/snms/ui/review', { entPrefix: '88.118.8', action: 'approve', csrf: '0'.repeat(64) }, cookie);
  t.is(forged.status, 403);
  t.regex(String(forged.headers['content-type']), /^text\/html/);
  const missing = await post(node, '/snms/ui/review', { entPrefix: '88.118.8', action: 'approve' }, cookie);
  t.is(missing.status, 403);
  t.is((await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.8', { token: admin })).json.data.status, 4);
  const csrf = csrfIn((await get(node, '/snms/ui/enterprises', cookie)).text);
  const done = await post(node, '/snms/ui/review', { entPrefix: '88.118.8', action: 'approve', csrf }, cookie);
  t.deepEqual([done.status, done.headers.location], [303, '/snms/ui/enterprises?notice=approved']);
  t.is((await snms(node, 'GET', '/snms/api/prefix/query?prefix=88.118.8', { token: admin })).json.data.status, 1);
  const other = await signIn(node, 'admin', 'admin-password-1');
  t.is((await post(node, '/snms/ui/prefix-state', { entPrefix: '88.118.8', state: '0', csrf }, other)).status, 403, 'a token of another session does not do');
});

test('console: roles — an enterprise user sees its prefixes but not the review list or the audit log; errors are HTML pages', async (t) => {
  const node = await startNode(t);
  const admin = await adminToken(node);
  await approvedEnterprise(node, admin, '88.118.8', 1);
  await approvedEnterprise(node, admin, '88.118.9', 2);
  const cookie = await signIn(node, 'ent1', 'ent1-password');
  const prefixes = await get(node, '/snms/ui/prefixes', cookie);
  t.true(prefixes.text.includes('data-prefix="88.118.8"'));
  t.false(prefixes.text.includes('88.118.9'));
  t.false(prefixes.text.includes('/snms/ui/audit'), 'no audit link in the menu');
  for (const path of ['/snms/ui/enterprises', '/snms/ui/audit', '/snms/ui/audit/export', '/snms/ui/template?prefix=88.118.9']) {
    const reply = await get(node, path, cookie);
    t.is(reply.status, 403, path);
    t.regex(reply.text, /^<!doctype html>/, path);
    t.regex(String(reply.headers['content-security-policy']), /style-src 'self'/, path);
  }
  const unknown = await get(node, '/snms/ui/nothing', cookie);
  t.is(unknown.status, 404);
  t.regex(unknown.text, /^<!doctype html>/);
});

test('console: a failed sign-in shows the reference\'s message; credentials from an untrusted transport are not taken', async (t) => {
  const node = await startNode(t);
  await addAccount(node, 'operator', 'operator-password', 'admin');
  const wrong = await post(node, '/snms/ui/login', { username: 'operator', password: 'nope' });
  t.is(wrong.status, 401);
  t.true(wrong.text.includes('用户名/密码错误！'));
  t.is(wrong.headers['set-cookie'], undefined);
  const untrusted = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false' });
  await addAccount(untrusted, 'operator', 'operator-password', 'admin');
  const refused = await post(untrusted, '/snms/ui/login', { username: 'operator', password: 'operator-password' });
  t.is(refused.status, 403);
  t.is(refused.headers['set-cookie'], undefined);
  const api = await snms(untrusted, 'POST', '/identity/token', { body: { username: 'operator', password: 'operator-password' } });
  t.deepEqual([api.status, api.json.status], [200, -3]);
});
