// A hierarchy of real `idnode serve` processes on loopback — a top-level node and secondary nodes, admitted and joined
// as an operator would — for `npm run demo:hierarchy` and the hierarchy's integration tests: start, stop, SIGKILL,
// restart on the same port and store, and calls to each node.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnServer, stopServer, waitReady, type ServerProcess } from '../bench/processes.js';

export const CLI = new URL('../src/cli.js', import.meta.url).pathname;
export const ADMIN_SECRET = 'demo-admin-secret-0001';
export const TOP_PREFIX = '88';

export interface Answer {
  readonly status: number;
  readonly json: any;
  readonly text: string;
  /** Milliseconds from sending to the whole answer read. */
  readonly ms: number;
}

/** `Authorization: Basic` for `300:0.NA/<prefix>` (reference §6: `%` and `:` in the identity percent-encoded). */
export function adminAuthorization(prefix: string): string {
  const identity = `300:0.NA/${prefix}`.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `Basic ${Buffer.from(`${identity}:${ADMIN_SECRET}`).toString('base64')}`;
}

/** The URL value a demo or test identifier is registered with (and checked against when it is resolved). */
export function urlOf(handle: string): string {
  return `https://trace.example.cn/${handle}`;
}

/** A deterministic random integer below `n` per call (mulberry32), so that a run can be repeated exactly. */
export function randomFrom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

/** Resolves once `check` returns true (asked every `everyMs`); throws naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export class ClusterNode {
  private server: ServerProcess | null = null;
  /** Started and ready, and not being stopped. */
  private up = false;

  constructor(
    readonly name: string,
    readonly prefix: string,
    readonly port: number,
    readonly db: string,
    private readonly env: Record<string, string>,
    private readonly echo: boolean,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** True from ready until a stop or kill begins: the node is meant to answer. */
  get running(): boolean {
    return this.up && this.server !== null && !this.server.exited();
  }

  get pid(): number | null {
    return this.server?.pid ?? null;
  }

  /** Starts `idnode serve` on its port and store, and waits until it is ready (a restart keeps both). */
  async start(timeoutMs = 30_000): Promise<void> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('IDNODE_') && value !== undefined) env[name] = value;
    this.server = spawnServer(this.name, CLI, ['serve'], { ...env, ...this.env }, this.port, this.echo);
    await waitReady(this.server, timeoutMs);
    this.up = true;
  }

  /** SIGTERM: a graceful stop. */
  async stop(): Promise<void> {
    this.up = false;
    if (this.server !== null) await stopServer(this.server);
    this.server = null;
  }

  /** SIGKILL: gone at once, nothing flushed but what was committed. */
  async kill(): Promise<void> {
    this.up = false;
    const server = this.server;
    this.server = null;
    if (server === null || server.exited()) return;
    const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
    server.child.kill('SIGKILL');
    await exited;
  }

  output(): string {
    return this.server?.output() ?? '';
  }

  /** One HTTP call; `admin` adds this node's administrator credentials. Rejects on connection errors and after `timeoutMs`. */
  async call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; admin?: boolean; timeoutMs?: number } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.admin === true) headers.authorization = adminAuthorization(this.prefix);
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    const response = await fetch(`${this.origin}${path}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, ms: performance.now() - started };
  }

  /** Its place in the hierarchy (GET /api/hierarchy as its administrator). */
  async status(): Promise<any> {
    return (await this.call('GET', '/api/hierarchy', { admin: true })).json;
  }

  /** A counter or gauge from its /metrics (0 when absent). */
  async metric(sample: string): Promise<number> {
    const text = (await this.call('GET', '/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line === undefined ? 0 : Number(line.slice(sample.length + 1));
  }
}

export interface HierarchyOptions {
  /** A directory for the stores (removed by `remove`). */
  readonly dir: string;
  readonly secondaries: readonly string[];
  readonly topEnv?: Record<string, string>;
  readonly secondaryEnv?: Record<string, string>;
  /** Echo the children's output with a `[name]` prefix. */
  readonly echo?: boolean;
  /** The upstream a secondary node is given (default: the top-level node itself; a test may put a proxy between). */
  readonly upstreamOf?: (top: ClusterNode, prefix: string) => Promise<string> | string;
}

export interface Hierarchy {
  readonly top: ClusterNode;
  readonly secondaries: readonly ClusterNode[];
  /** Stops every node still running (SIGTERM) and removes the stores. */
  remove(): Promise<void>;
}

/** What every node of a demo or test hierarchy runs with: loopback, fast secret hashing, no Handle protocol, no rate limits. */
function baseEnv(prefix: string, port: number, db: string): Record<string, string> {
  return {
    IDNODE_DB_PATH: db,
    IDNODE_PORT: String(port),
    IDNODE_HOST: '127.0.0.1',
    IDNODE_HANDLE_PORT: '0',
    IDNODE_WORKERS: '1',
    IDNODE_NODE_PREFIX: prefix,
    IDNODE_ADMIN_SECRET: ADMIN_SECRET,
    IDNODE_SECRET_HASH_ITERATIONS: '1000',
    IDNODE_LOG_LEVEL: 'warn',
    IDNODE_RATE_LIMIT_PER_CLIENT: '0',
    IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '0',
    IDNODE_RATE_LIMIT_PER_IDENTITY: '0',
    IDNODE_RATE_LIMIT_FAILED_LOGINS: '0',
  };
}

/** A node of the hierarchy, not started. */
export async function clusterNode(name: string, prefix: string, dir: string, env: Record<string, string>, echo = false): Promise<ClusterNode> {
  const port = await freePort();
  const db = join(dir, `${name}.db`);
  return new ClusterNode(name, prefix, port, db, { ...baseEnv(prefix, port, db), ...env }, echo);
}

/** The top-level operator admits `node` with the key it publishes at /api/site. */
export async function admit(top: ClusterNode, node: ClusterNode): Promise<void> {
  const site = await node.call('GET', '/api/site');
  const reply = await top.call('PUT', `/api/hierarchy/nodes/${node.prefix}`, { admin: true, body: { publicKey: site.json.site.servers[0].publicKey.value } });
  if (reply.status !== 200) throw new Error(`admitting ${node.prefix}: ${reply.status} ${reply.text}`);
}

/**
 * Starts a top-level node (prefix 88) and one secondary node per prefix, admits each with its key, and waits until
 * every one has joined.
 */
export async function startHierarchy(options: HierarchyOptions): Promise<Hierarchy> {
  const echo = options.echo ?? false;
  const top = await clusterNode('top', TOP_PREFIX, options.dir, { IDNODE_ROLE: 'top-level', ...options.topEnv }, echo);
  const secondaries: ClusterNode[] = [];
  const remove = async (): Promise<void> => {
    await Promise.all([top, ...secondaries].map((node) => node.stop()));
    rmSync(options.dir, { recursive: true, force: true });
  };
  try {
    await top.start();
    for (const prefix of options.secondaries) {
      const upstream = (await options.upstreamOf?.(top, prefix)) ?? top.origin;
      secondaries.push(await clusterNode(`s${prefix.replace(/\./g, '-')}`, prefix, options.dir, { IDNODE_UPSTREAM_URL: upstream, ...options.secondaryEnv }, echo));
    }
    // A few at a time: each start generates a node key, and the machine may have two cores.
    for (let i = 0; i < secondaries.length; i += 4) {
      const group = secondaries.slice(i, i + 4);
      await Promise.all(group.map((node) => node.start()));
      for (const node of group) await admit(top, node);
    }
    for (const node of secondaries) await until(async () => (await node.status()).upstream?.joined === true, 30_000, `${node.name} joins`);
  } catch (error) {
    await remove();
    throw error;
  }
  return { top, secondaries, remove };
}
