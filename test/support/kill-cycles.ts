// The kill-cycle scenario (issue 3, "Crashes and durability"): start `idnode serve`, drive concurrent single writes and
// many-valued record writes, SIGKILL it at a seeded random moment, then check the file and the restarted node.

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { NODE_PREFIX } from './node-under-test.js';
import { httpCall, serveEnv, startServe } from './serve-process.js';
import { inspectCrashedStore, inspectStoreFile, type StoredRow } from './store-file.js';

export interface KillCyclesOptions {
  /** How many times the node is started, loaded and SIGKILLed. */
  readonly cycles: number;
  /** Seeds every random choice (operations, value counts, kill moments); print it so a failure can be replayed. */
  readonly seed: number;
  /** Concurrent client loops (default 6). */
  readonly workers?: number;
  /** Records that are written whole with 200–2,048 values and overwritten again and again (default 10). */
  readonly batchHandles?: number;
  /** Longest time from "listening" to the kill in timer-killed cycles, ms (default 600; the shortest is a quarter of it). */
  readonly maxRunMs?: number;
}

export interface KillCyclesReport {
  readonly seed: number;
  readonly cycles: number;
  /** Writes answered 2xx: single-handle creates, many-valued record writes, and the values those carried. */
  readonly acknowledged: { readonly singles: number; readonly batches: number; readonly batchValues: number };
  /** Writes sent but unanswered at the kill (either outcome is allowed) and how many of them turned out applied. */
  readonly unanswered: number;
  readonly unansweredApplied: number;
  /** Cycles in which at least one many-valued write was unanswered when the node died. */
  readonly killsDuringBatch: number;
  /** Everything that broke a rule; empty when the node kept its promises. */
  readonly violations: readonly string[];
  readonly elapsedMs: number;
  /** Where the time went, seconds summed over cycles: starting the node, loading it until the kill, checking the file, resolving over HTTP. */
  readonly phaseSeconds: { readonly start: number; readonly load: number; readonly check: number; readonly verify: number };
}

/** One version of a record: every value carries `gen|count|k`, and value k sits at index base + k. */
interface Version {
  readonly gen: string;
  readonly base: number;
  readonly count: number;
}

interface Tracked {
  readonly handle: string;
  readonly kind: 'single' | 'batch';
  /** What the store must hold: the last acknowledged version, or null for "absent". */
  acked: Version | null;
  /** A write sent but not answered (its outcome is unknown until the store is read). */
  pending: Version | null;
  busy: boolean;
}

const MIN_BATCH_VALUES = 200;
const MAX_BATCH_VALUES = 2048;
const DATA = /^(c\d+o\d+)\|(\d+)\|(\d+)$/;

/** sfc32: a small seeded PRNG, so a seed replays the same choices. */
export function seededRandom(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i += 1) next();
  return next;
}

function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function valuesOf(version: Version): { index: number; type: string; data: string }[] {
  return Array.from({ length: version.count }, (_, k) => ({ index: version.base + k, type: 'GEN', data: `${version.gen}|${version.count}|${k}` }));
}

/** The one version a record's values spell, or a description of how they are mixed or truncated. */
export function versionOf(values: StoredRow['values']): Version | string {
  if (values.length === 0) return 'no values';
  let found: Version | null = null;
  const seen = new Set<number>();
  for (const value of values) {
    const match = value.type === 'GEN' && value.data.format === 'string' ? DATA.exec(String(value.data.value)) : null;
    if (match === null) return `foreign value at index ${value.index}: ${JSON.stringify(value).slice(0, 120)}`;
    const [gen, count, k] = [match[1] ?? '', Number(match[2]), Number(match[3])];
    const version = { gen, base: value.index - k, count };
    found ??= version;
    if (version.gen !== found.gen || version.count !== found.count || version.base !== found.base) {
      return `mixed versions: ${found.gen} (${found.count} values) and ${version.gen} (${version.count} values)`;
    }
    if (k >= count || seen.has(k)) return `value ${k} of ${gen} out of range or repeated`;
    seen.add(k);
  }
  if (found === null || seen.size !== found.count) return `${found?.gen ?? '?'} has ${seen.size} of its ${found?.count ?? '?'} values`;
  return found;
}

function describe(version: Version | null): string {
  return version === null ? 'absent' : `${version.gen} (${version.count} values at ${version.base}…)`;
}

function same(a: Version | null, b: Version | null): boolean {
  return a === null || b === null ? a === b : a.gen === b.gen && a.base === b.base && a.count === b.count;
}

/**
 * Runs `cycles` start → load → SIGKILL → check rounds on one SQLite file in a temp folder, then a last clean start that
 * resolves everything over HTTP and stops with SIGTERM. Never throws for a broken promise: it lists it in `violations`.
 */
export async function runKillCycles(t: ExecutionContext, options: KillCyclesOptions): Promise<KillCyclesReport> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'idnode-kill-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'idnode.db');
  const env = serveEnv(db);
  const workers = options.workers ?? 6;
  const maxRunMs = options.maxRunMs ?? 600;
  const random = seededRandom(options.seed);
  const violations: string[] = [];
  const tracked = new Map<string, Tracked>();
  const batches: Tracked[] = [];
  for (let i = 0; i < (options.batchHandles ?? 10); i += 1) {
    const record: Tracked = { handle: `${NODE_PREFIX}/BATCH-${i}`, kind: 'batch', acked: null, pending: null, busy: false };
    batches.push(record);
    tracked.set(record.handle, record);
  }
  const stats = { singles: 0, batches: 0, batchValues: 0, unanswered: 0, unansweredApplied: 0, killsDuringBatch: 0 };
  let touched: Tracked[] = [];
  const phases = { start: 0, load: 0, check: 0, verify: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof phases): void => {
    const now = performance.now();
    phases[phase] += (now - mark) / 1000;
    mark = now;
  };

  for (let cycle = 1; cycle <= options.cycles; cycle += 1) {
    mark = performance.now();
    const node = await startServe(t, env);
    lap('start');
    // The promise is the writer thread's to keep: its own connection commits, the event loop only acknowledges.
    if (node.writes !== 'thread') violations.push(`cycle ${cycle}: the node wrote on ${node.writes}, not on its writer thread`);
    const agent = new Agent({ keepAlive: true, maxSockets: workers * 2 });
    if (touched.length > 0) await verifyOverHttp(node.port, agent, touched, violations, `cycle ${cycle} after restart`);
    touched = [];
    lap('verify');

    let operation = 0;
    let stopped = false;
    let batchesSent = 0;
    // Half the cycles die on a timer; the other half just after the k-th many-valued body has been sent, which lands
    // the kill inside that write's parse → validate → commit window.
    const killOnBatch = random() < 0.5 ? between(random, 2, 6) : 0;
    const killDelayMs = killOnBatch > 0 ? between(random, 0, 40) : between(random, Math.floor(maxRunMs / 4), maxRunMs);
    let killTimer: NodeJS.Timeout | undefined;
    const armKill = (delayMs: number): void => {
      if (killTimer !== undefined) return;
      killTimer = setTimeout(() => void node.kill('SIGKILL'), delayMs);
    };

    const write = async (record: Tracked, version: Version, onSent?: () => void): Promise<void> => {
      const expected = record.acked === null ? 201 : 200;
      record.pending = version;
      record.busy = true;
      touched.push(record);
      let status = 0;
      try {
        const reply = await httpCall(node.port, 'PUT', `/api/handles/${record.handle}`, {
          body: valuesOf(version),
          agent,
          ...(onSent === undefined ? {} : { onSent }),
          onStatus: (code) => {
            status = code;
            record.pending = null;
            if (code >= 200 && code < 300) {
              record.acked = version;
              if (record.kind === 'single') stats.singles += 1;
              else {
                stats.batches += 1;
                stats.batchValues += version.count;
              }
            }
          },
        });
        if (reply.status !== expected) violations.push(`cycle ${cycle}: PUT ${record.handle} (${describe(version)}) answered ${reply.status}, expected ${expected}: ${reply.text.slice(0, 200)}`);
      } catch (error) {
        // Unanswered (status 0): the node died first; the write may or may not have committed.
        if (status === 0) stats.unanswered += 1;
        throw error;
      } finally {
        record.busy = false;
      }
    };

    const loop = async (workerRandom: () => number): Promise<void> => {
      while (!stopped) {
        operation += 1;
        const gen = `c${cycle}o${operation}`;
        const free = batches.filter((record) => !record.busy);
        try {
          if (free.length > 0 && workerRandom() < 0.35) {
            const record = free[Math.floor(workerRandom() * free.length)] as Tracked;
            const count = between(workerRandom, MIN_BATCH_VALUES, MAX_BATCH_VALUES);
            const version = { gen, base: between(workerRandom, 1, 500), count };
            await write(record, version, () => {
              batchesSent += 1;
              if (batchesSent === killOnBatch) armKill(killDelayMs);
            });
          } else {
            const record: Tracked = { handle: `${NODE_PREFIX}/S-${gen}`, kind: 'single', acked: null, pending: null, busy: false };
            tracked.set(record.handle, record);
            await write(record, { gen, base: between(workerRandom, 1, 300), count: between(workerRandom, 1, 4) });
          }
        } catch {
          stopped = true;
        }
      }
    };

    if (killOnBatch === 0) armKill(killDelayMs);
    // A safety net: if the chosen batch never gets sent, the node still dies.
    const fallback = setTimeout(() => armKill(0), maxRunMs + 2000);
    const loops = Array.from({ length: workers }, (_, w) => loop(seededRandom(options.seed ^ (cycle * 7919 + w * 104_729))));
    const exit = await node.exited;
    clearTimeout(fallback);
    clearTimeout(killTimer);
    await Promise.all(loops);
    agent.destroy();
    if (exit.signal !== 'SIGKILL') violations.push(`cycle ${cycle}: node exited by itself (${exit.code ?? exit.signal}):\n${node.output()}`);
    if (batches.some((record) => record.pending !== null)) stats.killsDuringBatch += 1;
    lap('load');
    checkCrashedFile(db, cycle, tracked, violations, stats);
    lap('check');
  }

  // The last start: everything the cycles left is resolved over HTTP, then a clean stop and a final look at the file.
  const last = await startServe(t, env);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  await verifyOverHttp(last.port, agent, [...tracked.values()], violations, 'final start');
  agent.destroy();
  const exit = await last.kill('SIGTERM');
  if (exit.code !== 0) violations.push(`final SIGTERM: exit ${exit.code ?? exit.signal}`);
  const final = inspectStoreFile(db, NODE_PREFIX);
  if (final.integrity !== 'ok') violations.push(`final integrity_check: ${final.integrity}`);

  return {
    seed: options.seed,
    cycles: options.cycles,
    acknowledged: { singles: stats.singles, batches: stats.batches, batchValues: stats.batchValues },
    unanswered: stats.unanswered,
    unansweredApplied: stats.unansweredApplied,
    killsDuringBatch: stats.killsDuringBatch,
    violations,
    elapsedMs: performance.now() - started,
    phaseSeconds: phases,
  };
}

/**
 * Reads a copy of the killed node's files: integrity, trigger-kept counts, one whole version per record, every
 * acknowledged write present. Then settles every unknown outcome to what the file holds.
 */
function checkCrashedFile(
  db: string,
  cycle: number,
  tracked: Map<string, Tracked>,
  violations: string[],
  stats: { unansweredApplied: number },
): void {
  const view = inspectCrashedStore(db, NODE_PREFIX);
  if (view.integrity !== 'ok') violations.push(`cycle ${cycle}: integrity_check: ${view.integrity}`);
  if (view.countedHandles !== view.rows.size) violations.push(`cycle ${cycle}: handle_counts says ${view.countedHandles}, the table holds ${view.rows.size}`);
  const found = new Map<string, Version | null>();
  for (const [handle, row] of view.rows) {
    const version = versionOf(row.values);
    if (typeof version === 'string') violations.push(`cycle ${cycle}: ${handle} is not one whole version: ${version}`);
    else found.set(handle, version);
    if (!tracked.has(handle)) violations.push(`cycle ${cycle}: ${handle} is stored but was never written`);
  }
  for (const [handle, record] of tracked) {
    if (!view.rows.has(handle)) found.set(handle, null);
    const actual = found.get(handle);
    if (actual === undefined) continue; // already reported as mixed
    if (same(actual, record.acked)) {
      record.pending = null;
    } else if (record.pending !== null && same(actual, record.pending)) {
      stats.unansweredApplied += 1;
      record.acked = actual;
      record.pending = null;
    } else {
      const inFlight = record.pending === null ? '' : ` or the unanswered ${describe(record.pending)}`;
      violations.push(`cycle ${cycle}: ${handle} holds ${describe(actual)}; expected the acknowledged ${describe(record.acked)}${inFlight}`);
      record.acked = actual;
      record.pending = null;
    }
    if (record.kind === 'single' && record.acked === null) tracked.delete(handle);
  }
}

/** GETs each record from a running node and compares it with what must be there (404 for "absent"). */
async function verifyOverHttp(port: number, agent: Agent, records: readonly Tracked[], violations: string[], when: string): Promise<void> {
  const queue = [...new Set(records)];
  const reader = async (): Promise<void> => {
    for (let record = queue.pop(); record !== undefined; record = queue.pop()) {
      const reply = await httpCall(port, 'GET', `/api/handles/${record.handle}`, { agent });
      if (record.acked === null) {
        if (reply.status !== 404) violations.push(`${when}: GET ${record.handle} answered ${reply.status}, expected 404`);
        continue;
      }
      if (reply.status !== 200) {
        violations.push(`${when}: GET ${record.handle} answered ${reply.status}, expected 200 with ${describe(record.acked)}`);
        continue;
      }
      const version = versionOf((JSON.parse(reply.text) as { values: StoredRow['values'] }).values);
      if (typeof version === 'string' || !same(version, record.acked)) {
        violations.push(`${when}: GET ${record.handle} shows ${typeof version === 'string' ? version : describe(version)}, expected ${describe(record.acked)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
}

/** A seed from the environment variable `name` when set (to replay a failure), else a fresh one. */
export function seedFrom(name: string): number {
  const given = process.env[name];
  if (given !== undefined && /^\d+$/.test(given)) return Number(given) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
