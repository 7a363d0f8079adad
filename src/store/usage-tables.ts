// The store's usage tables (schema/003): identifiers created, changed, deleted and resolved per prefix per day, and
// the node's runs (start, heartbeat, stop) — what the monthly report reads.

import { UNANSWERED_MARK, type SqlConnection as Database, type Statement } from './sql-connection.js';
import { translateSqliteError } from './sqlite-errors.js';

/** Counters kept in the write transaction that makes the change. */
export type WriteCounter = 'created' | 'updated' | 'deleted';

/** Sums of the daily counters of one prefix over a range of days. */
export interface PrefixCounts {
  readonly prefixKey: string;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly resolved: number;
}

/** One run of a node process; times in ms since the epoch. */
export interface NodeRun {
  readonly startedAtMs: number;
  readonly lastSeenAtMs: number;
  /** null when the process ended without a graceful stop (or is still running). */
  readonly stoppedAtMs: number | null;
}

interface RunRow {
  started_at: number;
  last_seen_at: number;
  stopped_at: number | null;
}

const DAY_MS = 86_400_000;

export class UsageTables {
  /** The report's time zone as an offset from UTC (schema/003: UTC+8 unless the store says otherwise). */
  readonly utcOffsetMs: number;
  private lastDay = { startMs: 0, endMs: 0, day: '' };
  private readonly upsert: Record<WriteCounter | 'resolved', Statement<[string, string, number]>>;
  private readonly insertRun: Statement<[number, number]>;
  private readonly updateSeen: Statement<[number, number]>;
  private readonly updateStopped: Statement<[number, number, number]>;
  private readonly selectBetween: Statement<[string, string], PrefixCounts>;
  private readonly selectTotals: Statement<[string], { prefixKey: string; total: number }>;
  private readonly selectRuns: Statement<[number, number], RunRow>;
  private readonly selectFirstStart: Statement<[], { first: number | null }>;
  private readonly selectHomed: Statement<[number], { prefixKey: string; prefix: string }>;

  constructor(db: Database) {
    const offset = db.prepare<[], { value: string }>("SELECT value FROM settings WHERE name = 'report_utc_offset_seconds'").get();
    this.utcOffsetMs = Number(offset?.value ?? 0) * 1000;
    const upsert = (column: WriteCounter | 'resolved'): Statement<[string, string, number]> =>
      db.prepare(
        `${UNANSWERED_MARK}INSERT INTO daily_counts (day, prefix_key, ${column}) VALUES (?, ?, ?)
         ON CONFLICT (day, prefix_key) DO UPDATE SET ${column} = daily_counts.${column} + excluded.${column}`,
      );
    this.upsert = { created: upsert('created'), updated: upsert('updated'), deleted: upsert('deleted'), resolved: upsert('resolved') };
    this.insertRun = db.prepare('INSERT INTO node_runs (started_at, last_seen_at) VALUES (?, ?)');
    this.updateSeen = db.prepare('UPDATE node_runs SET last_seen_at = max(last_seen_at, ?) WHERE id = ?');
    this.updateStopped = db.prepare('UPDATE node_runs SET last_seen_at = max(last_seen_at, ?), stopped_at = ? WHERE id = ?');
    this.selectBetween = db.prepare(
      `SELECT prefix_key AS prefixKey, sum(created) AS created, sum(updated) AS updated, sum(deleted) AS deleted, sum(resolved) AS resolved
       FROM daily_counts WHERE day >= ? AND day <= ? GROUP BY prefix_key ORDER BY prefix_key`,
    );
    this.selectTotals = db.prepare(
      'SELECT prefix_key AS prefixKey, sum(created) - sum(deleted) AS total FROM daily_counts WHERE day <= ? GROUP BY prefix_key ORDER BY prefix_key',
    );
    this.selectRuns = db.prepare(
      'SELECT started_at, last_seen_at, stopped_at FROM node_runs WHERE started_at < ? AND coalesce(stopped_at, last_seen_at) > ? ORDER BY started_at',
    );
    this.selectFirstStart = db.prepare('SELECT min(started_at) AS first FROM node_runs');
    this.selectHomed = db.prepare('SELECT prefix_key AS prefixKey, prefix FROM prefixes WHERE homed_at < ? ORDER BY prefix_key');
  }

  /** The report day (YYYY-MM-DD, report time zone) of an instant in ms since the epoch. */
  dayOf(ms: number): string {
    // Every write asks; nearly all of them fall on the day the previous one did.
    const last = this.lastDay;
    if (ms >= last.startMs && ms < last.endMs) return last.day;
    const startMs = this.nextDayStartMs(ms) - DAY_MS;
    this.lastDay = { startMs, endMs: startMs + DAY_MS, day: new Date(ms + this.utcOffsetMs).toISOString().slice(0, 10) };
    return this.lastDay.day;
  }

  /** The first instant (ms) of the report day after the one holding `ms`. */
  nextDayStartMs(ms: number): number {
    return (Math.floor((ms + this.utcOffsetMs) / DAY_MS) + 1) * DAY_MS - this.utcOffsetMs;
  }

  /** The first instant (ms) of a report day `YYYY-MM-DD`. */
  dayStartMs(day: string): number {
    return Date.parse(`${day}T00:00:00Z`) - this.utcOffsetMs;
  }

  /** Counts one created, changed or deleted identifier under `prefixKey` on the day of `nowSeconds`. Call inside a write. */
  countWrite(counter: WriteCounter, prefixKey: string, nowSeconds: number): void {
    this.upsert[counter].run(this.dayOf(nowSeconds * 1000), prefixKey, 1);
  }

  /** Adds resolutions per prefix to the counters of `day`. Call inside a write. */
  addResolutions(day: string, counts: Iterable<readonly [string, number]>): void {
    for (const [prefixKey, count] of counts) this.upsert.resolved.run(day, prefixKey, count);
  }

  /** Records the start of a run; returns its id. Call inside a write. */
  startRun(nowMs: number): number {
    return Number(this.insertRun.run(nowMs, nowMs).lastInsertRowid);
  }

  /** Records that the run is alive at `nowMs`. Call inside a write. */
  heartbeat(runId: number, nowMs: number): void {
    this.updateSeen.run(nowMs, runId);
  }

  /** Records the graceful stop of a run. Call inside a write. */
  stopRun(runId: number, nowMs: number): void {
    this.updateStopped.run(nowMs, nowMs, runId);
  }

  /** Sums of each prefix's counters over the days `firstDay`…`lastDay` (inclusive). Throws STORE_*. */
  countsBetween(firstDay: string, lastDay: string): PrefixCounts[] {
    return read(() => this.selectBetween.all(firstDay, lastDay));
  }

  /** Identifiers held per prefix at the end of `lastDay` (created − deleted up to it). Throws STORE_*. */
  totalsUpTo(lastDay: string): Map<string, number> {
    return new Map(read(() => this.selectTotals.all(lastDay)).map((row) => [row.prefixKey, row.total]));
  }

  /** The runs that were up at some instant of [fromMs, toMs), oldest first. Throws STORE_*. */
  runsBetween(fromMs: number, toMs: number): NodeRun[] {
    return read(() => this.selectRuns.all(toMs, fromMs)).map((row) => ({ startedAtMs: row.started_at, lastSeenAtMs: row.last_seen_at, stoppedAtMs: row.stopped_at }));
  }

  /** When the first run on record started (ms), or null before any. Throws STORE_*. */
  firstStartMs(): number | null {
    return read(() => this.selectFirstStart.get()?.first ?? null);
  }

  /** Prefixes homed before `beforeSeconds`, with their spelling. Throws STORE_*. */
  homedBefore(beforeSeconds: number): { prefixKey: string; prefix: string }[] {
    return read(() => this.selectHomed.all(beforeSeconds));
  }
}

function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw translateSqliteError(error);
  }
}
