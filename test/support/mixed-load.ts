// The mixed-load scenario (issue 3, "Abuse and load"): a child `idnode serve` resolving at full speed under autocannon
// while writer loops register and update, with read-after-write, WAL size, RSS and event-loop delay measured.

import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import autocannon from 'autocannon';
import { residentBytes, spawnChildNode } from './child-node.js';
import { httpCall, type Reply } from './http-client.js';
import { postgresUrlOf } from './on-postgres.js';
import { ADMIN_IDENTITY, ADMIN_SECRET, basicAuth, NODE_PREFIX } from './node-under-test.js';

const AUTHORIZATION = basicAuth(ADMIN_IDENTITY, ADMIN_SECRET);
const VERSION_INDEX = 2;

export interface MixedLoadOptions {
  /** Seconds of load; autocannon and the writers run for the same time. */
  readonly durationSeconds: number;
  /** Concurrent writer loops; each registers new handles and updates its own share of the seeded ones. */
  readonly writers: number;
  /** autocannon connections resolving the seeded handles. */
  readonly connections: number;
  /**
   * Handles registered before the load (default 1,200: a little more than fills the WAL to SQLite's automatic checkpoint at
   * 1,000 pages, so even a short, slow load starts on a WAL that has been checkpointed and restarted once).
   */
  readonly seedHandles?: number;
}

export interface StaleRead {
  readonly handle: string;
  /** The version the acknowledged update wrote. */
  readonly acknowledged: number;
  /** The version the next anonymous GET showed (null: no version value, or not a 200). */
  readonly seen: number | null;
}

export interface MixedLoadReport {
  readonly options: Required<MixedLoadOptions>;
  /** Wall time of the load phase in seconds. */
  readonly loadSeconds: number;
  readonly resolve: {
    readonly requestsPerSecond: number;
    readonly total: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly statusCodes: Record<string, number>;
  };
  readonly writes: {
    readonly registered: number;
    readonly updated: number;
    readonly readBacks: number;
    readonly perSecond: number;
    readonly registerP99Ms: number;
    readonly updateP99Ms: number;
    readonly readBackP99Ms: number;
    /** Every status the seeding and the writer loops received (writes and read-backs). */
    readonly statusCodes: Record<string, number>;
    /** Requests that failed without an HTTP answer (connection errors). */
    readonly failures: number;
  };
  readonly staleReads: readonly StaleRead[];
  /** 5xx answers the node itself counted (idnode_http_requests_total{status_class="5xx"}). */
  readonly node5xx: number;
  /** Log lines at error level or above the node wrote. */
  readonly errorLogLines: number;
  /** The node's event-loop delay over the load phase (prom-client's nodejs_eventloop_lag_*), in seconds. */
  readonly eventLoopDelay: { readonly p50Seconds: number; readonly p99Seconds: number; readonly maxSeconds: number };
  /** The node's store: a SQLite file, or (on the PostgreSQL pass of the suite) a PostgreSQL database, which has no `<db>-wal`. */
  readonly engine: 'sqlite' | 'postgres';
  /** `<db>-wal` size in bytes, one sample a second during the load. */
  readonly walBytes: readonly number[];
  /**
   * The WAL header's checkpoint sequence number before seeding, when the load starts and at the end: SQLite bumps it each
   * time it restarts the WAL from its beginning after a complete checkpoint, so an increase proves the WAL is reused.
   */
  readonly walCheckpoints: { readonly beforeSeeding: number; readonly loadStart: number; readonly end: number };
  /** The node's VmRSS in bytes, one sample a second during the load. */
  readonly rssBytes: readonly number[];
  /** What the node reported about its memory when the load started and ended, to explain RSS changes. */
  readonly memory: { readonly start: MemoryFigures; readonly end: MemoryFigures };
  readonly exitCode: number | null;
}

export interface MemoryFigures {
  readonly heapUsedBytes: number;
  /** Memory of C++ objects bound to JavaScript objects (Buffers among them). */
  readonly externalBytes: number;
  readonly cacheEntries: number;
  readonly cacheBytes: number;
}

/** Runs the scenario against a fresh child node (torn down with `t`) and returns what was measured; throws only if seeding is refused. */
export async function runMixedLoad(t: ExecutionContext, input: MixedLoadOptions): Promise<MixedLoadReport> {
  const options = { seedHandles: 1200, ...input };
  const dir = mkdtempSync(join(tmpdir(), 'idnode-load-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true })); // Teardowns run last-registered first: after the child is killed.
  const db = join(dir, 'idnode.db');
  const node = await spawnChildNode(t, db);
  const engine = postgresUrlOf(db) === undefined ? 'sqlite' : 'postgres';
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(options.writers, 16) });
  const send = (method: string, path: string, body?: unknown, authorization?: string): Promise<Reply> =>
    sendRequest(agent, node.port, method, path, body, authorization);

  const statusCodes: Record<string, number> = {};
  let failures = 0;
  const tally = async (reply: Promise<Reply>): Promise<Reply | null> => {
    try {
      const answer = await reply;
      statusCodes[answer.status] = (statusCodes[answer.status] ?? 0) + 1;
      return answer;
    } catch {
      failures += 1;
      return null;
    }
  };

  const checkpointsBeforeSeeding = walFile(`${db}-wal`).checkpointSequence;
  const seeded = Array.from({ length: options.seedHandles }, (_, i) => `${NODE_PREFIX}/LOAD-SEED-${String(i).padStart(6, '0')}`);
  for (let start = 0; start < seeded.length; start += 16) {
    const replies = await Promise.all(seeded.slice(start, start + 16).map((handle) => tally(send('PUT', `/api/handles/${handle}`, record(handle, 0), AUTHORIZATION))));
    const refused = replies.find((reply) => reply?.status !== 201);
    if (refused !== undefined) throw new Error(`seeding: expected 201, got ${refused === null ? 'no answer' : `${refused.status} ${refused.text}`}`);
  }

  const metricsText = async (): Promise<string> => (await send('GET', '/metrics')).text;
  // prom-client resets the event-loop delay histogram on each scrape: this one makes the final scrape cover the load only.
  const memoryAtStart = memoryFigures(await metricsText());
  const checkpointsAtLoadStart = walFile(`${db}-wal`).checkpointSequence;
  const walBytes: number[] = [];
  const rssBytes: number[] = [];
  const sampler = setInterval(() => {
    walBytes.push(walFile(`${db}-wal`).bytes);
    rssBytes.push(residentBytes(node.pid));
  }, 1000);

  const registerMs: number[] = [];
  const updateMs: number[] = [];
  const readBackMs: number[] = [];
  const staleReads: StaleRead[] = [];
  let registered = 0;
  let updated = 0;
  const startedMs = performance.now();
  const deadlineMs = startedMs + options.durationSeconds * 1000;
  const timed = async (into: number[], reply: Promise<Reply>): Promise<Reply | null> => {
    const before = performance.now();
    const answer = await tally(reply);
    into.push(performance.now() - before);
    return answer;
  };

  const writer = async (w: number): Promise<void> => {
    const own = seeded.filter((_, i) => i % options.writers === w);
    const versions = new Map(own.map((handle) => [handle, 0]));
    for (let n = 0; performance.now() < deadlineMs; n += 1) {
      const fresh = `${NODE_PREFIX}/LOAD-W${w}-${n}`;
      if ((await timed(registerMs, send('PUT', `/api/handles/${fresh}`, record(fresh, 0), AUTHORIZATION)))?.status === 201) registered += 1;

      const handle = own[n % own.length];
      if (handle === undefined) continue;
      const version = (versions.get(handle) ?? 0) + 1;
      versions.set(handle, version);
      if ((await timed(updateMs, send('PUT', `/api/handles/${handle}`, record(handle, version), AUTHORIZATION)))?.status !== 200) continue;
      updated += 1;
      // The update is acknowledged: the very next anonymous read must show it (or something newer).
      const seen = await timed(readBackMs, send('GET', `/api/handles/${handle}`));
      const shown = seen?.status === 200 ? versionIn(seen.text) : null;
      if (shown === null || shown < version) staleReads.push({ handle, acknowledged: version, seen: shown });
    }
  };

  let next = 0;
  const [resolved] = await Promise.all([
    autocannon({
      url: `http://127.0.0.1:${node.port}`,
      connections: options.connections,
      pipelining: 1,
      duration: options.durationSeconds,
      timeout: 10,
      requests: [
        {
          setupRequest: (request: autocannon.Request) => ({ ...request, method: 'GET', path: `/api/handles/${seeded[next++ % seeded.length]}` }),
        },
      ],
    }),
    ...Array.from({ length: options.writers }, (_, w) => writer(w)),
  ]);
  const loadSeconds = (performance.now() - startedMs) / 1000;
  clearInterval(sampler);
  const checkpointsAtEnd = walFile(`${db}-wal`).checkpointSequence;
  const metrics = await metricsText();
  agent.destroy();
  const exitCode = await node.stop();
  const autocannonCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(resolved.statusCodeStats ?? {})) autocannonCodes[code] = stat.count ?? 0;
  return {
    options,
    loadSeconds,
    resolve: {
      requestsPerSecond: resolved.requests.average,
      total: resolved.requests.total,
      p50Ms: resolved.latency.p50,
      p99Ms: resolved.latency.p99,
      maxMs: resolved.latency.max,
      errors: resolved.errors,
      timeouts: resolved.timeouts,
      non2xx: resolved.non2xx,
      statusCodes: autocannonCodes,
    },
    writes: {
      registered,
      updated,
      readBacks: readBackMs.length,
      perSecond: (registered + updated) / loadSeconds,
      registerP99Ms: percentile(registerMs, 0.99),
      updateP99Ms: percentile(updateMs, 0.99),
      readBackP99Ms: percentile(readBackMs, 0.99),
      statusCodes,
      failures,
    },
    staleReads,
    node5xx: sampleSum(metrics, 'idnode_http_requests_total', 'status_class="5xx"'),
    errorLogLines: node.errorLogLines(),
    eventLoopDelay: {
      p50Seconds: sampleSum(metrics, 'nodejs_eventloop_lag_p50_seconds'),
      p99Seconds: sampleSum(metrics, 'nodejs_eventloop_lag_p99_seconds'),
      maxSeconds: sampleSum(metrics, 'nodejs_eventloop_lag_max_seconds'),
    },
    engine,
    walBytes,
    walCheckpoints: { beforeSeeding: checkpointsBeforeSeeding, loadStart: checkpointsAtLoadStart, end: checkpointsAtEnd },
    rssBytes,
    memory: { start: memoryAtStart, end: memoryFigures(metrics) },
    exitCode,
  };
}

/** Two values: index 1 a URL, index 2 the version number the stale-read check compares. */
function record(handle: string, version: number): unknown[] {
  return [
    { index: 1, type: 'URL', data: `https://example.cn/load/${handle}` },
    { index: VERSION_INDEX, type: 'VERSION', data: String(version) },
  ];
}

/** The version value in a resolution body, or null when there is none. */
function versionIn(text: string): number | null {
  try {
    const body = JSON.parse(text) as { values?: { index: number; data: { value: unknown } }[] };
    const value = body.values?.find((v) => v.index === VERSION_INDEX)?.data.value;
    return typeof value === 'string' ? Number(value) : null;
  } catch {
    return null;
  }
}

/** One request to 127.0.0.1:`port` over `agent`; rejects on connection errors and after 10 s of socket silence. */
function sendRequest(agent: Agent, port: number, method: string, path: string, body?: unknown, authorization?: string): Promise<Reply> {
  return httpCall(port, method, path, { body, agent, timeoutMs: 10_000, headers: authorization === undefined ? {} : { authorization } });
}

/** The size of a WAL file and its header's checkpoint sequence number (bytes 12–15, big-endian; SQLite file format §4.1). */
function walFile(path: string): { bytes: number; checkpointSequence: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { bytes: 0, checkpointSequence: 0 };
  }
  try {
    const header = Buffer.alloc(32);
    const read = readSync(fd, header, 0, 32, 0);
    return { bytes: fstatSync(fd).size, checkpointSequence: read === 32 ? header.readUInt32BE(12) : 0 };
  } finally {
    closeSync(fd);
  }
}

/** Heap and resolve-cache figures from a /metrics text. */
function memoryFigures(metrics: string): MemoryFigures {
  return {
    heapUsedBytes: sampleSum(metrics, 'nodejs_heap_size_used_bytes'),
    externalBytes: sampleSum(metrics, 'nodejs_external_memory_bytes'),
    cacheEntries: sampleSum(metrics, 'idnode_cache_entries'),
    cacheBytes: sampleSum(metrics, 'idnode_cache_bytes'),
  };
}

/** The sum of a metric's samples whose label set contains `labels` (0 when absent). */
function sampleSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The `p` quantile (0–1) of `samples` by nearest rank, 0 when empty. */
function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}
