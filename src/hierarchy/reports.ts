// The reports a secondary node sends its upstream (filings, escrowed records, statistics): their JSON form, the
// checksum over a batch, and how each is made from the store when it is sent.

import { createHash } from 'node:crypto';
import { isSameOrAncestorPrefix, PREFIX_NAMESPACE } from '../identifier/handle.js';
import type { ValueJson } from '../identifier/value-json.js';
import type { PrefixStatistics } from '../store/hierarchy-tables.js';
import type { OutboxEntry } from '../store/outbox-tables.js';
import type { Store } from '../store/store.js';

/** A prefix's figures as a secondary node reports them: identifiers held now; created, updated, deleted and resolved since the store began. */
export type StatisticsRow = Omit<PrefixStatistics, 'prefixKey' | 'reportedAt'>;

/** One report; `seq` is its outbox id, unique and increasing for the node. */
export type Report =
  | { readonly kind: 'prefix'; readonly seq: number; readonly prefix: string; readonly state: 'active' | 'disabled' | 'deleted' }
  | { readonly kind: 'record'; readonly seq: number; readonly handle: string; readonly values: readonly ValueJson[] | null }
  | { readonly kind: 'statistics'; readonly seq: number; readonly prefixes: readonly StatisticsRow[] };

/** What the upstream did with one report. */
export interface ReportResult {
  readonly seq: number;
  readonly outcome: 'applied' | 'duplicate' | 'refused';
  /** The catalog code of a refusal. */
  readonly code?: string;
  readonly message?: string;
}

/** The checksum of a batch: SHA-256 (hex) of the JSON text of its reports, as sent. */
export function reportsChecksum(reportsJson: string): string {
  return createHash('sha256').update(reportsJson).digest('hex');
}

/** The prefix a canonical handle key belongs to for the hierarchy: its own, or for a prefix record 0.NA/P, P. */
export function servedPrefixOfKey(handleKey: string): string {
  const slash = handleKey.indexOf('/');
  const prefix = handleKey.slice(0, slash);
  return prefix === PREFIX_NAMESPACE ? handleKey.slice(slash + 1) : prefix;
}

/** The report an outbox entry stands for, made from what the store holds now. */
export function buildReport(store: Store, entry: OutboxEntry, nodePrefix: string): Report {
  switch (entry.kind) {
    case 'prefix': {
      const { prefix, state } = store.outbox.prefixState(entry.subject, entry.subject);
      return { kind: 'prefix', seq: entry.id, prefix, state };
    }
    case 'record': {
      const source = store.outbox.escrowSource(entry.subject);
      return { kind: 'record', seq: entry.id, handle: source?.handle ?? entry.subject, values: source === null ? null : (JSON.parse(source.publicValues ?? '[]') as ValueJson[]) };
    }
    case 'statistics':
      return { kind: 'statistics', seq: entry.id, prefixes: statistics(store, nodePrefix) };
  }
}

/** Per prefix served here (the node prefix and those derived from it): identifiers held, and the counters since the store began. */
function statistics(store: Store, nodePrefix: string): StatisticsRow[] {
  const held = store.outbox.handleCounts();
  const rows = new Map<string, StatisticsRow>();
  for (const counts of store.usage.countsBetween('0000-01-01', '9999-12-31')) {
    if (!isSameOrAncestorPrefix(nodePrefix, counts.prefixKey)) continue;
    rows.set(counts.prefixKey, { prefix: counts.prefixKey, identifiers: held.get(counts.prefixKey) ?? 0, created: counts.created, updated: counts.updated, deleted: counts.deleted, resolved: counts.resolved });
  }
  for (const [prefixKey, identifiers] of held) {
    if (!rows.has(prefixKey) && isSameOrAncestorPrefix(nodePrefix, prefixKey)) rows.set(prefixKey, { prefix: prefixKey, identifiers, created: 0, updated: 0, deleted: 0, resolved: 0 });
  }
  return [...rows.values()];
}
