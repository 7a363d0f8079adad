// Faults while a hierarchy is under load (issue 14): a secondary node SIGKILLed and restarted, the top-level node
// stopped for a while, a slow upstream — and what must hold through them: no acknowledged registration is lost, every
// resolution gets an answer or a clear error within its timeout, and every outbox drains once its peer is back.

import { randomFrom, until, urlOf, type ClusterNode } from './cluster.js';
import type { DelayProxy } from './delay-proxy.js';

export interface FaultScenarioOptions {
  /** The node registrations go to (it is the one SIGKILLed). */
  readonly writer: ClusterNode;
  readonly top: ClusterNode;
  /** Every secondary node (the writer among them). */
  readonly secondaries: readonly ClusterNode[];
  /** The proxy between one secondary node and the top-level node, made slow for `slowMs`. */
  readonly proxy: DelayProxy;
  /** Handles registered before the faults (on nodes other than the writer), each with its urlOf value. */
  readonly known: readonly string[];
  readonly topDownMs: number;
  readonly slowMs: number;
  /** IDNODE_UPSTREAM_TIMEOUT_MS of the nodes: a recursive resolution answers within twice that. */
  readonly upstreamTimeoutMs: number;
  readonly log?: (line: string) => void;
}

export interface FaultReport {
  readonly acknowledged: number;
  readonly resolutions: number;
  /** Answers by kind: found, not_found, and each clear error by its status. */
  readonly answers: Record<string, number>;
  readonly slowestMs: number;
  /** Everything that broke a rule; empty when the run held. */
  readonly violations: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the load and the faults one after another, then checks what must hold. */
export async function runFaultScenario(options: FaultScenarioOptions): Promise<FaultReport> {
  const { writer, top, secondaries, proxy } = options;
  const log = options.log ?? (() => {});
  const acknowledged: string[] = [];
  const answers: Record<string, number> = {};
  const violations: string[] = [];
  let resolutions = 0;
  let slowestMs = 0;
  let running = true;
  // What a client waits for at most: the node's own deadline (twice the upstream timeout) and some slack for a busy machine.
  const clientTimeoutMs = 2 * options.upstreamTimeoutMs + 5000;

  const write = async (): Promise<void> => {
    for (let n = 0; running; n += 1) {
      const handle = `${writer.prefix}/F-${n}`;
      try {
        const reply = await writer.call('PUT', `/api/handles/${handle}`, { admin: true, body: [{ index: 1, type: 'URL', data: urlOf(handle) }], timeoutMs: 5000 });
        if (reply.status === 201) acknowledged.push(handle);
      } catch {
        await sleep(50); // the node is down: not acknowledged, nothing to keep
      }
    }
  };

  const read = async (seed: number): Promise<void> => {
    const random = randomFrom(seed);
    while (running) {
      const nodes = [top, ...secondaries].filter((node) => node.running);
      const via = nodes[random(nodes.length)];
      const pool = [...options.known, ...acknowledged];
      // One in ten asks for a prefix no node serves, answered by the top-level node (or, through the slow proxy, not in time).
      const handle = random(10) === 0 ? `88.199/NOPE-${random(1000)}` : pool[random(pool.length)];
      if (via === undefined || handle === undefined) {
        await sleep(20);
        continue;
      }
      resolutions += 1;
      try {
        const reply = await via.call('GET', `/api/handles/${handle}?recursive`, { timeoutMs: clientTimeoutMs });
        slowestMs = Math.max(slowestMs, reply.ms);
        const kind = reply.status === 200 ? 'found' : reply.status === 404 ? 'not_found' : `status_${reply.status}`;
        answers[kind] = (answers[kind] ?? 0) + 1;
        if (reply.status === 200 && reply.json?.values?.[0]?.data?.value !== urlOf(handle)) violations.push(`${handle} via ${via.name}: wrong values ${reply.text.slice(0, 200)}`);
        if (reply.status >= 500 && typeof reply.json?.responseCode !== 'number') violations.push(`${handle} via ${via.name}: ${reply.status} without a catalog error`);
        if (reply.status !== 200 && reply.status !== 404 && reply.status !== 400 && reply.status < 500) violations.push(`${handle} via ${via.name}: unexpected ${reply.status} ${reply.text.slice(0, 200)}`);
      } catch (error) {
        if (!via.running) continue; // it went down while asked
        const name = (error as Error).name;
        violations.push(`${handle} via ${via.name}: ${name === 'TimeoutError' ? `no answer within ${clientTimeoutMs} ms` : (error as Error).message}`);
      }
    }
  };

  const load = [write(), ...[1, 2, 3, 4].map((seed) => read(seed * 7919))];
  try {
    await sleep(1000);
    log(`fault: SIGKILL ${writer.name}, then restart it`);
    await writer.kill();
    await sleep(500);
    await writer.start();
    await sleep(1000);
    log(`fault: the top-level node stopped for ${options.topDownMs / 1000} s`);
    await top.stop();
    await sleep(options.topDownMs);
    await top.start();
    await sleep(1000);
    log(`fault: a slow upstream (every answer held ${3 * options.upstreamTimeoutMs} ms) for ${options.slowMs / 1000} s`);
    proxy.delayMs = 3 * options.upstreamTimeoutMs;
    await sleep(options.slowMs);
    proxy.delayMs = 0;
    await sleep(1000);
  } finally {
    running = false;
    await Promise.all(load);
  }

  log('checking: every outbox drains, every acknowledged registration is there');
  for (const node of secondaries) {
    try {
      await until(async () => (await node.status()).upstream?.outbox?.pending === 0, 30_000, `${node.name}'s outbox drains`, 100);
    } catch (error) {
      violations.push((error as Error).message);
    }
  }
  for (const handle of acknowledged) {
    const own = await writer.call('GET', `/api/handles/${handle}`);
    if (own.status !== 200) violations.push(`${handle} was acknowledged but ${writer.name} answers ${own.status}: lost`);
  }
  const sample = acknowledged.filter((_, i) => i % Math.max(1, Math.floor(acknowledged.length / 20)) === 0);
  for (const handle of sample) {
    const through = await top.call('GET', `/api/handles/${handle}?recursive`);
    if (through.status !== 200) violations.push(`${handle} through the top-level node: ${through.status} ${through.text.slice(0, 200)}`);
  }
  return { acknowledged: acknowledged.length, resolutions, answers, slowestMs, violations };
}
