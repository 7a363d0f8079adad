// A run's results: the JSON file in bench/results/, the console table and the Markdown table for README.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadsDuringWrites } from './durable-writes.js';
import type { LoadResult, ResolutionCounts, ScenarioName } from './scenarios.js';

export interface ScenarioResult {
  readonly name: ScenarioName;
  readonly description: string;
  readonly expectedStatus: number;
  readonly idnode: LoadResult;
  readonly baseline: LoadResult;
  /** idnode req/s ÷ baseline req/s. */
  readonly ratio: number;
  /** idnode's resolve outcomes during the measured phase (from its /metrics). */
  readonly idnodeResolutions: ResolutionCounts;
  readonly idnodeRssBytesAfter: number | null;
  /** Identifiers each request wrote (batchCreate), for identifiers/s. */
  readonly itemsPerRequest?: number;
  /** IDNODE_WORKERS of this row in a run with --workers (absent otherwise: one process). */
  readonly workers?: number;
  /** `postgres` for the rows of the PostgreSQL pass (--store postgres); absent: SQLite. */
  readonly store?: 'postgres';
}

export interface RunResults {
  readonly date: string;
  readonly commit: string;
  /** Tracked files differed from the commit when the run started. */
  readonly dirty: boolean;
  readonly node: string;
  readonly cpu: { readonly model: string; readonly cores: number };
  readonly platform: string;
  readonly memoryTotalBytes: number;
  /** os.loadavg() (1, 5, 15 min) when measuring started and ended: other work on the machine skews every number. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly command: string;
  readonly options: {
    readonly identifiers: number;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly connections: number;
    readonly pipelining: number;
  };
  readonly dataSet: {
    readonly identifiers: number;
    readonly enterprisePrefixes: number;
    readonly valuesPerRecord: string;
    readonly seedSeconds: number;
    readonly seedReused: boolean;
    readonly storeSizeBytes: number;
    readonly schemaVersion: number;
    readonly dataSetVersion: number;
  };
  readonly idnode: { readonly cli: string; readonly rssBytesAtEnd: number | null; readonly env: Record<string, string> };
  readonly baseline: { readonly rssBytesAtEnd: number | null };
  readonly scenarios: ScenarioResult[];
  /** GETs alone and beside PUTs, with the writer thread and with writes on the event loop (issue 13 target 4). */
  readonly readsDuringWrites: ReadsDuringWrites | null;
  /** The PostgreSQL pass of --store postgres (absent otherwise). */
  readonly postgres?: {
    readonly version: string;
    readonly seedSeconds: number;
    readonly sizeBytes: number;
    readonly idnodeRssBytesAtEnd: number | null;
    readonly settings: Readonly<Record<string, string>>;
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
// autocannon's latency histogram has whole-millisecond resolution; fractions only appear in means.
const ms = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const micros = (n: number | null): string => (n === null ? 'n/a' : n.toFixed(0));
const pct = (n: number | null): string => (n === null ? 'n/a' : `${n.toFixed(0)}%`);
const mib = (bytes: number | null): string => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`);

/** Rows of the results table: scenario, req/s, p50 ms, p99 ms, baseline req/s, ratio, then server CPU per request. */
function rows(results: RunResults): string[][] {
  return results.scenarios.map((s) => [
    `${s.name}${s.store === undefined ? '' : ` · ${s.store}`}${s.workers === undefined ? '' : ` ×${s.workers}`}`,
    int(s.idnode.requestsPerSecond),
    ms(s.idnode.latencyMs.p50),
    ms(s.idnode.latencyMs.p99),
    int(s.baseline.requestsPerSecond),
    s.ratio.toFixed(2),
    s.idnode.databaseCpuMicrosPerRequest === undefined
      ? micros(s.idnode.serverCpuMicrosPerRequest)
      : `${micros(s.idnode.serverCpuMicrosPerRequest)} + ${micros(s.idnode.databaseCpuMicrosPerRequest)} pg`,
    micros(s.baseline.serverCpuMicrosPerRequest),
  ]);
}

const loads = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' / ');

// autocannon runs in this one process: near a full core, the client is the bottleneck and the ratio flatters idnode.
const CLIENT_BOUND_PERCENT = 90;

const HEADER = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'baseline req/s', 'ratio', 'CPU µs/req', 'baseline CPU µs/req'];

function hitRatio(counts: ResolutionCounts): string {
  const total = counts.cache_hit + counts.cache_miss + counts.negative_hit + counts.not_found;
  if (total === 0) return 'no resolutions';
  const share = (n: number): string => `${((100 * n) / total).toFixed(1)}%`;
  return `cache hit ${share(counts.cache_hit)}, miss ${share(counts.cache_miss)}, negative hit ${share(counts.negative_hit)}, not found ${share(counts.not_found)}`;
}

const DURING_HEADER = ['writes', 'GET req/s', 'GET p50 ms', 'GET p90 ms', 'GET p99 ms', 'GET max ms', 'PUT req/s'];

/** Rows of the reads-during-writes table: one per mode (quiet, writer thread, event loop). */
function duringRows(during: ReadsDuringWrites): string[][] {
  return during.modes.map(({ mode, reads, writes }) => [
    mode,
    int(reads.requestsPerSecond),
    ms(reads.latencyMs.p50),
    ms(reads.latencyMs.p90),
    ms(reads.latencyMs.p99),
    ms(reads.latencyMs.max),
    writes === null ? '—' : int(writes.requestsPerSecond),
  ]);
}

const duringNote = (during: ReadsDuringWrites): string =>
  `reads-during-writes: resolve-hot GETs on ${during.readConnections} connections, alone (quiet) and beside new-handle PUTs on ` +
  `${during.writeConnections} connections, with IDNODE_WRITER_THREAD=true (writer thread) and =false (event loop), same store, same run.`;

/** The plain-text table and the facts under it (RSS, seeding time, anomalies). */
export function consoleReport(results: RunResults): string {
  const table = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  const out = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(results).map(line), ''];
  for (const s of results.scenarios) {
    out.push(
      `${s.name}${s.store === undefined ? '' : ` · ${s.store}`}${s.workers === undefined ? '' : ` ×${s.workers}`}: idnode p90 ${ms(s.idnode.latencyMs.p90)} ms, max ${ms(s.idnode.latencyMs.max)} ms, server CPU ${pct(s.idnode.serverCpuPercent)}, ` +
        `client CPU ${pct(s.idnode.clientCpuPercent)}; ${hitRatio(s.idnodeResolutions)}`,
      `  baseline p50 ${ms(s.baseline.latencyMs.p50)} ms, p99 ${ms(s.baseline.latencyMs.p99)} ms, server CPU ${pct(s.baseline.serverCpuPercent)}, client CPU ${pct(s.baseline.clientCpuPercent)}`,
    );
    if (s.itemsPerRequest !== undefined) out.push(`  ${perItem(s)}`);
    for (const [who, r] of [['idnode', s.idnode], ['baseline', s.baseline]] as const) {
      if (r.clientCpuPercent >= CLIENT_BOUND_PERCENT) {
        out.push(`  NOTE ${who}: the load generator used ${pct(r.clientCpuPercent)} of a core, so it, not the server, may have set this req/s`);
      }
      if (r.unexpected > 0 || r.errors > 0 || r.timeouts > 0) {
        out.push(`  WARNING ${who}: ${r.unexpected} responses not ${s.expectedStatus} (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts`);
      }
    }
  }
  const during = results.readsDuringWrites;
  if (during !== null) {
    const table2 = [DURING_HEADER, ...duringRows(during)];
    const w2 = DURING_HEADER.map((_, c) => Math.max(...table2.map((row) => (row[c] ?? '').length)));
    out.push('', duringNote(during), ...table2.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(w2[c] ?? 0) : cell.padStart(w2[c] ?? 0))).join('  ')));
  }
  const d = results.dataSet;
  out.push(
    '',
    `data set: ${int(d.identifiers)} identifiers under ${d.enterprisePrefixes} prefixes, store ${mib(d.storeSizeBytes)}; ` +
      `seeding ${d.seedSeconds.toFixed(1)} s${d.seedReused ? ' (cached seed file reused; time is from when it was made)' : ''}`,
    `idnode RSS at end: ${mib(results.idnode.rssBytesAtEnd)}; baseline RSS at end: ${mib(results.baseline.rssBytesAtEnd)}`,
    `${results.options.connections} connections, pipelining ${results.options.pipelining}, ${results.options.warmupSeconds} s warm-up + ${results.options.durationSeconds} s per scenario and server`,
    `load average (1/5/15 min) at start ${loads(results.loadAverage.start)}, at end ${loads(results.loadAverage.end)} on ${results.cpu.cores} cores`,
  );
  if (results.postgres !== undefined) out.push(postgresNote(results.postgres));
  return out.join('\n');
}

/** What the `· postgres` rows ran on. */
function postgresNote(p: NonNullable<RunResults['postgres']>): string {
  const settings = Object.entries(p.settings).map(([name, value]) => `${name}=${value.replace(/'/g, '')}`).join(', ');
  return (
    `\`· postgres\` rows: idnode with IDNODE_STORE=postgres on a throwaway local cluster (${p.version.split(',')[0] ?? p.version}; ${settings}), ` +
    `seeded with the same records (database ${mib(p.sizeBytes)}, seeding ${p.seedSeconds.toFixed(1)} s with the cluster's start), idnode RSS ${mib(p.idnodeRssBytesAtEnd)} at the end; ` +
    `their baseline is the SQLite rows' measurement; CPU µs/req is idnode's + PostgreSQL's (postmaster and backends).`
  );
}

/** identifiers/s and time per batch of a scenario whose requests write several identifiers each. */
function perItem(s: ScenarioResult): string {
  const items = s.itemsPerRequest ?? 1;
  return `${int(s.idnode.requestsPerSecond * items)} identifiers/s (${int(items)} per request; p50 ${ms(s.idnode.latencyMs.p50)} ms, p99 ${ms(s.idnode.latencyMs.p99)} ms per batch)`;
}

/** The Markdown table and the command that made it, ready to paste into README. */
export function markdownReport(results: RunResults): string {
  const d = results.dataSet;
  const header = `| ${HEADER.join(' | ')} |`;
  const align = `|${HEADER.map((_, c) => (c === 0 ? ' :-- ' : ' --: ')).join('|')}|`;
  const body = rows(results).map((row) => `| ${row.map((cell, c) => (c === 0 ? `\`${cell}\`` : cell)).join(' | ')} |`);
  const batches = results.scenarios.filter((s) => s.itemsPerRequest !== undefined).map((s) => `\`${s.name}\`: ${perItem(s)}.`);
  return [
    header,
    align,
    ...body,
    '',
    ...batches,
    `${int(d.identifiers)} identifiers (SQLite ${mib(d.storeSizeBytes)}), ${results.options.connections} connections, ` +
      `${results.options.durationSeconds} s per scenario after ${results.options.warmupSeconds} s warm-up; ` +
      `idnode RSS ${mib(results.idnode.rssBytesAtEnd)} at the end. ` +
      `Baseline: bare \`node:http\` answering the same bytes from a \`Map\`, measured in the same run; ratio = idnode ÷ baseline req/s. ` +
      `CPU µs/req: server process CPU time (user + system) per response, which a busy machine disturbs less than req/s.` +
      (results.scenarios.some((s) => s.name === 'put-durable')
        ? ' `put-durable` is compared with bench/write-baseline-server.ts instead: node:http committing each PUT in its own SQLite transaction (WAL, synchronous=FULL).'
        : ''),
    ...(results.readsDuringWrites === null
      ? []
      : ['', `| ${DURING_HEADER.join(' | ')} |`, `|${DURING_HEADER.map((_, c) => (c === 0 ? ' :-- ' : ' --: ')).join('|')}|`,
          ...duringRows(results.readsDuringWrites).map((row) => `| ${row.join(' | ')} |`), '', duringNote(results.readsDuringWrites)]),
    ...(results.postgres === undefined ? [] : [postgresNote(results.postgres)]),
    `Node ${results.node}, ${results.cpu.model} (${results.cpu.cores} cores), commit \`${results.commit}\`${results.dirty ? ' (with local changes)' : ''}, ${results.date.slice(0, 10)}.`,
    '',
    '```sh',
    results.command,
    '```',
  ].join('\n');
}

/** Writes `<dir>/<ISO date>-<commit>.json` and returns its path. */
export function writeResults(dir: string, results: RunResults): string {
  mkdirSync(dir, { recursive: true });
  // ISO 8601 basic time (no colons) keeps the name portable and several runs a day apart.
  const stamp = results.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '');
  const path = join(dir, `${stamp}-${results.commit}.json`);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
