// `idnode serve` (and the other CLI commands) as real child processes for the durability tests: spawn, wait for the
// "idnode listening" line, kill with any signal, observe the exit; requests to them carry the administrator's credentials.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { httpCall as call, type CallOptions, type Reply } from './http-client.js';
import { ADMIN_IDENTITY, ADMIN_SECRET, basicAuth, NODE_PREFIX } from './node-under-test.js';
import { postgresEnv } from './on-postgres.js';

export const CLI = new URL('../../src/cli.js', import.meta.url).pathname;
export const AUTHORIZATION = basicAuth(ADMIN_IDENTITY, ADMIN_SECRET);
const OUTPUT_TAIL = 16_384;
const START_TIMEOUT_MS = 30_000;

/** Environment for a child: this process's variables without any IDNODE_*, then the durability defaults, then `extra`. */
export function serveEnv(db: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('IDNODE_')) env[name] = value;
  return {
    ...env,
    IDNODE_DB_PATH: db,
    IDNODE_PORT: '0',
    // The Handle protocol on a free port, so its listeners start and stop with every served node under test.
    IDNODE_HANDLE_PORT: 'auto',
    IDNODE_HOST: '127.0.0.1',
    // One process, no cluster: the tests of IDNODE_WORKERS (test/cluster/) ask for more.
    IDNODE_WORKERS: '1',
    IDNODE_ADMIN_SECRET: ADMIN_SECRET,
    IDNODE_NODE_PREFIX: NODE_PREFIX,
    IDNODE_SECRET_HASH_ITERATIONS: '1000',
    IDNODE_LOG_LEVEL: 'info',
    IDNODE_RATE_LIMIT_PER_CLIENT: '0',
    IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '0',
    IDNODE_RATE_LIMIT_PER_IDENTITY: '0',
    IDNODE_RATE_LIMIT_FAILED_LOGINS: '0',
    ...extra,
    // The PostgreSQL pass: the store of `db` is a database of its own (on-postgres.ts).
    ...postgresEnv(extra.IDNODE_DB_PATH ?? db, extra),
  };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  readonly port: number;
  /** The Handle-protocol port (TCP and UDP), null when IDNODE_HANDLE_PORT=0. */
  readonly handlePort: number | null;
  readonly pid: number;
  /** Where the node's writes run (`thread`: its writer thread; `local`: the event loop), from its "idnode listening" line. */
  readonly writes: string;
  readonly child: ChildProcess;
  /** Settles when the process has exited and its output has been read (never rejects). */
  readonly exited: Promise<Exit>;
  /** Everything the child wrote to stdout and stderr so far (the last 16 KiB). */
  output(): string;
  /** Sends `signal` and resolves with the exit. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  /** Resolves when a line of the child's stdout contains `text` (at once if one already did since it listened). */
  waitForLine(text: string): Promise<string>;
}

/**
 * Starts `idnode serve` with `env` and resolves once it logs "idnode listening" (rejects if it exits first or does not
 * listen within 30 s). The child is SIGKILLed when `t` ends if it is still running.
 */
export function startServe(t: ExecutionContext, env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // 'close', not 'exit': by then everything the child wrote has been read.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let tail = '';
  let partial = '';
  const seen: string[] = [];
  const waiters: { text: string; resolve: (line: string) => void }[] = [];
  const waitForLine = (text: string): Promise<string> => {
    const line = seen.find((l) => l.includes(text));
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiters.push({ text, resolve }));
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`idnode did not listen within ${START_TIMEOUT_MS} ms:\n${tail}`));
    }, START_TIMEOUT_MS);
    const onLine = (line: string): void => {
      seen.push(line);
      for (const waiter of waiters.filter((w) => line.includes(w.text))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
      if (!line.includes('"idnode listening"') || child.pid === undefined) return;
      clearTimeout(timer);
      const pid = child.pid;
      resolve({
        port: (JSON.parse(line) as { port: number }).port,
        handlePort: (JSON.parse(line) as { handlePort?: number | null }).handlePort ?? null,
        pid,
        writes: String((JSON.parse(line) as { writes?: string }).writes),
        child,
        exited,
        output: () => tail,
        waitForLine,
        kill: (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-OUTPUT_TAIL);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL)));
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`idnode exited (${exit.code ?? exit.signal}) before listening:\n${tail}`));
    });
  });
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs `idnode <args>` to completion (for backup, restore and failing starts), as `user` when given; killed after `timeoutMs`. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000, user?: { uid: number; gid: number }): CliResult {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', ...user });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, elapsedMs: performance.now() - started };
}

/** Like runCli, without blocking the event loop (so a node under test keeps being driven meanwhile). */
export function runCliAsync(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CliResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr, elapsedMs: performance.now() - started })));
}

export type HttpReply = Reply;

/**
 * One HTTP request to 127.0.0.1:`port` on a new connection (see http-client.ts); writes carry the administrator's
 * credentials. `onStatus` marks the moment a write counts as acknowledged.
 */
export function httpCall(port: number, method: string, path: string, options: Omit<CallOptions, 'headers' | 'host'> = {}): Promise<HttpReply> {
  return call(port, method, path, { ...options, headers: method === 'GET' ? {} : { authorization: AUTHORIZATION } });
}
