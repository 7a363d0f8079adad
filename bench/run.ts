// `npm run bench`: seeds the data set, spawns idnode and the node:http baseline, checks, warms up and measures every scenario, reports.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ADMIN_SECRET, DATA_SET_VERSION, ENTERPRISE_PREFIX_COUNT, NODE_PREFIX } from './data-set.js';
import { freePort, killChildrenOnExit, rssBytes, spawnServer, stopServer, waitReady, type ServerProcess } from './processes.js';
import { consoleReport, markdownReport, writeResults, type RunResults, type ScenarioResult } from './report.js';
import { handlePath, hotIdentifierNumber, identifier } from './data-set.js';
import { measureReadsDuringWrites, startWriteBaseline } from './durable-writes.js';
import { POSTGRES_LEFT_OUT, POSTGRES_SCENARIOS, seedPostgres, type SeededPostgres } from './postgres-seed.js';
import { resolutionCounts, resolutionDelta, runLoad, scenarios, SCENARIO_NAMES, sendOnce, type Scenario } from './scenarios.js';
import { copyStoreForRun, seededStore } from './seed.js';
import { BATCH_ACCOUNT, BATCH_PASSWORD } from './snms-batch.js';
import { runWireLoad, waitWireReady, wireOnce } from './wire-load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const BASELINE = join(ROOT, 'dist/bench/baseline-server.js');
const WIRE_BASELINE = join(ROOT, 'dist/bench/wire-baseline-server.js');
const WRITE_BASELINE = join(ROOT, 'dist/bench/write-baseline-server.js');
const RESULTS_DIR = join(ROOT, 'bench/results');
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');
/** Variables the bench sets for idnode itself; any other IDNODE_* in the environment passes through and is reported. */
const IDNODE_FIXED = [
  'IDNODE_DB_PATH',
  'IDNODE_PORT',
  'IDNODE_HANDLE_PORT',
  'IDNODE_HOST',
  'IDNODE_ADMIN_SECRET',
  'IDNODE_LOG_LEVEL',
  'IDNODE_NODE_PREFIX',
  'IDNODE_RATE_LIMIT_PER_CLIENT',
  'IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT',
  'IDNODE_RATE_LIMIT_PER_IDENTITY',
  'IDNODE_WORKERS',
];

const USAGE = `usage: npm run bench -- [options]   (each option also reads the BENCH_* variable shown)
  -n, --identifiers N   seeded identifiers (BENCH_IDENTIFIERS, default 1000000)
  -d, --duration S      measured seconds per scenario and server (BENCH_DURATION, default 10)
  -w, --warmup S        warm-up seconds before each measurement (BENCH_WARMUP, default 3)
  -c, --connections N   concurrent connections (BENCH_CONNECTIONS, default 50)
  -s, --scenarios LIST  comma-separated subset of ${SCENARIO_NAMES.join(',')} (BENCH_SCENARIOS)
      --reseed          seed again even if a cached seed file exists (BENCH_RESEED=1)
      --seed-only       seed (or find) the cached store and stop
      --idnode-cli PATH compiled idnode CLI to measure (default dist/src/cli.js; e.g. another worktree's build)
      --profile         run idnode with --cpu-prof; the .cpuprofile lands in bench/results/profiles/
      --workers N       also measure idnode with IDNODE_WORKERS=N after the one-process pass, against the same
                        baseline figures (BENCH_WORKERS, default 1: one process only)
      --store postgres  after the SQLite pass, measure the same scenarios with IDNODE_STORE=postgres on a throwaway
                        PostgreSQL cluster seeded with the same records, against the same baseline figures
                        (BENCH_STORE, default sqlite; scenarios default to ${POSTGRES_SCENARIOS.join(',')})
  -h, --help`;

interface Options {
  readonly identifiers: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly scenarios: readonly string[];
  readonly reseed: boolean;
  readonly profile: boolean;
  readonly seedOnly: boolean;
  readonly idnodeCli: string;
  /** >1: a second pass with IDNODE_WORKERS=workers. */
  readonly workers: number;
  /** postgres: after the SQLite passes, the same passes with IDNODE_STORE=postgres. */
  readonly store: 'sqlite' | 'postgres';
}

class BenchError extends Error {}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min) throw new BenchError(`${name} must be an integer ≥ ${min} (got ${JSON.stringify(raw)})`);
  return n;
}

function parseOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
    options: {
      identifiers: { type: 'string', short: 'n' },
      duration: { type: 'string', short: 'd' },
      warmup: { type: 'string', short: 'w' },
      connections: { type: 'string', short: 'c' },
      scenarios: { type: 'string', short: 's' },
      reseed: { type: 'boolean' },
      profile: { type: 'boolean' },
      'seed-only': { type: 'boolean' },
      'idnode-cli': { type: 'string' },
      workers: { type: 'string' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    });
  } catch (error) {
    throw new BenchError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const env = process.env;
  const store = values.store ?? env.BENCH_STORE ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'postgres') throw new BenchError(`--store must be sqlite or postgres (got ${JSON.stringify(store)})`);
  const allScenarios = (store === 'postgres' ? POSTGRES_SCENARIOS : SCENARIO_NAMES).join(',');
  const scenarioList = (values.scenarios ?? env.BENCH_SCENARIOS ?? allScenarios).split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of scenarioList) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new BenchError(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  }
  return {
    identifiers: integerOption('identifiers', values.identifiers ?? env.BENCH_IDENTIFIERS, 1_000_000, 1),
    duration: integerOption('duration', values.duration ?? env.BENCH_DURATION, 10, 1),
    warmup: integerOption('warmup', values.warmup ?? env.BENCH_WARMUP, 3, 0),
    connections: integerOption('connections', values.connections ?? env.BENCH_CONNECTIONS, 50, 1),
    scenarios: scenarioList,
    reseed: values.reseed === true || env.BENCH_RESEED === '1',
    profile: values.profile === true,
    seedOnly: values['seed-only'] === true,
    idnodeCli: resolve(values['idnode-cli'] ?? CLI),
    workers: integerOption('workers', values.workers ?? env.BENCH_WORKERS, 1, 1),
    store,
  };
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The command that reproduces this run: BENCH_* and user-set IDNODE_* variables, then npm run bench with its arguments. */
function commandLine(): string {
  const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const vars = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') || (name.startsWith('IDNODE_') && !IDNODE_FIXED.includes(name)))
    .map(([name, value]) => `${name}=${quote(value ?? '')}`);
  const args = process.argv.slice(2).map(quote);
  return [...vars, 'npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function assertAlive(server: ServerProcess): void {
  if (server.exited()) throw new BenchError(`${server.name} exited during the run:\n${server.output()}`);
}

/** The sample request of a scenario must get the expected status from both servers, with the same body. */
async function check(scenario: Scenario, idnode: ServerProcess, baseline: ServerProcess): Promise<void> {
  const sample = scenario.requests('check')();
  const target = `${sample.method} ${sample.path}`;
  const mine = await sendOnce(idnode.port, sample);
  const ceiling = await sendOnce(baseline.port, sample);
  for (const [server, reply] of [[idnode, mine], [baseline, ceiling]] as const) {
    if (reply.status !== scenario.expectedStatus) {
      throw new BenchError(
        `${scenario.name}: ${server.name} answered ${reply.status} to ${target}, expected ${scenario.expectedStatus}; not measuring.\n` +
          `  body: ${reply.body.slice(0, 600)}`,
      );
    }
  }
  if (mine.body !== ceiling.body || mine.location !== ceiling.location) {
    throw new BenchError(`${scenario.name}: the baseline body differs from idnode's for ${target}; the ratio would be meaningless.\n  idnode:   ${mine.body}\n  baseline: ${ceiling.body}`);
  }
}

/** A Handle-protocol scenario's sample must get RC_SUCCESS from both servers, with the same bytes (but request id and expiry). */
async function checkWire(scenario: Scenario, transport: 'udp' | 'tcp', idnodePort: number, baselinePort: number): Promise<void> {
  const [mine, ceiling] = [await wireOnce(scenario, transport, idnodePort), await wireOnce(scenario, transport, baselinePort)];
  if (mine.responseCode !== scenario.expectedStatus || ceiling.responseCode !== scenario.expectedStatus) {
    throw new BenchError(`${scenario.name}: answered ${mine.responseCode} (idnode) and ${ceiling.responseCode} (baseline), expected ${scenario.expectedStatus}; not measuring.`);
  }
  if (!mine.comparable.equals(ceiling.comparable)) {
    throw new BenchError(`${scenario.name}: the wire baseline's answer differs from idnode's; the ratio would be meaningless.\n  idnode:   ${mine.comparable.toString('hex')}\n  baseline: ${ceiling.comparable.toString('hex')}`);
  }
}

/** The Handle-protocol ports of a run: idnode's (IDNODE_HANDLE_PORT) and the wire baseline's. */
interface WirePorts {
  readonly idnode: number;
  readonly baseline: ServerProcess;
}

/** A pass after the first: its baseline figures, its database, its IDNODE_WORKERS. */
interface Pass {
  /** The first pass's result for the scenario, whose baseline figures are reused (not measured again). */
  readonly ceilingOf?: ScenarioResult | undefined;
  /** Set when idnode runs on this PostgreSQL (its CPU is measured too). */
  readonly postgres?: SeededPostgres;
  readonly workers?: number;
}

/**
 * Measures idnode on a scenario, then the baseline — or, given `ceilingOf` (the scaling pass of --workers), reuses that
 * earlier baseline measurement of the scenario.
 */
async function measure(
  scenario: Scenario,
  idnode: ServerProcess,
  baseline: ServerProcess,
  options: Options,
  wire: WirePorts | null,
  pass: Pass = {},
): Promise<ScenarioResult> {
  const { ceilingOf, postgres } = pass;
  const transport = scenario.transport;
  const over = transport === 'http' || wire === null ? null : { transport, idnodePort: wire.idnode, baseline: wire.baseline };
  await scenario.prepare?.(idnode.port);
  if (over === null) await check(scenario, idnode, baseline);
  else await checkWire(scenario, over.transport, over.idnodePort, over.baseline.port);
  const ceilingServer = over === null ? baseline : over.baseline;
  const drive = (phase: 'warmup' | 'measure', seconds: number, server: ServerProcess, port: number) => {
    const shape = {
      seconds,
      connections: Math.min(options.connections, scenario.maxConnections ?? options.connections),
      port,
      pid: server.pid,
      ...(postgres === undefined || server !== idnode ? {} : { databasePid: postgres.pid }),
    };
    return over === null ? runLoad(scenario, phase, shape) : runWireLoad(scenario, over.transport, phase, shape);
  };
  const idnodePort = over === null ? idnode.port : over.idnodePort;
  if (options.warmup > 0) await drive('warmup', options.warmup, idnode, idnodePort);
  const before = await resolutionCounts(idnode.port);
  const mine = await drive('measure', options.duration, idnode, idnodePort);
  const after = await resolutionCounts(idnode.port);
  assertAlive(idnode);
  const idnodeRssBytesAfter = rssBytes(idnode.pid);
  let ceiling = ceilingOf?.baseline;
  if (ceiling === undefined) {
    if (options.warmup > 0) await drive('warmup', options.warmup, ceilingServer, ceilingServer.port);
    ceiling = await drive('measure', options.duration, ceilingServer, ceilingServer.port);
    assertAlive(ceilingServer);
  }
  return {
    name: scenario.name,
    description: scenario.description,
    expectedStatus: scenario.expectedStatus,
    idnode: mine,
    baseline: ceiling,
    ratio: ceiling.requestsPerSecond > 0 ? mine.requestsPerSecond / ceiling.requestsPerSecond : 0,
    ...(scenario.itemsPerRequest === undefined ? {} : { itemsPerRequest: scenario.itemsPerRequest }),
    idnodeResolutions: resolutionDelta(before, after),
    idnodeRssBytesAfter,
    ...(options.workers > 1 ? { workers: pass.workers ?? 1 } : {}),
    ...(postgres === undefined ? {} : { store: 'postgres' as const }),
  };
}

/**
 * The PostgreSQL pass of --store postgres: a throwaway cluster seeded with the pristine SQLite store's records, idnode
 * with IDNODE_STORE=postgres (then with IDNODE_WORKERS=N when --workers asks), each scenario that makes sense on it
 * against the SQLite pass's baseline figures. Appends to `results`; stops the cluster at the end.
 */
async function postgresPass(
  options: Options,
  seedPath: string,
  sqliteEnv: Record<string, string>,
  nodeFlags: readonly string[],
  baseline: ServerProcess,
  results: ScenarioResult[],
  runTag: string,
): Promise<RunResults['postgres']> {
  const left = options.scenarios.filter((name) => !(POSTGRES_SCENARIOS as readonly string[]).includes(name));
  for (const name of left) log(`${name}: not measured on PostgreSQL (${POSTGRES_LEFT_OUT[name] ?? 'not supported by the PostgreSQL pass'})`);
  if (left.length === options.scenarios.length) {
    log(`postgres: none of the chosen scenarios runs on PostgreSQL (${POSTGRES_SCENARIOS.join(', ')} do); no PostgreSQL pass`);
    return undefined;
  }
  // IDNODE_DB_PATH names a file that never exists (the node on PostgreSQL writes no file; the SQLite copy stays untouched).
  const env: Record<string, string> = { ...sqliteEnv, IDNODE_DB_PATH: join(dirname(sqliteEnv.IDNODE_DB_PATH ?? tmpdir()), 'unused-on-postgres.db'), IDNODE_HANDLE_PORT: '0', IDNODE_WORKERS: '1' };
  const seeded = await seedPostgres(seedPath, options.idnodeCli, env, log);
  log(`postgres: ${seeded.version.split(',')[0] ?? seeded.version}, seeded in ${seeded.seedSeconds.toFixed(1)} s (${(seeded.sizeBytes / 1e6).toFixed(0)} MB)`);
  env.IDNODE_STORE = 'postgres';
  env.IDNODE_PG_URL = seeded.url;
  let rssBytesAtEnd: number | null = null;
  try {
    for (const workers of options.workers > 1 ? [1, options.workers] : [1]) {
      env.IDNODE_WORKERS = String(workers);
      env.IDNODE_PORT = String(await freePort());
      const name = workers === 1 ? 'idnode-pg' : `idnode-pg×${workers}`;
      const idnode = spawnServer(name, options.idnodeCli, ['serve'], env, Number(env.IDNODE_PORT), true, nodeFlags);
      try {
        await waitReady(idnode, 120_000);
        log(`servers: idnode on PostgreSQL with IDNODE_WORKERS=${workers}, pid ${idnode.pid} on 127.0.0.1:${idnode.port}`);
        const chosen = scenarios(options.identifiers, `${runTag}P${workers}`).filter((s) => options.scenarios.includes(s.name) && (POSTGRES_SCENARIOS as readonly string[]).includes(s.name));
        for (const scenario of chosen) {
          const single = results.find((result) => result.name === scenario.name && result.store === undefined && (result.workers ?? 1) === 1);
          log(`${scenario.name} on PostgreSQL${workers === 1 ? '' : ` with ${workers} workers`}`);
          const result = await measure(scenario, idnode, baseline, options, null, { ceilingOf: single, postgres: seeded, workers });
          results.push(result);
          const sqlite = results.find((r) => r.name === scenario.name && r.store === undefined && (r.workers ?? 1) === workers);
          log(`  idnode ${Math.round(result.idnode.requestsPerSecond)} req/s (p50 ${result.idnode.latencyMs.p50} ms, p99 ${result.idnode.latencyMs.p99} ms), ` +
            `${sqlite === undefined ? '' : `${(result.idnode.requestsPerSecond / sqlite.idnode.requestsPerSecond).toFixed(2)}× SQLite, `}ratio ${result.ratio.toFixed(2)}`);
        }
        rssBytesAtEnd = rssBytes(idnode.pid);
      } finally {
        await stopServer(idnode);
      }
    }
  } finally {
    await seeded.cluster.stop();
  }
  return { version: seeded.version, seedSeconds: seeded.seedSeconds, sizeBytes: seeded.sizeBytes, idnodeRssBytesAtEnd: rssBytesAtEnd, settings: seeded.settings };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const runDir = mkdtempSync(join(tmpdir(), 'idnode-bench-run-'));
  killChildrenOnExit(() => rmSync(runDir, { recursive: true, force: true }));
  const commit = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  const cpu = { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  const command = commandLine();
  log(`idnode bench: commit ${commit}${dirty ? ' (dirty)' : ''}, Node ${process.version}, ${cpu.model} × ${cpu.cores}`);
  log(`$ ${command}`);
  if (options.idnodeCli !== CLI) log(`idnode: measuring ${options.idnodeCli}`);

  const seed = await seededStore(options.identifiers, options.reseed, log);
  if (options.seedOnly) return;
  const dbPath = join(runDir, 'idnode.db');
  const copyStarted = performance.now();
  copyStoreForRun(seed, dbPath);
  log(`store: copied for this run to ${dbPath} in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s`);

  const idnodeEnv: Record<string, string> = {
    IDNODE_DB_PATH: dbPath,
    IDNODE_PORT: String(await freePort()),
    // The Handle protocol only when a wire scenario runs, on a free port (2641 is not the bench's to take).
    IDNODE_HANDLE_PORT: options.scenarios.some((name) => name.startsWith('udp-') || name.startsWith('tcp-')) ? String(await freePort()) : '0',
    IDNODE_HOST: '127.0.0.1',
    // One process unless --workers asks for a second pass with more (IDNODE_WORKERS' default is the cores).
    IDNODE_WORKERS: '1',
    IDNODE_ADMIN_SECRET: ADMIN_SECRET,
    IDNODE_LOG_LEVEL: 'warn',
    IDNODE_NODE_PREFIX: NODE_PREFIX,
    // One load generator on loopback is one client network: the limiters run (their cost is measured) but never
    // refuse. Set these variables in the environment to measure other settings (e.g. 0 = limiter off).
    IDNODE_RATE_LIMIT_PER_CLIENT: process.env.IDNODE_RATE_LIMIT_PER_CLIENT ?? '100000000',
    IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: process.env.IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT ?? '100000000',
    IDNODE_RATE_LIMIT_PER_IDENTITY: process.env.IDNODE_RATE_LIMIT_PER_IDENTITY ?? '100000000',
  };
  if (options.scenarios.includes('batchCreate')) {
    // The SNMS scenario logs in with an account made the way an operator makes one.
    const made = spawnSync(process.execPath, [options.idnodeCli, 'account', 'add', BATCH_ACCOUNT, '--admin', '--stdin'], {
      env: { ...process.env, ...idnodeEnv },
      input: `${BATCH_PASSWORD}\n`,
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new BenchError(`idnode account add failed: ${made.stderr}`);
  }
  const baselinePort = await freePort();
  const nodeFlags = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  let idnode = spawnServer('idnode', options.idnodeCli, ['serve'], idnodeEnv, Number(idnodeEnv.IDNODE_PORT), true, nodeFlags);
  // The baseline holds the proxy's redirects too only when a proxy scenario runs (a second map of every identifier).
  const baselineEnv = { BENCH_IDENTIFIERS: String(options.identifiers), BENCH_PORT: String(baselinePort), BENCH_PROXY: options.scenarios.some((name) => name.startsWith('proxy-')) ? '1' : '0' };
  const baseline = spawnServer('baseline', BASELINE, [], baselineEnv, baselinePort, true);
  const wireBaseline = idnodeEnv.IDNODE_HANDLE_PORT === '0' ? null : await freePort();
  const wireServer = wireBaseline === null ? null : spawnServer('wire-baseline', WIRE_BASELINE, [], { BENCH_IDENTIFIERS: String(options.identifiers), BENCH_PORT: String(wireBaseline) }, wireBaseline, true);
  const startStarted = performance.now();
  await Promise.all([waitReady(idnode, 120_000), waitReady(baseline, 300_000)]);
  const probe = scenarios(options.identifiers, 'PROBE').find((s) => s.transport !== 'http');
  if (wireServer !== null && probe !== undefined) await waitWireReady(probe, wireServer.port, 300_000);
  const wire: WirePorts | null = wireServer === null ? null : { idnode: Number(idnodeEnv.IDNODE_HANDLE_PORT), baseline: wireServer };
  const writeBaseline = options.scenarios.includes('put-durable') ? await startWriteBaseline(WRITE_BASELINE, runDir) : null;
  log(`servers: idnode pid ${idnode.pid} on 127.0.0.1:${idnode.port}, baseline pid ${baseline.pid} on 127.0.0.1:${baseline.port} ` +
    `(ready after ${((performance.now() - startStarted) / 1000).toFixed(1)} s)`);

  const loadAtStart = loadavg();
  if ((loadAtStart[0] ?? 0) > cpu.cores / 2) {
    log(`WARNING: load average ${loadAtStart.map((v) => v.toFixed(2)).join(' / ')} on ${cpu.cores} cores: other work will skew these numbers`);
  }
  const runTag = Date.now().toString(36).toUpperCase();
  const chosen = scenarios(options.identifiers, runTag).filter((s) => options.scenarios.includes(s.name));
  const results: ScenarioResult[] = [];
  for (const scenario of chosen.filter((s) => s.ceiling !== 'own')) {
    log(`${scenario.name}: ${scenario.description}`);
    const result = await measure(scenario, idnode, scenario.ceiling === 'write' && writeBaseline !== null ? writeBaseline : baseline, options, wire);
    results.push(result);
    log(`  idnode ${Math.round(result.idnode.requestsPerSecond)} req/s (p50 ${result.idnode.latencyMs.p50} ms, p99 ${result.idnode.latencyMs.p99} ms), ` +
      `baseline ${Math.round(result.baseline.requestsPerSecond)} req/s, ratio ${result.ratio.toFixed(2)}`);
  }
  if (options.workers > 1) {
    // The scaling pass: the same store, IDNODE_WORKERS=N on a new port, each scenario against its baseline figures above.
    await stopServer(idnode);
    idnodeEnv.IDNODE_WORKERS = String(options.workers);
    idnodeEnv.IDNODE_PORT = String(await freePort());
    if (idnodeEnv.IDNODE_HANDLE_PORT !== '0') idnodeEnv.IDNODE_HANDLE_PORT = String(await freePort());
    idnode = spawnServer(`idnode×${options.workers}`, options.idnodeCli, ['serve'], idnodeEnv, Number(idnodeEnv.IDNODE_PORT), true, nodeFlags);
    await waitReady(idnode, 120_000);
    const scalingWire: WirePorts | null = wire === null ? null : { ...wire, idnode: Number(idnodeEnv.IDNODE_HANDLE_PORT) };
    log(`servers: idnode with IDNODE_WORKERS=${options.workers}, pid ${idnode.pid} on 127.0.0.1:${idnode.port}`);
    for (const scenario of scenarios(options.identifiers, `${runTag}W`).filter((s) => options.scenarios.includes(s.name))) {
      const single = results.find((result) => result.name === scenario.name);
      log(`${scenario.name} with ${options.workers} workers`);
      const result = await measure(scenario, idnode, baseline, options, scalingWire, { ceilingOf: single, workers: options.workers });
      results.push(result);
      log(`  idnode ${Math.round(result.idnode.requestsPerSecond)} req/s (p50 ${result.idnode.latencyMs.p50} ms, p99 ${result.idnode.latencyMs.p99} ms), ` +
        `${single === undefined ? '' : `${(result.idnode.requestsPerSecond / single.idnode.requestsPerSecond).toFixed(2)}× one process, `}ratio ${result.ratio.toFixed(2)}`);
    }
  }
  let postgresReport: RunResults['postgres'];
  const idnodeRss = rssBytes(idnode.pid);
  if (options.store === 'postgres') {
    await stopServer(idnode);
    postgresReport = await postgresPass(options, seed.cachePath, idnodeEnv, nodeFlags, baseline, results, runTag);
  }
  const loadAtEnd = loadavg();
  const baselineRss = rssBytes(baseline.pid);
  await Promise.all([stopServer(idnode), stopServer(baseline), ...[wireServer, writeBaseline].flatMap((s) => (s === null ? [] : [stopServer(s)]))]);
  const duringWrites = chosen.find((s) => s.name === 'reads-during-writes');
  if (duringWrites !== undefined) log(`${duringWrites.name}: ${duringWrites.description}`);
  const readsDuringWrites = duringWrites === undefined ? null : await measureReadsDuringWrites({
    cli: options.idnodeCli, env: idnodeEnv, nodeFlags, hotPath: handlePath(identifier(hotIdentifierNumber(options.identifiers)).handle),
    runTag, seconds: options.duration, warmupSeconds: options.warmup, connections: options.connections,
  }, log);
  if (options.profile) log(`profile: idnode's CPU profile was written to ${PROFILE_DIR}/`);

  const env = Object.fromEntries(Object.entries({ ...process.env, ...idnodeEnv }).filter(([name]) => name.startsWith('IDNODE_')));
  env.IDNODE_ADMIN_SECRET = '(fixed bench secret)';
  env.IDNODE_DB_PATH = '(copy of the seeded store)';
  env.IDNODE_PORT = '(free port)';
  if (env.IDNODE_HANDLE_PORT !== '0') env.IDNODE_HANDLE_PORT = '(free port)';
  const report: RunResults = {
    date: new Date().toISOString(),
    commit,
    dirty,
    node: process.version,
    cpu,
    platform: `${process.platform} ${process.arch}`,
    memoryTotalBytes: totalmem(),
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    command,
    options: { identifiers: options.identifiers, durationSeconds: options.duration, warmupSeconds: options.warmup, connections: options.connections, pipelining: 1 },
    dataSet: {
      identifiers: seed.identifiers,
      enterprisePrefixes: ENTERPRISE_PREFIX_COUNT,
      valuesPerRecord: '3 (URL, EMAIL, PRODUCT.MODEL) + HS_ADMIN on about half',
      seedSeconds: seed.seedSeconds,
      seedReused: seed.reused,
      storeSizeBytes: seed.sizeBytes,
      schemaVersion: seed.schemaVersion,
      dataSetVersion: DATA_SET_VERSION,
    },
    idnode: { cli: relative(ROOT, options.idnodeCli), rssBytesAtEnd: idnodeRss, env: env as Record<string, string> },
    baseline: { rssBytesAtEnd: baselineRss },
    scenarios: results,
    readsDuringWrites,
    ...(postgresReport === undefined ? {} : { postgres: postgresReport }),
  };
  const path = writeResults(RESULTS_DIR, report);
  log(`\n${consoleReport(report)}\n\nresults: ${path}\n\nMarkdown for README:\n\n${markdownReport(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbench: ${error instanceof BenchError ? error.message : String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
