// In-process hierarchies for tests: a top-level node and secondary nodes on loopback, each with its own store, clock
// and listener (which a test can stop and start again on the same port), joined as an operator would join them.

import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createNode } from '../../src/app.js';
import { closeGracefully, createServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/log/logger.js';
import { ADMIN, ADMIN_SECRET, NodeUnderTest, TestClock, testConfig, type Reply, type RequestOptions } from './node-under-test.js';

export const TOP_PREFIX = '88';
/** The administrator of a node with prefix P is 300:0.NA/P, with the tests' one secret. */
export const adminOf = (prefix: string): { identity: string; secret: string } => ({ identity: `300:0.NA/${prefix}`, secret: ADMIN_SECRET });

/** Background work never fires by itself in these tests: they drive it (runOnce) on their injected clocks. */
const QUIET: Record<string, string> = {
  IDNODE_OUTBOX_POLL_MS: '600000',
  IDNODE_OUTBOX_RETRY_MAX_MS: '3600000',
  IDNODE_STATISTICS_INTERVAL_SECONDS: '86400',
  IDNODE_PROBE_INTERVAL_MS: '600000',
  // Calls between in-process nodes are real; on a loaded shared machine one can take longer than the default 2 s.
  // The tests of timeouts set their own.
  IDNODE_UPSTREAM_TIMEOUT_MS: '15000',
};

export class HierarchyNode extends NodeUnderTest {
  constructor(
    base: NodeUnderTest,
    readonly prefix: string,
    private server: Server | null,
  ) {
    super(base.node, base.config, base.port, base.clock, base.host, base.logLines);
  }

  /** As NodeUnderTest's, but writes carry this node's own administrator's credentials. */
  override request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    return super.request(method, path, method === 'GET' || options.auth !== undefined ? options : { ...options, auth: this.admin });
  }

  /** The node's administrator credentials (for `auth`). */
  get admin(): { identity: string; secret: string } {
    return adminOf(this.prefix);
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Stops answering (the listener closes, connections are cut); the node itself keeps running. */
  async stopListening(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server !== null) await closeGracefully(server, 0);
  }

  /** Answers again on the same port. */
  async listenAgain(): Promise<void> {
    if (this.server !== null) return;
    const server = createServer(this.node.listener, this.config, undefined, (code) => this.node.metrics.error(code));
    await listen(server, this.port, this.host);
    this.server = server;
  }

  /** One pass of the outbox worker (join, then send everything). */
  async deliver(): Promise<{ joined: boolean; delivered: number; refused: number; failure: string | null }> {
    const worker = this.node.hierarchy.worker;
    if (worker === null) throw new Error(`${this.prefix} has no upstream`);
    return worker.runOnce();
  }

  /** Its node key as published at /api/site. */
  async publicKey(): Promise<Record<string, string>> {
    const reply = await this.get('/api/site');
    if (reply.status !== 200) throw new Error(`GET /api/site of ${this.prefix}: ${reply.status} ${reply.text}`);
    return reply.json.site.servers[0].publicKey.value;
  }
}

async function start(t: ExecutionContext, prefix: string, env: Record<string, string>, clock: TestClock): Promise<HierarchyNode> {
  const host = '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'idnode-hierarchy-'));
  const config = testConfig(dir, { IDNODE_NODE_PREFIX: prefix, ...QUIET, ...env });
  const logLines: string[] = [];
  const sink = { write: (line: string) => void (logLines.length < 1000 && logLines.push(line)) };
  const node = await createNode(config, { logger: createLogger('info', sink), nowMs: clock.nowMs, externalWritePollMs: 0 });
  const server = createServer(node.listener, config, undefined, (code) => node.metrics.error(code));
  const port = await listen(server, 0, host);
  const started = new HierarchyNode(new NodeUnderTest(node, config, port, clock, host, logLines), prefix, server);
  t.teardown(async () => {
    await started.stopListening();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return started;
}

/** A top-level node with prefix 88, its background work started (the prober waits for runOnce). */
export async function startTopLevel(t: ExecutionContext, env: Record<string, string> = {}, clock = new TestClock()): Promise<HierarchyNode> {
  const top = await start(t, TOP_PREFIX, { IDNODE_ROLE: 'top-level', ...env }, clock);
  top.node.publishSite(top.port);
  return top;
}

/**
 * A secondary node with `prefix` under `top`: admitted there with its node key by the top-level operator, then
 * started (it publishes its site) and joined — its first outbox pass done. `admit: false` leaves it unadmitted.
 */
export async function startSecondary(
  t: ExecutionContext,
  top: HierarchyNode | string,
  prefix: string,
  env: Record<string, string> = {},
  options: { clock?: TestClock; admit?: boolean } = {},
): Promise<HierarchyNode> {
  const upstream = typeof top === 'string' ? top : top.origin;
  const node = await start(t, prefix, { IDNODE_UPSTREAM_URL: upstream, ...env }, options.clock ?? new TestClock());
  if (typeof top !== 'string' && options.admit !== false) await admit(t, top, node);
  node.node.publishSite(node.port);
  await node.deliver();
  return node;
}

/** The top-level operator admits `node` with the key it publishes. */
export async function admit(t: ExecutionContext, top: HierarchyNode, node: HierarchyNode): Promise<void> {
  const reply = await top.put(`/api/hierarchy/nodes/${node.prefix}`, { publicKey: await node.publicKey() }, { auth: ADMIN_OF_TOP });
  t.is(reply.status, 200, `admitting ${node.prefix}: ${reply.text}`);
}

export const ADMIN_OF_TOP = adminOf(TOP_PREFIX);
export { ADMIN };
