// The measured scenarios: the requests each sends, the status and body check before measuring, and one autocannon run.

import autocannon from 'autocannon';
import { BATCH_ACCOUNT, BATCH_PASSWORD, BATCH_ROUTE, BATCH_SIZE, BATCH_VALUES, batchBody, batchHandles, batchTemplate } from './snms-batch.js';
import { cpuSeconds } from './processes.js';
import {
  adminAuthorization,
  handlePath,
  hotIdentifierNumber,
  identifier,
  missingHandle,
  NODE_PREFIX,
  proxyPath,
  randomSource,
  registerBody,
} from './data-set.js';

export const SCENARIO_NAMES = [
  'resolve-hot',
  'resolve-cold',
  'resolve-404',
  'resolve-404-cold',
  'register',
  'put-durable',
  'reads-during-writes',
  'batchCreate',
  'proxy-hot',
  'proxy-cold',
  'udp-resolve-hot',
  'udp-resolve-cold',
  'tcp-resolve-hot',
  'tcp-resolve-cold',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** check: one sample request; warmup and measure: autocannon runs (each phase has its own request sequence). */
export type Phase = 'check' | 'warmup' | 'measure';

export interface RequestShape {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** HTTP (autocannon), or the Handle protocol over UDP or TCP (bench/wire-load.ts, port 2641's listeners). */
  readonly transport: 'http' | 'udp' | 'tcp';
  /** The HTTP status expected, or for the Handle protocol the responseCode (1 = RC_SUCCESS). */
  readonly expectedStatus: number;
  readonly description: string;
  /** True when every request is the same (autocannon then sends one prebuilt buffer). */
  readonly fixed: boolean;
  /** The request sequence of a phase: the same phase yields the same sequence for idnode and the baseline. */
  requests(phase: Phase): () => RequestShape;
  /** Identifiers each request writes, when more than one (reported as identifiers/s). */
  readonly itemsPerRequest?: number;
  /** Runs once against idnode before the check (logs in, creates what the scenario needs). */
  prepare?(idnodePort: number): Promise<void>;
  /** At most this many connections, whatever -c says (50 concurrent 1 MB batches would only measure a queue). */
  readonly maxConnections?: number;
  /**
   * What idnode is compared with: `bare` = the node:http baseline answering from a Map (default); `write` = the
   * one-transaction-per-request server (write-baseline-server.ts); `own` = idnode itself in another mode
   * (durable-writes.ts; not measured by run.ts's loop).
   */
  readonly ceiling?: 'bare' | 'write' | 'own';
}

const PHASE_SEEDS: Record<Phase, number> = { check: 1, warmup: 2, measure: 3 };

/** The scenarios over a data set of `identifiers`; `runTag` keeps registered handles unique across runs. */
export function scenarios(identifiers: number, runTag: string): Scenario[] {
  const hot = handlePath(identifier(hotIdentifierNumber(identifiers)).handle);
  // The resolve-hot of absence: a scanner that keeps asking for a code nobody registered.
  const missing = handlePath(missingHandle(randomSource(104_729)));
  const http: Scenario[] = [
    hotScenario(hot),
    {
      name: 'resolve-cold',
      transport: 'http',
      expectedStatus: 200,
      description: `GET a uniformly random one of the ${identifiers.toLocaleString('en-US')} seeded handles per request`,
      fixed: false,
      requests(phase) {
        const random = randomSource(PHASE_SEEDS[phase] * 7919);
        return () => ({ method: 'GET', path: handlePath(identifier(Math.floor(random() * identifiers)).handle), headers: {} });
      },
    },
    {
      name: 'resolve-404',
      transport: 'http',
      expectedStatus: 404,
      description: 'GET one never-registered handle under a homed prefix over and over (negative cache hit)',
      fixed: true,
      requests: () => () => ({ method: 'GET', path: missing, headers: {} }),
    },
    {
      name: 'resolve-404-cold',
      transport: 'http',
      expectedStatus: 404,
      description: 'GET a random never-registered handle under a homed prefix per request (each one a store lookup)',
      fixed: false,
      requests(phase) {
        const random = randomSource(PHASE_SEEDS[phase] * 104_729);
        return () => ({ method: 'GET', path: handlePath(missingHandle(random)), headers: {} });
      },
    },
    registerScenario('register', runTag, `PUT a new unique handle under ${NODE_PREFIX} as the node administrator (2 values, Basic auth)`, 'bare'),
    registerScenario('put-durable', `${runTag}-D`, 'the register PUTs, against a server committing one transaction per PUT (synchronous=FULL): what group commit buys', 'write'),
    { ...hotScenario(hot), name: 'reads-during-writes', description: 'resolve-hot GETs while PUTs commit: idnode with its writer thread vs writes on the event loop', ceiling: 'own' },
    batchCreateScenario(runTag),
  ];
  // The same resolutions through the resolver proxy: a browser's GET /{handle} → 302 to the record's URL value.
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'zh-CN,zh;q=0.9' };
  const proxy: Scenario[] = [
    {
      name: 'proxy-hot',
      transport: 'http',
      expectedStatus: 302,
      description: 'resolver proxy: a browser GETs one seeded handle over and over (302 to its URL value, resolve cache hit)',
      fixed: true,
      requests: () => () => ({ method: 'GET', path: proxyPath(identifier(hotIdentifierNumber(identifiers)).handle), headers: browser }),
    },
    {
      name: 'proxy-cold',
      transport: 'http',
      expectedStatus: 302,
      description: `resolver proxy: a browser GETs a uniformly random one of the ${identifiers.toLocaleString('en-US')} seeded handles per request`,
      fixed: false,
      requests(phase) {
        // Not resolve-cold's sequence, which would find every record already cached.
        const random = randomSource(PHASE_SEEDS[phase] * 15_485_863);
        return () => ({ method: 'GET', path: proxyPath(identifier(Math.floor(random() * identifiers)).handle), headers: browser });
      },
    },
  ];
  // The same resolutions over the Handle protocol: the request names the handle of the HTTP scenario's path.
  const wire = (['udp', 'tcp'] as const).flatMap((transport): Scenario[] => {
    const [hotHttp, coldHttp] = http;
    return [
      { ...hotHttp!, name: `${transport}-resolve-hot`, transport, expectedStatus: 1, description: `${transport.toUpperCase()} resolution of one seeded handle over and over (resolve cache hit)` },
      { ...coldHttp!, name: `${transport}-resolve-cold`, transport, expectedStatus: 1, description: `${transport.toUpperCase()} resolution of a uniformly random one of the ${identifiers.toLocaleString('en-US')} seeded handles` },
    ];
  });
  return [...http, ...proxy, ...wire];
}

/** GET one handle over and over: `path` is the hot handle's. */
export function hotScenario(path: string): Scenario {
  return {
    name: 'resolve-hot',
    transport: 'http',
    expectedStatus: 200,
    description: 'GET one seeded handle over and over (resolve cache hit)',
    fixed: true,
    requests: () => () => ({ method: 'GET', path, headers: {} }),
  };
}

/** PUTs of new unique handles `<node prefix>/BENCH-<tag>-<phase>-<n>` as the node administrator. */
export function registerScenario(name: ScenarioName, tag: string, description: string, ceiling: 'bare' | 'write'): Scenario {
  const authorization = adminAuthorization();
  return {
    name,
    transport: 'http',
    expectedStatus: 201,
    description,
    fixed: false,
    ceiling,
    requests(phase) {
      let n = 0;
      return () => {
        n += 1;
        const handle = `${NODE_PREFIX}/BENCH-${tag}-${phase.toUpperCase()}-${n}`;
        return { method: 'PUT', path: handlePath(handle), headers: { authorization, 'content-type': 'application/json' }, body: registerBody(handle) };
      };
    },
  };
}

/** POST batches of 2,000 new identifiers (5 values each, checked against a template) as an SNMS administrator account. */
function batchCreateScenario(runTag: string): Scenario {
  let token = '';
  return {
    name: 'batchCreate',
    transport: 'http',
    expectedStatus: 200,
    description: `POST ${BATCH_ROUTE} with ${BATCH_SIZE.toLocaleString('en-US')} new identifiers of ${BATCH_VALUES} values each (an SNMS admin account's bearer token), on at most 4 connections`,
    fixed: false,
    itemsPerRequest: BATCH_SIZE,
    // A production line sends its batches one after another; a few lines at once is the realistic load.
    maxConnections: 4,
    async prepare(port) {
      const login = await sendOnce(port, { method: 'POST', path: '/identity/token', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: BATCH_ACCOUNT, password: BATCH_PASSWORD }) });
      token = (JSON.parse(login.body) as { data?: { token?: string } }).data?.token ?? '';
      if (token === '') throw new Error(`batchCreate: the bench account could not log in: ${login.body}`);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      const template = await sendOnce(port, { method: 'POST', path: '/snms/api/v5/template', headers, body: batchTemplate(NODE_PREFIX) });
      if ((JSON.parse(template.body) as { status?: number }).status !== 1) throw new Error(`batchCreate: the template was refused: ${template.body}`);
    },
    requests(phase) {
      let n = 0;
      return () => {
        n += 1;
        return {
          method: 'POST',
          path: BATCH_ROUTE,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: batchBody(batchHandles(NODE_PREFIX, `${runTag}-${phase.toUpperCase()}`, n)),
        };
      };
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  /** The Location header, for redirects. */
  readonly location: string | null;
}

/** Sends one request with fetch (used for the check before measuring). */
export async function sendOnce(port: number, request: RequestShape): Promise<Reply> {
  // A redirect is the answer being checked, not something to follow.
  const init: RequestInit = { method: request.method, headers: request.headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) };
  if (request.body !== undefined) init.body = request.body;
  const response = await fetch(`http://127.0.0.1:${port}${request.path}`, init);
  return { status: response.status, body: await response.text(), location: response.headers.get('location') };
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly mean: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly totalRequests: number;
  readonly durationSeconds: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Responses by status code, e.g. { "200": 123456 }. */
  readonly statusCodes: Record<string, number>;
  /** Responses whose status was not the scenario's expected one. */
  readonly unexpected: number;
  /** Server CPU (user + system) per completed request, in microseconds: robust against a busy machine. */
  readonly serverCpuMicrosPerRequest: number | null;
  /** Server CPU time ÷ wall time (100 = one core busy). */
  readonly serverCpuPercent: number | null;
  /** The load generator's (this process's) CPU ÷ wall time; near 100 means autocannon itself was the limit. */
  readonly clientCpuPercent: number;
  /** With --store postgres: the PostgreSQL server's CPU (postmaster and backends) per completed request, in microseconds. */
  readonly databaseCpuMicrosPerRequest?: number | null;
}

export interface LoadOptions {
  readonly port: number;
  /** The server's process id, to read its CPU time. */
  readonly pid: number;
  readonly seconds: number;
  readonly connections: number;
  /** The database server's process id (PostgreSQL's postmaster), to read its CPU time too. */
  readonly databasePid?: number;
}

/** One autocannon run of `scenario`'s `phase` sequence against 127.0.0.1:`port` (pipelining 1). */
export async function runLoad(scenario: Scenario, phase: Phase, options: LoadOptions): Promise<LoadResult> {
  const next = scenario.requests(phase);
  let request: autocannon.Request;
  if (scenario.fixed) {
    const shape = next();
    request = { method: shape.method, path: shape.path, headers: shape.headers, ...(shape.body === undefined ? {} : { body: shape.body }) };
  } else {
    request = {
      setupRequest: (defaults: autocannon.Request) => {
        const shape = next();
        return { ...defaults, method: shape.method, path: shape.path, headers: { ...defaults.headers, ...shape.headers }, body: shape.body ?? '' };
      },
    };
  }
  const serverCpuBefore = cpuSeconds(options.pid);
  const databaseCpuBefore = options.databasePid === undefined ? null : cpuSeconds(options.databasePid);
  const clientCpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 10,
    requests: [request],
  });
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuAfter = cpuSeconds(options.pid);
  const databaseCpuAfter = options.databasePid === undefined ? null : cpuSeconds(options.databasePid);
  const serverCpu = serverCpuBefore === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpuBefore;
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const expected = statusCodes[String(scenario.expectedStatus)] ?? 0;
  const answered = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  return {
    requestsPerSecond: result.requests.average,
    latencyMs: { mean: result.latency.mean, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    totalRequests: result.requests.total,
    durationSeconds: result.duration,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    unexpected: answered - expected,
    serverCpuMicrosPerRequest: serverCpu === null || answered === 0 ? null : (serverCpu * 1e6) / answered,
    serverCpuPercent: serverCpu === null ? null : (100 * serverCpu) / wallSeconds,
    clientCpuPercent: (clientCpu.user + clientCpu.system) / 1e4 / wallSeconds,
    ...(options.databasePid === undefined
      ? {}
      : { databaseCpuMicrosPerRequest: databaseCpuBefore === null || databaseCpuAfter === null || answered === 0 ? null : ((databaseCpuAfter - databaseCpuBefore) * 1e6) / answered }),
  };
}

export const RESOLUTION_OUTCOMES = ['cache_hit', 'cache_miss', 'negative_hit', 'not_found'] as const;
export type ResolutionCounts = Record<(typeof RESOLUTION_OUTCOMES)[number], number>;

/** idnode's resolution counters (idnode_resolutions_total by outcome) from its /metrics. */
export async function resolutionCounts(port: number): Promise<ResolutionCounts> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const counts: ResolutionCounts = { cache_hit: 0, cache_miss: 0, negative_hit: 0, not_found: 0 };
  for (const outcome of RESOLUTION_OUTCOMES) {
    const line = text.split('\n').find((l) => l.startsWith(`idnode_resolutions_total{outcome="${outcome}"} `));
    if (line !== undefined) counts[outcome] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/** Counter increase from `before` to `after`. */
export function resolutionDelta(before: ResolutionCounts, after: ResolutionCounts): ResolutionCounts {
  return {
    cache_hit: after.cache_hit - before.cache_hit,
    cache_miss: after.cache_miss - before.cache_miss,
    negative_hit: after.negative_hit - before.negative_hit,
    not_found: after.not_found - before.not_found,
  };
}
