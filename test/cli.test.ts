// The `idnode` command as operators run it: a real child process on a temp SQLite file.

import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { answerWithKey, handleAuthorization } from './support/handle-client.js';
import { basicAuth, startNode } from './support/node-under-test.js';
import { postgresEnv } from './support/on-postgres.js';
import { sqliteOnlyTest } from './support/engine-test.js';
import { openTestStore } from './support/test-store.js';

const CLI = new URL('../src/cli.js', import.meta.url).pathname;
/** The repository (this file runs as dist/test/cli.test.js). */
const ROOT = new URL('../../', import.meta.url).pathname;

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'idnode.db');
}

/** A temp store that exists already, as the node's first start leaves it: `secret` and `keys` refuse a missing one. */
function existingDb(t: ExecutionContext): string {
  const db = tempDb(t);
  openTestStore(db, { busyTimeoutMs: 1000 }).close();
  return db;
}

/** Environment for a child: this process's PATH etc., no inherited IDNODE_* variables. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('IDNODE_')) env[name] = value;
  // Port 2641 is not the tests' to take: the Handle protocol stays off unless a test turns it on. One process (no
  // cluster) unless a test asks for workers: test/cluster/ tests those.
  const store = extra.IDNODE_DB_PATH === undefined ? {} : postgresEnv(extra.IDNODE_DB_PATH, extra);
  return { ...env, IDNODE_SECRET_HASH_ITERATIONS: '1000', IDNODE_LOG_LEVEL: 'info', IDNODE_HANDLE_PORT: '0', IDNODE_WORKERS: '1', ...extra, ...store };
}

test('cli: serve with a bad configuration lists every problem and exits 1', (t) => {
  const result = spawnSync(process.execPath, [CLI, 'serve'], {
    env: childEnv({ IDNODE_PORT: 'eighty', IDNODE_CACHE_MAX_ENTRIES: '0', IDNODE_CAHCE_MAX_BYTES: '1' }),
    encoding: 'utf8',
  });
  t.is(result.status, 1);
  for (const name of ['IDNODE_PORT', 'IDNODE_CACHE_MAX_ENTRIES', 'IDNODE_CAHCE_MAX_BYTES']) t.true(result.stderr.includes(name), name);
});

test('cli: a first start whose stdout is not a terminal writes the generated secret to a 0600 file beside the store, logs only its path; it works, and SIGTERM stops cleanly', async (t) => {
  const db = tempDb(t);
  const env = childEnv({ IDNODE_DB_PATH: db, IDNODE_PORT: '0', IDNODE_HOST: '127.0.0.1' });
  const first = await runUntilListening(t, env);
  const logged = first.output.split('\n').find((line) => line.includes('"secretFile"')) ?? '{}';
  const file = (JSON.parse(logged) as { secretFile?: string }).secretFile ?? '';
  t.is(file, `${db}.admin-secret`);
  t.is((statSync(file).mode & 0o777).toString(8), '600');
  const secret = /^secret: (\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  t.true(secret.length >= 32);
  t.false(first.output.includes(secret), 'the secret is in the file only, never in the output');
  const created = await fetch(`http://127.0.0.1:${first.port}/api/handles/88.118/CLI-1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: basicAuth('300:0.NA/88.118', secret) },
    body: JSON.stringify([{ index: 1, type: 'URL', data: 'https://example.cn/cli' }]),
  });
  t.is(created.status, 201);
  t.is(await first.stop(), 0);
  rmSync(file);

  const second = await runUntilListening(t, env);
  t.false(second.output.includes('secretFile'));
  t.false(existsSync(file), 'written once: a later start writes no secret');
  const resolved = await fetch(`http://127.0.0.1:${second.port}/api/handles/88.118/CLI-1`);
  t.is(resolved.status, 200);
  t.is(await second.stop(), 0);
});

test('cli: secret creates an enterprise identity that can register under its prefix only', async (t) => {
  const db = existingDb(t);
  const result = spawnSync(process.execPath, [CLI, 'secret', '88.118.8'], { env: childEnv({ IDNODE_DB_PATH: db }), encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /identity: 300:0\.NA\/88\.118\.8/);
  const secret = /secret: +(\S+)/.exec(result.stdout)?.[1] ?? '';
  t.true(secret.length >= 32);

  const node = await startNode(t, { IDNODE_DB_PATH: db });
  const auth = { identity: '300:0.NA/88.118.8', secret };
  const own = await node.put('/api/handles/88.118.8/PUMP-1', [{ index: 1, type: 'URL', data: 'https://example.cn/8' }], { auth });
  t.is(own.status, 201);
  const parent = await node.put('/api/handles/88.118/PUMP-1', [{ index: 1, type: 'URL', data: 'https://example.cn/x' }], { auth });
  t.is(parent.status, 403);
  const derived = await node.put('/api/handles/0.NA/88.118.8.1', [], { auth });
  t.is(derived.status, 403);
});

test('cli: secret --stdin refuses a secret shorter than 16 characters and writes nothing', (t) => {
  const db = tempDb(t);
  const result = spawnSync(process.execPath, [CLI, 'secret', '88.118.9', '--stdin'], { env: childEnv({ IDNODE_DB_PATH: db }), input: 'short\n', encoding: 'utf8' });
  t.is(result.status, 1);
  t.is(result.stderr, 'idnode: the secret must be at least 16 characters\n', 'one line, no help text');
  t.false(existsSync(db));
});

sqliteOnlyTest('cli: secret and keys refuse a store that does not exist, naming its full path, and create nothing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [args, env] of [
    [['secret', '88.118.4'], { IDNODE_DB_PATH: join(dir, 'missing', 'x.db') }],
    [['keys', '88.118.4'], { IDNODE_DB_PATH: join(dir, 'missing', 'x.db') }],
    [['secret', '88.118.4'], {}],
  ] as const) {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: childEnv(env), cwd: dir, encoding: 'utf8' });
    t.is(result.status, 1, args.join(' '));
    const expected = 'IDNODE_DB_PATH' in env ? join(dir, 'missing', 'x.db') : join(dir, 'data', 'idnode.db');
    t.is(result.stderr, `idnode: no store at ${expected} (IDNODE_DB_PATH): start the node once to create it, or point IDNODE_DB_PATH at it\n`);
    t.is(result.stdout, '', 'no identity or secret printed');
  }
  t.false(existsSync(join(dir, 'missing')));
  t.false(existsSync(join(dir, 'data')));
});

test('cli: secret --derive on an existing record lets its identity create derived prefixes', async (t) => {
  const db = existingDb(t);
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: childEnv({ IDNODE_DB_PATH: db }), encoding: 'utf8' });
  const first = run('secret', '88.118.8');
  t.is(first.status, 0, first.stderr);
  const again = run('secret', '88.118.8', '--derive');
  t.is(again.status, 0, again.stderr);
  const secret = /secret: +(\S+)/.exec(again.stdout)?.[1] ?? '';
  const node = await startNode(t, { IDNODE_DB_PATH: db });
  const auth = { identity: '300:0.NA/88.118.8', secret };
  const derived = await node.put('/api/handles/0.NA/88.118.8.1', [], { auth });
  t.is(derived.status, 201, derived.text);
  const admins = node.node.store.getRecord('0.NA/88.118.8')?.values.filter((v) => v.type === 'HS_ADMIN') ?? [];
  t.deepEqual(admins.map((v) => [v.index, v.data.value]), [[100, { handle: '0.NA/88.118.8', index: 300, permissions: '111111111111' }]], 'the existing HS_ADMIN was widened, not duplicated');
});

interface Running {
  readonly port: number;
  /** Everything printed up to the "listening" line. */
  readonly output: string;
  /** Everything printed so far. */
  printed(): string;
  /** Sends the stop signal and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `idnode serve` (or `command`), waits for the "idnode listening" log line and returns the bound port. */
function runUntilListening(
  t: ExecutionContext,
  env: NodeJS.ProcessEnv,
  command: readonly string[] = [process.execPath, CLI, 'serve'],
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<Running> {
  const [file = '', ...args] = command;
  const child = spawn(file, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const line = output.split('\n').find((l) => l.includes('"idnode listening"'));
      if (line === undefined) return;
      const port = (JSON.parse(line) as { port: number }).port;
      resolve({
        port,
        output,
        printed: () => output,
        stop: () => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then((code) => reject(new Error(`idnode exited with ${code} before listening:\n${output}`)));
  });
}

test('cli: a start failure outside the store (a missing TLS file) is one clear line, no stack trace', (t) => {
  const db = tempDb(t);
  const result = spawnSync(process.execPath, [CLI, 'serve'], {
    env: childEnv({ IDNODE_DB_PATH: db, IDNODE_PORT: '0', IDNODE_HOST: '127.0.0.1', IDNODE_TLS_CERT_PATH: '/nonexistent/cert.pem', IDNODE_TLS_KEY_PATH: '/nonexistent/key.pem' }),
    encoding: 'utf8',
  });
  t.is(result.status, 1);
  t.regex(result.stderr, /^idnode: ENOENT: .*\/nonexistent\/cert\.pem/m);
  t.false(/\n\s+at /.test(result.stderr), result.stderr);
  t.false(existsSync(db), 'the TLS files are read before the store is created');
  t.false(existsSync(`${db}.admin-secret`), 'so no secret is handed out for a store that does not exist');
});

test('cli: TLS files that do not parse or do not match are refused before a first start creates the store', (t) => {
  const db = tempDb(t);
  const bad = join(dirname(db), 'bad.pem');
  writeFileSync(bad, 'not a certificate\n');
  const result = spawnSync(process.execPath, [CLI, 'serve'], {
    env: childEnv({ IDNODE_DB_PATH: db, IDNODE_PORT: '0', IDNODE_HOST: '127.0.0.1', IDNODE_TLS_CERT_PATH: bad, IDNODE_TLS_KEY_PATH: bad }),
    encoding: 'utf8',
  });
  t.is(result.status, 1);
  t.regex(result.stderr, /^idnode: ERR_OSSL_/m);
  t.false(existsSync(db), 'nothing created, so no secret was generated and lost');
  t.false(existsSync(`${db}.admin-secret`));
});

test('cli: a first start that cannot listen still hands over the secret it stored, and says so; that secret works', async (t) => {
  const db = tempDb(t);
  const blocker = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const result = spawnSync(process.execPath, [CLI, 'serve'], { env: childEnv({ IDNODE_DB_PATH: db, IDNODE_PORT: String(port), IDNODE_HOST: '127.0.0.1' }), encoding: 'utf8' });
  t.is(result.status, 1);
  t.regex(result.stderr, /^idnode: EADDRINUSE/m);
  const secret = /^secret: (\S+)$/m.exec(readFileSync(`${db}.admin-secret`, 'utf8'))?.[1] ?? '';
  t.regex(result.stdout, /"secretFile".*the node did not start, but this secret is stored and stays valid/);
  t.false(result.stdout.includes(secret));
  const node = await startNode(t, { IDNODE_DB_PATH: db, IDNODE_ADMIN_SECRET: '' });
  const reply = await node.put('/api/handles/88.118/FIRST', [{ index: 1, type: 'URL', data: 'https://example.cn/f' }], { auth: { identity: '300:0.NA/88.118', secret } });
  t.is(reply.status, 201, reply.text);
});

test('cli: keys gives a prefix an RSA identity; the printed private key logs in by challenge–response and registers', async (t) => {
  const db = existingDb(t);
  const result = spawnSync(process.execPath, [CLI, 'keys', '88.118.7'], { env: childEnv({ IDNODE_DB_PATH: db }), encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /identity: 300:0\.NA\/88\.118\.7/);
  const pem = /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n/.exec(result.stdout)?.[0] ?? '';
  const privateKey = createPrivateKey(pem);
  const node = await startNode(t, { IDNODE_DB_PATH: db });
  t.is(node.node.store.getRecord('0.NA/88.118.7')?.values.find((v) => v.index === 300)?.type, 'HS_PUBKEY');
  t.false(JSON.stringify(node.node.store.getRecord('0.NA/88.118.7')).includes('PRIVATE'), 'the private half is not stored');
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  const answer = answerWithKey('300:0.NA/88.118.7', privateKey, { sessionId: opened.json.sessionId, nonce: opened.json.nonce });
  const session = { auth: null, headers: { authorization: handleAuthorization(opened.json.sessionId, answer) } };
  const reply = await node.put('/api/handles/88.118.7/KEYED', [{ index: 1, type: 'URL', data: 'https://example.cn/k' }], session);
  t.is(reply.status, 201, reply.text);
});

sqliteOnlyTest('cli: keys and secret never silently replace a key of the other type; --replace does', (t) => {
  const db = existingDb(t);
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: childEnv({ IDNODE_DB_PATH: db }), encoding: 'utf8' });
  t.is(run('secret', '88.118.6').status, 0);
  const store = () => openTestStore(db, { busyTimeoutMs: 1000 });
  const typeAt = (index: number): string | undefined => {
    const opened = store();
    try {
      return opened.getRecord('0.NA/88.118.6')?.values.find((v) => v.index === index)?.type;
    } finally {
      opened.close();
    }
  };

  const refused = run('keys', '88.118.6');
  t.is(refused.status, 1);
  t.regex(refused.stderr, /^idnode: VALUE_ALREADY_EXISTS: index 300 of 0\.NA\/88\.118\.6 holds HS_SECKEY, not HS_PUBKEY/);
  t.false(refused.stdout.includes('PRIVATE KEY'), 'no key pair is handed out when nothing was stored');
  t.is(typeAt(300), 'HS_SECKEY');

  t.is(run('keys', '88.118.6', '--index', '301').status, 0, 'another index is fine');
  t.is(typeAt(301), 'HS_PUBKEY');
  t.is(run('secret', '88.118.6', '--index', '301').status, 1, 'and the other way round is refused too');
  t.is(typeAt(301), 'HS_PUBKEY');
  t.is(run('keys', '88.118.6', '--index', '301').status, 0, 'a key of the same type rotates');
  t.is(run('secret', '88.118.6').status, 0, 'a secret of the same type rotates');

  const replaced = run('keys', '88.118.6', '--replace');
  t.is(replaced.status, 0, replaced.stderr);
  t.is(typeAt(300), 'HS_PUBKEY');
});

test('cli: after keys --replace on the node prefix, a start with IDNODE_ADMIN_SECRET puts the secret back at 300', async (t) => {
  const db = tempDb(t);
  const first = await startNode(t, { IDNODE_DB_PATH: db });
  t.is((await first.put('/api/handles/88.118/BEFORE', [{ index: 1, type: 'URL', data: 'https://example.cn/b' }])).status, 201);
  const swapped = spawnSync(process.execPath, [CLI, 'keys', '88.118', '--replace'], { env: childEnv({ IDNODE_DB_PATH: db }), encoding: 'utf8' });
  t.is(swapped.status, 0, swapped.stderr);
  const again = await startNode(t, { IDNODE_DB_PATH: db });
  t.true(again.node.bootstrap.rotated);
  t.is(again.node.store.getRecord('0.NA/88.118')?.values.find((v) => v.index === 300)?.type, 'HS_SECKEY');
  t.is((await again.put('/api/handles/88.118/AFTER', [{ index: 1, type: 'URL', data: 'https://example.cn/a' }])).status, 201, 'the administrator logs in with the secret again');
});

test('cli: npm start hands SIGTERM and SIGINT to the node itself, which stops gracefully', async (t) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const db = tempDb(t);
    // --ignore-scripts skips the prestart build (the test run has built already); the start script itself runs.
    const running = await runUntilListening(t, childEnv({ IDNODE_DB_PATH: db, IDNODE_PORT: '0', IDNODE_HOST: '127.0.0.1' }), ['npm', 'start', '--ignore-scripts', '--silent'], signal);
    t.is((await fetch(`http://127.0.0.1:${running.port}/healthz`)).status, 200);
    await running.stop();
    t.regex(running.printed(), /"msg":"stopped"/, signal);
    await t.throwsAsync(fetch(`http://127.0.0.1:${running.port}/healthz`), undefined, `${signal}: nothing listens after npm stopped`);
  }
});
