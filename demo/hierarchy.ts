// `npm run demo:hierarchy`: a top-level node and 20 secondary nodes on loopback; identifiers registered on each,
// a random mix resolved through random nodes, a summary table per node, everything stopped at the end. The last line
// says how it went; the exit code is 1 when anything went wrong. `-- --faults` adds the faults of the fault test
// (a secondary node SIGKILLed, the top-level node down 10 s, a slow upstream) under load afterwards.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killChildrenOnExit } from '../bench/processes.js';
import { randomFrom, startHierarchy, until, urlOf, type ClusterNode, type Hierarchy } from './cluster.js';
import { DelayProxy } from './delay-proxy.js';
import { runFaultScenario } from './fault-scenario.js';

const { values: args } = parseArgs({
  options: {
    secondaries: { type: 'string', default: '20' },
    identifiers: { type: 'string', default: '50' },
    resolutions: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '8' },
    faults: { type: 'boolean', default: false },
    // Resolutions of identifiers never registered (each one an error): shows, and tests, the exit code on errors.
    missing: { type: 'string', default: '0' },
    echo: { type: 'boolean', default: false },
  },
});
const SECONDARIES = Number(args.secondaries);
const PER_NODE = Number(args.identifiers);
const RESOLUTIONS = Number(args.resolutions);
const CONCURRENCY = Number(args.concurrency);
const MISSING = Number(args.missing);
const UPSTREAM_TIMEOUT_MS = 2000;
const ENV = { IDNODE_OUTBOX_POLL_MS: '200', IDNODE_OUTBOX_RETRY_MAX_MS: '1000', IDNODE_STATISTICS_INTERVAL_SECONDS: '2', IDNODE_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) };

const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface NodeFigures {
  identifiers: number;
  resolutions: number;
  latenciesMs: number[];
  errors: number;
  /** Cache counters at the start and the end of the resolution mix. */
  before: CacheCounts;
  after: CacheCounts;
}

interface CacheCounts {
  readonly hits: number;
  readonly lookups: number;
}

/**
 * What a node answered from a cache, of every resolution it answered (for the demo's clients and for other nodes
 * alike): its own records from its resolve cache, other nodes' from its cache of their answers. Its lookups of handles
 * it does not serve, which only lead to a referral or recursion, are not counted.
 */
async function cacheCounts(node: ClusterNode): Promise<CacheCounts> {
  const text = (await node.call('GET', '/metrics')).text;
  const value = (sample: string): number => Number(text.split('\n').find((line) => line.startsWith(`${sample} `))?.slice(sample.length + 1) ?? 0);
  const own = (outcome: string): number => value(`idnode_resolutions_total{outcome="${outcome}"}`);
  const remote = (outcome: string): number => value(`idnode_recursive_resolutions_total{outcome="${outcome}"}`);
  const hits = own('cache_hit') + remote('cached');
  return { hits, lookups: hits + own('cache_miss') + remote('found') + remote('not_found') + remote('stale') + remote('failed') };
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

async function registerAll(secondaries: readonly ClusterNode[], figures: Map<ClusterNode, NodeFigures>, handles: string[], problems: string[]): Promise<void> {
  await Promise.all(
    secondaries.map(async (node) => {
      for (let i = 0; i < PER_NODE; i += 1) {
        const handle = `${node.prefix}/DEVICE-${String(i).padStart(5, '0')}`;
        const reply = await node.call('PUT', `/api/handles/${handle}`, { admin: true, body: [{ index: 1, type: 'URL', data: urlOf(handle) }] });
        if (reply.status === 201) {
          handles.push(handle);
          figures.get(node)!.identifiers += 1;
        } else problems.push(`registering ${handle}: ${reply.status} ${reply.text.slice(0, 200)}`);
      }
    }),
  );
}

async function resolveMix(nodes: readonly ClusterNode[], figures: Map<ClusterNode, NodeFigures>, handles: readonly string[], problems: string[]): Promise<void> {
  const random = randomFrom(20_260_115);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < RESOLUTIONS) {
      next += 1;
      const handle = next <= MISSING ? `${handles[0]}-MISSING-${next}` : handles[random(handles.length)];
      const via = nodes[random(nodes.length)];
      if (handle === undefined || via === undefined) return;
      const counted = figures.get(via)!;
      counted.resolutions += 1;
      try {
        const reply = await via.call('GET', `/api/handles/${handle}?recursive`, { timeoutMs: 2 * UPSTREAM_TIMEOUT_MS + 5000 });
        counted.latenciesMs.push(reply.ms);
        if (reply.status !== 200 || reply.json?.values?.[0]?.data?.value !== urlOf(handle)) {
          counted.errors += 1;
          problems.push(`${handle} via ${via.name}: ${reply.status} ${reply.text.slice(0, 200)}`);
        }
      } catch (error) {
        counted.errors += 1;
        const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
        problems.push(`${handle} via ${via.name}: ${(error as Error).message}${cause === undefined ? '' : ` (${cause})`}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function table(nodes: readonly ClusterNode[], figures: Map<ClusterNode, NodeFigures>): void {
  say('');
  say('resolutions: sent to the node by this demo (recursive); cache hits: of every resolution it answered, clients and');
  say('other nodes alike, the share from its caches; p99: as this demo measured it, client side');
  say('');
  say('node       role        identifiers  resolutions  cache hits  p99 (ms)  errors');
  say('---------  ----------  -----------  -----------  ----------  --------  ------');
  for (const node of nodes) {
    const f = figures.get(node)!;
    const lookups = f.after.lookups - f.before.lookups;
    const ratio = lookups === 0 ? '—' : `${((100 * (f.after.hits - f.before.hits)) / lookups).toFixed(1)}%`;
    say(
      `${node.prefix.padEnd(9)}  ${(node.name === 'top' ? 'top-level' : 'secondary').padEnd(10)}  ${String(f.identifiers).padStart(11)}  ${String(f.resolutions).padStart(11)}  ${ratio.padStart(10)}  ${p99(f.latenciesMs).toFixed(1).padStart(8)}  ${String(f.errors).padStart(6)}`,
    );
  }
  say('');
}

async function main(): Promise<number> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'idnode-demo-'));
  let proxy: DelayProxy | null = null;
  killChildrenOnExit();
  const prefixes = Array.from({ length: SECONDARIES }, (_, i) => `88.${100 + i}`);
  say(`starting a top-level node (88) and ${SECONDARIES} secondary nodes (${prefixes[0]} … ${prefixes.at(-1)}) on loopback`);
  let hierarchy: Hierarchy | null = null;
  const problems: string[] = [];
  try {
    hierarchy = await startHierarchy({
      dir,
      secondaries: prefixes,
      topEnv: { ...ENV, IDNODE_PROBE_INTERVAL_MS: '500', IDNODE_TAKEOVER_AFTER_MS: '3000' },
      secondaryEnv: ENV,
      echo: args.echo,
      // With --faults the last secondary node reaches the top-level node through a proxy that can be made slow.
      upstreamOf: async (top, prefix) => {
        if (!args.faults || prefix !== prefixes.at(-1)) return top.origin;
        proxy = await DelayProxy.start(top.port);
        return proxy.origin;
      },
    });
    const { top, secondaries } = hierarchy;
    const nodes = [top, ...secondaries];
    say(`all joined in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const figures = new Map<ClusterNode, NodeFigures>(nodes.map((node) => [node, { identifiers: 0, resolutions: 0, latenciesMs: [], errors: 0, before: { hits: 0, lookups: 0 }, after: { hits: 0, lookups: 0 } }]));
    const handles: string[] = [];
    await registerAll(secondaries, figures, handles, problems);
    say(`registered ${handles.length} identifiers`);
    for (const node of nodes) figures.get(node)!.before = await cacheCounts(node);
    await resolveMix(nodes, figures, handles, problems);
    for (const node of nodes) figures.get(node)!.after = await cacheCounts(node);
    say(`resolved ${RESOLUTIONS} through random nodes`);

    // The top-level node's view: every identifier reported by its node, every outbox empty.
    try {
      await until(async () => (await top.call('GET', '/api/hierarchy/statistics', { admin: true })).json?.totals?.identifiers === handles.length, 60_000, 'the statistics reach the top-level node', 250);
      await until(async () => (await Promise.all(secondaries.map((node) => node.status()))).every((status) => status.upstream?.outbox?.pending === 0), 60_000, 'every outbox drains', 250);
      const statistics = (await top.call('GET', '/api/hierarchy/statistics', { admin: true })).json;
      say(`top-level node: ${statistics.totals.identifiers} identifiers reported by ${statistics.nodes.length} nodes; every outbox empty`);
    } catch (error) {
      problems.push((error as Error).message);
    }
    table(nodes, figures);

    if (args.faults && proxy !== null) {
      say('faults under load: a secondary node SIGKILLed and restarted, the top-level node down 10 s, a slow upstream');
      const report = await runFaultScenario({
        writer: secondaries[0]!,
        top,
        secondaries,
        proxy,
        known: handles.filter((handle) => !handle.startsWith(`${secondaries[0]!.prefix}/`)),
        topDownMs: 10_000,
        slowMs: 5000,
        upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
        log: (line) => say(`  ${line}`),
      });
      say(`  ${report.acknowledged} registrations acknowledged during the faults, none lost; ${report.resolutions} resolutions ${JSON.stringify(report.answers)}; slowest ${Math.round(report.slowestMs)} ms`);
      problems.push(...report.violations);
    }
    const resolved = [...figures.values()].reduce((sum, f) => sum + f.resolutions, 0);
    for (const problem of problems.slice(0, 20)) say(`error: ${problem}`);
    if (problems.length > 20) say(`error: … and ${problems.length - 20} more`);
    say(`finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    say(`hierarchy: 1 top-level + ${secondaries.length} secondary nodes, ${handles.length} identifiers, ${resolved} resolutions, ${problems.length} errors`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await hierarchy?.remove();
    await (proxy as DelayProxy | null)?.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo:hierarchy: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
