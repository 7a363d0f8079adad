// `idnode account add` as operators run it: a child process on a temp store, then logins against a node on that store.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { sha256Hex } from '../../src/accounts/password.js';
import { openTestStore } from '../support/test-store.js';
import { startNode } from '../support/node-under-test.js';
import { postgresEnv } from '../support/on-postgres.js';
import { login, snms } from '../support/snms-client.js';

const CLI = new URL('../../src/cli.js', import.meta.url).pathname;

function existingDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-cli-account-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'idnode.db');
  openTestStore(db, { busyTimeoutMs: 1000 }).close();
  return db;
}

function run(db: string, args: string[], input?: string, command = 'add'): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('IDNODE_')) env[name] = value;
  return spawnSync(process.execPath, [CLI, 'account', command, ...args], {
    env: { ...env, IDNODE_DB_PATH: db, IDNODE_PASSWORD_HASH_COST: '10', IDNODE_SECRET_HASH_ITERATIONS: '1000', ...postgresEnv(db) },
    input,
    encoding: 'utf8',
  }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}

test('cli account add --admin prints a generated password once; it logs in (plain and cipher) with administrator rights', async (t) => {
  const db = existingDb(t);
  const result = run(db, ['operator', '--admin']);
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /account: +operator \(admin\)/);
  const password = /password: +(\S+)/.exec(result.stdout)?.[1] ?? '';
  t.is(password.length, 20);
  t.true(existsSync(`${db}.seal-key`), 'the seal key is created beside the store');
  t.is(statSync(`${db}.seal-key`).mode & 0o777, 0o600);
  const node = await startNode(t, { IDNODE_DB_PATH: db });
  const token = await login(node, 'operator', password);
  const registry = await snms(node, 'POST', '/identity/registry', { token, body: { userName: 'u1', password: sha256Hex('pw-u1-123'), email: 'u1@x.cn', mobile: '13800000011' } });
  t.is(registry.json.status, 1, 'an administrator may create users');
  const cipher = sha256Hex(`${sha256Hex(password)}2026-01-15`);
  t.is((await snms(node, 'POST', '/identity/token/v1', { body: { username: 'operator', password: cipher } })).json.status, 1);
  const audit = node.node.business.audit.page({ prefixKey: null, actor: 'cli', fromMs: null, toMs: null }, 1, 10);
  t.is(audit.total, 1);
  t.is(audit.records[0]?.action, 'account.create');
  t.false(JSON.stringify(audit.records).includes('scrypt'), 'the audit log never holds password material');
});

test('cli account add --stdin takes the password given; a clash, a short password or no role changes nothing', async (t) => {
  const db = existingDb(t);
  t.is(run(db, ['reviewer1', '--reviewer', '--stdin'], 'a-good-password\n').status, 0);
  const again = run(db, ['REVIEWER1', '--admin', '--stdin'], 'another-password\n');
  t.is(again.status, 1);
  t.regex(again.stderr, /ACCOUNT_ALREADY_EXISTS/);
  t.is(run(db, ['short', '--admin', '--stdin'], 'abc\n').status, 1);
  t.is(run(db, ['norole']).status, 1);
  t.is(run(db, ['both', '--admin', '--reviewer']).status, 1);
  const missing = run(db, ['entuser', '--enterprise', '88.118.8']);
  t.is(missing.status, 1);
  t.regex(missing.stderr, /PREFIX_NOT_HOMED/);
  const node = await startNode(t, { IDNODE_DB_PATH: db });
  t.truthy(await login(node, 'reviewer1', 'a-good-password'));
  for (const name of ['short', 'norole', 'both', 'entuser']) {
    t.is((await snms(node, 'POST', '/identity/token', { body: { username: name, password: 'whatever-password' } })).json.status, -2, name);
  }
});

test('cli account password replaces the password and ends the account\'s tokens', async (t) => {
  const db = existingDb(t);
  t.is(run(db, ['operator', '--admin', '--stdin'], 'first-password\n').status, 0);
  const node = await startNode(t, { IDNODE_DB_PATH: db });
  const token = await login(node, 'operator', 'first-password');
  const reset = run(db, ['operator'], undefined, 'password');
  t.is(reset.status, 0, reset.stderr);
  const password = /password: +(\S+)/.exec(reset.stdout)?.[1] ?? '';
  t.is((await snms(node, 'DELETE', '/identity/token', { token })).json.status, -1, 'the old token ended');
  t.is((await snms(node, 'POST', '/identity/token', { body: { username: 'operator', password: 'first-password' } })).json.status, -2);
  t.truthy(await login(node, 'operator', password));
  const missing = run(db, ['nobody'], undefined, 'password');
  t.is(missing.status, 1);
  t.regex(missing.stderr, /ACCOUNT_NOT_FOUND/);
});
