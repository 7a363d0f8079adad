// Builds a whole node for one test: temp-file SQLite, its own metrics registry, a port-0 listener, an injected clock.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createNode, type IdnodeNode, type NodeOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { closeGracefully, createServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/log/logger.js';
import { httpCall, type Reply } from './http-client.js';
import { postgresEnv } from './on-postgres.js';

export const ADMIN_SECRET = 'test-admin-secret-0001';
export const NODE_PREFIX = '88.118';
export const ADMIN_IDENTITY = `300:0.NA/${NODE_PREFIX}`;
/** The node administrator's credentials, for `{ auth: ADMIN }` on a GET (which is anonymous by default). */
export const ADMIN = Object.freeze({ identity: ADMIN_IDENTITY, secret: ADMIN_SECRET });

/** A controllable clock in milliseconds. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 0, 15, 8, 0, 0)) {}
  readonly nowMs = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export type { Reply } from './http-client.js';

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON with Content-Type application/json; a string or Buffer as is. */
  readonly body?: unknown;
  readonly auth?: { identity: string; secret: string } | null;
}

/** `Authorization: Basic` for an identity, percent-encoded as reference §6 says. */
export function basicAuth(identity: string, secret: string): string {
  const encoded = identity.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `Basic ${Buffer.from(`${encoded}:${secret}`, 'utf8').toString('base64')}`;
}

export class NodeUnderTest {
  constructor(
    readonly node: IdnodeNode,
    readonly config: Config,
    readonly port: number,
    readonly clock: TestClock,
    /** The address the listener is bound to and requests are sent to. */
    readonly host = '127.0.0.1',
    /** The node's log lines (pino JSON at info level, the first 1,000), so the real serializers run in every test. */
    readonly logLines: string[] = [],
  ) {}

  /** Sends one request with a raw path (nothing is re-encoded); writes carry the administrator's credentials unless `auth` says otherwise. */
  request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== null) {
      const auth = options.auth ?? { identity: ADMIN_IDENTITY, secret: ADMIN_SECRET };
      if (options.auth !== undefined || method !== 'GET') headers.authorization ??= basicAuth(auth.identity, auth.secret);
    }
    return httpCall(this.port, method, path, { headers, body: options.body, host: this.host });
  }

  get(path: string, options: RequestOptions = {}): Promise<Reply> {
    return this.request('GET', path, { auth: null, ...options });
  }

  put(path: string, body: unknown, options: RequestOptions = {}): Promise<Reply> {
    return this.request('PUT', path, { ...options, body });
  }

  delete(path: string, options: RequestOptions = {}): Promise<Reply> {
    return this.request('DELETE', path, options);
  }

  /** Registers a handle with one URL value as the node administrator; fails the test unless it answers 201. */
  async register(t: ExecutionContext, handle: string, url = `https://example.cn/${handle}`): Promise<void> {
    const reply = await this.put(`/api/handles/${handle}`, [{ index: 1, type: 'URL', data: url }]);
    t.is(reply.status, 201, `registering ${handle}: ${reply.text}`);
  }

  /**
   * Writes `head` (request line and headers, CRLF-terminated, blank line included) on a fresh connection and
   * sends nothing more; resolves with everything the server wrote once the server closes the connection.
   */
  rawExchange(head: string): Promise<{ readonly text: string; readonly closedByServer: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const chunks: Buffer[] = [];
      let ended = false;
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        ended = true;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: ended }));
      socket.write(head, 'latin1');
    });
  }

  /** The Prometheus exposition text as the node's registry produces it. */
  async metricsText(): Promise<string> {
    return (await this.node.metrics.exposition()).body;
  }

  /** The current value of a metric sample line (`name{labels}`), or 0 when absent. */
  async metric(sample: string): Promise<number> {
    const text = (await this.node.metrics.exposition()).body;
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line === undefined ? 0 : Number(line.slice(sample.length + 1));
  }
}

/** What a test may inject into the node besides its clock (the proxy's draws, its pages' time zone and labels). */
export type NodeInjections = Pick<NodeOptions, 'random' | 'timeZone' | 'labels' | 'commitGate'>;

/**
 * The configuration of a node under test in `dir`: a temp-file store, the test administrator, cheap secret hashing,
 * a port-0 listener on loopback, no Handle-protocol listener, rate limits off; `env` overrides any of it. On the
 * PostgreSQL pass the store is the database standing for that file.
 */
export function testConfig(dir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    IDNODE_DB_PATH: join(dir, 'idnode.db'),
    IDNODE_ADMIN_SECRET: ADMIN_SECRET,
    IDNODE_NODE_PREFIX: NODE_PREFIX,
    IDNODE_SECRET_HASH_ITERATIONS: '1000',
    IDNODE_PASSWORD_HASH_COST: '10',
    IDNODE_LOG_LEVEL: 'silent',
    IDNODE_HOST: '127.0.0.1',
    IDNODE_PORT: '0',
    // Handle-protocol listeners are started by the tests that want them (test/support/wire-client.ts).
    IDNODE_HANDLE_PORT: '0',
    // Tests send thousands of requests from one address; limiter tests switch these back on.
    IDNODE_RATE_LIMIT_PER_CLIENT: '0',
    IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '0',
    IDNODE_RATE_LIMIT_PER_IDENTITY: '0',
    IDNODE_RATE_LIMIT_FAILED_LOGINS: '0',
    ...env,
    // The PostgreSQL pass: the store of this file is a database of its own (on-postgres.ts).
    ...postgresEnv(env.IDNODE_DB_PATH ?? join(dir, 'idnode.db'), env),
  });
}

/**
 * Starts a node for test `t` (torn down with it). `env` overrides IDNODE_* defaults; the store is a temp file
 * unless IDNODE_DB_PATH is given. Hash iterations are lowered so tests stay fast.
 */
export async function startNode(t: ExecutionContext, env: Record<string, string> = {}, clock = new TestClock(), injections: NodeInjections = {}): Promise<NodeUnderTest> {
  const host = '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'idnode-test-'));
  const config = testConfig(dir, env);
  const logLines: string[] = [];
  const sink = { write: (line: string) => void (logLines.length < 1000 && logLines.push(line)) };
  const node = await createNode(config, { logger: createLogger('info', sink), nowMs: clock.nowMs, externalWritePollMs: 0, ...injections });
  const server = createServer(node.listener, config, undefined, (code) => node.metrics.error(code));
  const port = await listen(server, 0, host);
  t.teardown(async () => {
    await closeGracefully(server, 1000);
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return new NodeUnderTest(node, config, port, clock, host, logLines);
}
