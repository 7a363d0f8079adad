// The monthly figures a secondary node reports to its provincial authority, computed from the store's usage tables.

import { IdnodeError } from '../errors.js';
import { isSameOrAncestorPrefix, prefixKeyOf, PREFIX_NAMESPACE } from '../identifier/handle.js';
import type { NodeRun, UsageTables } from '../store/usage-tables.js';
import { OTHER_PREFIXES } from './resolution-tally.js';
import { HEARTBEAT_INTERVAL_MS } from './usage-recorder.js';

/** One prefix's figures for the month. */
export interface PrefixFigures {
  /** The prefix as homed (the registrant's spelling), else its canonical form; '' for OTHER_PREFIXES. */
  readonly prefix: string;
  /** The enterprise the prefix belongs to (see enterpriseOf); null for the node's own prefix. */
  readonly enterprise: string | null;
  /** Identifiers held at the end of the month (created − deleted up to its last day). */
  readonly identifiers: number;
  /** Identifiers created during the month. */
  readonly registered: number;
  /** Identifiers whose values were changed during the month. */
  readonly updated: number;
  readonly deleted: number;
  /** Resolutions answered with the identifier's values during the month. */
  readonly resolutions: number;
}

export interface Availability {
  /** The part of the month the report can speak for: from the first start on record, up to the report's time. */
  readonly observedMs: number;
  readonly upMs: number;
  /** upMs / observedMs, or null when nothing of the month was observed. */
  readonly ratio: number | null;
  /** Runs started during the month. */
  readonly starts: number;
  /** Runs that ended during the month without a stop event (killed, crashed, power lost). */
  readonly uncleanStops: number;
}

export interface MonthlyReport {
  readonly month: string;
  readonly nodePrefix: string;
  /** The report's time zone, e.g. `+08:00`. */
  readonly utcOffset: string;
  readonly prefixes: readonly PrefixFigures[];
  readonly total: Omit<PrefixFigures, 'prefix' | 'enterprise'>;
  readonly enterprises: number;
  /** Enterprises under which an identifier was registered, changed or deleted during the month. */
  readonly activeEnterprises: number;
  readonly availability: Availability;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** `YYYY-MM` → its first and last day. Throws BAD_REQUEST. */
export function monthDays(month: string): { firstDay: string; lastDay: string } {
  const match = MONTH.exec(month);
  if (match === null) throw new IdnodeError('BAD_REQUEST', `month must be YYYY-MM, e.g. 2026-11 (got ${JSON.stringify(month)})`);
  const lastDate = new Date(Date.UTC(Number(match[1]), Number(match[2]), 0)).getUTCDate();
  return { firstDay: `${month}-01`, lastDay: `${month}-${String(lastDate).padStart(2, '0')}` };
}

/** The month before the one holding `nowMs`, in the report's time zone (what is usually reported). */
export function previousMonth(usage: UsageTables, nowMs: number): string {
  const [year = 0, month = 1] = usage.dayOf(nowMs).split('-').map(Number);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/**
 * The enterprise of each prefix: the shortest prefix among `prefixKeys` that is it or its ancestor and is not the node
 * prefix or an ancestor of it — so a derived prefix (88.118.8.1) counts toward its enterprise (88.118.8). The node
 * prefix itself maps to null.
 */
export function enterpriseOf(prefixKeys: readonly string[], nodePrefixKey: string): Map<string, string | null> {
  const candidates = prefixKeys.filter((key) => key !== OTHER_PREFIXES && !isSameOrAncestorPrefix(key, nodePrefixKey));
  const result = new Map<string, string | null>();
  for (const key of prefixKeys) {
    if (key === OTHER_PREFIXES || isSameOrAncestorPrefix(key, nodePrefixKey)) {
      result.set(key, null);
      continue;
    }
    let best = key;
    for (const candidate of candidates) if (candidate.length < best.length && isSameOrAncestorPrefix(candidate, key)) best = candidate;
    result.set(key, best);
  }
  return result;
}

/**
 * Up time within [fromMs, toMs): the union of the runs' up intervals. A run is up from its start to its stop, or
 * without a stop to its last heartbeat — unless that heartbeat is recent enough (two intervals before `nowMs`) that
 * the run is taken as still going, up to `nowMs`.
 */
export function availabilityOf(runs: readonly NodeRun[], fromMs: number, toMs: number, firstStartMs: number | null, nowMs: number): Availability {
  const start = Math.max(fromMs, firstStartMs ?? Number.POSITIVE_INFINITY);
  const end = Math.min(toMs, nowMs);
  const live = (run: NodeRun): boolean => run.stoppedAtMs === null && nowMs - run.lastSeenAtMs <= 2 * HEARTBEAT_INTERVAL_MS;
  const intervals = runs
    .map((run) => [Math.max(run.startedAtMs, start), Math.min(run.stoppedAtMs ?? (live(run) ? nowMs : run.lastSeenAtMs), end)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let upMs = 0;
  let reached = start;
  for (const [a, b] of intervals) {
    if (b <= reached) continue;
    upMs += b - Math.max(a, reached);
    reached = b;
  }
  const observedMs = Math.max(0, end - start);
  return {
    observedMs,
    upMs,
    ratio: observedMs > 0 ? upMs / observedMs : null,
    starts: runs.filter((run) => run.startedAtMs >= fromMs && run.startedAtMs < toMs).length,
    uncleanStops: runs.filter((run) => run.stoppedAtMs === null && !live(run) && run.lastSeenAtMs >= fromMs && run.lastSeenAtMs < toMs).length,
  };
}

function offsetText(offsetMs: number): string {
  const minutes = Math.abs(offsetMs) / 60_000;
  return `${offsetMs < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The report of `month` (YYYY-MM) as of `nowMs`. Prefix records (0.NA/…) are not identifiers and are left out. Throws BAD_REQUEST, STORE_*. */
export function monthlyReport(usage: UsageTables, month: string, nodePrefix: string, nowMs: number): MonthlyReport {
  const { firstDay, lastDay } = monthDays(month);
  const fromMs = usage.dayStartMs(firstDay);
  const toMs = usage.nextDayStartMs(usage.dayStartMs(lastDay));
  const counts = new Map(usage.countsBetween(firstDay, lastDay).map((row) => [row.prefixKey, row]));
  const totals = usage.totalsUpTo(lastDay);
  const homed = new Map(usage.homedBefore(Math.ceil(toMs / 1000)).map((row) => [row.prefixKey, row.prefix]));
  const keys = [...new Set([...homed.keys(), ...counts.keys(), ...[...totals].filter(([, total]) => total !== 0).map(([key]) => key)])]
    .filter((key) => key !== PREFIX_NAMESPACE)
    .sort((a, b) => (a === OTHER_PREFIXES ? 1 : b === OTHER_PREFIXES ? -1 : compareDotted(a, b)));
  const nodePrefixKey = prefixKeyOf(nodePrefix);
  const enterprises = enterpriseOf(keys, nodePrefixKey);
  const prefixes = keys.map((key): PrefixFigures => {
    const row = counts.get(key);
    const enterprise = enterprises.get(key) ?? null;
    return {
      prefix: homed.get(key) ?? key,
      enterprise: enterprise === null ? null : (homed.get(enterprise) ?? enterprise),
      identifiers: totals.get(key) ?? 0,
      registered: row?.created ?? 0,
      updated: row?.updated ?? 0,
      deleted: row?.deleted ?? 0,
      resolutions: row?.resolved ?? 0,
    };
  });
  const active = new Set<string>();
  for (const key of keys) {
    const row = counts.get(key);
    const enterprise = enterprises.get(key) ?? null;
    if (enterprise !== null && row !== undefined && row.created + row.updated + row.deleted > 0) active.add(enterprise);
  }
  const sum = (field: 'identifiers' | 'registered' | 'updated' | 'deleted' | 'resolutions'): number => prefixes.reduce((total, row) => total + row[field], 0);
  return {
    month,
    nodePrefix,
    utcOffset: offsetText(usage.utcOffsetMs),
    prefixes,
    total: { identifiers: sum('identifiers'), registered: sum('registered'), updated: sum('updated'), deleted: sum('deleted'), resolutions: sum('resolutions') },
    enterprises: new Set([...enterprises.values()].filter((value) => value !== null)).size,
    activeEnterprises: active.size,
    availability: availabilityOf(usage.runsBetween(fromMs, toMs), fromMs, toMs, usage.firstStartMs(), nowMs),
  };
}

/** Orders prefixes segment by segment, numbers as numbers: 88.118.2 before 88.118.10. */
function compareDotted(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const p = x[i] ?? '';
    const q = y[i] ?? '';
    if (p === q) continue;
    const numeric = /^\d+$/.test(p) && /^\d+$/.test(q);
    return numeric ? Number(p) - Number(q) || p.localeCompare(q) : p < q ? -1 : 1;
  }
  return x.length - y.length;
}
