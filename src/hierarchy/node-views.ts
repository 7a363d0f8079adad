// What a top-level node shows of its secondary nodes: their state, where they answer, their filed prefixes and
// statistics — for the API (by node and prefix) and the metrics (by node only).

import type { NodeFigures, NodeState } from '../metrics/hierarchy-instruments.js';
import type { PrefixStatistics } from '../store/hierarchy-tables.js';
import type { Store } from '../store/store.js';
import type { DirectoryNode, NodeDirectory } from './node-directory.js';

export interface NodeView {
  readonly prefix: string;
  readonly state: NodeState;
  readonly takeover: string | null;
  readonly admittedAt: string;
  readonly joinedAt: string | null;
  readonly lastSeenAt: string | null;
  readonly origins: readonly string[];
  readonly thumbprint: string | null;
  readonly filedPrefixes: number;
  readonly escrowRecords: number;
}

interface Totals {
  identifiers: number;
  created: number;
  updated: number;
  deleted: number;
  resolved: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A node is silent when it has not answered (join, report, probe) for `silentAfterMs`. */
export function nodeState(node: DirectoryNode, nowMs: number, silentAfterMs: number): NodeState {
  if (node.takeover !== null) return 'taken_over';
  return node.lastSeenAt !== null && nowMs - node.lastSeenAt <= silentAfterMs ? 'live' : 'silent';
}

function totals(rows: readonly PrefixStatistics[]): Totals {
  const sum: Totals = { identifiers: 0, created: 0, updated: 0, deleted: 0, resolved: 0 };
  for (const row of rows) {
    sum.identifiers += row.identifiers;
    sum.created += row.created;
    sum.updated += row.updated;
    sum.deleted += row.deleted;
    sum.resolved += row.resolved;
  }
  return sum;
}

export class NodeViews {
  constructor(
    private readonly directory: NodeDirectory,
    private readonly store: Store,
    private readonly nowMs: () => number,
    private readonly silentAfterMs: number,
  ) {}

  nodes(): NodeView[] {
    const nowMs = this.nowMs();
    return this.directory.all().map((node) => ({
      prefix: node.prefix,
      state: nodeState(node, nowMs, this.silentAfterMs),
      takeover: node.takeover,
      admittedAt: new Date(node.admittedAt).toISOString(),
      joinedAt: iso(node.joinedAt),
      lastSeenAt: iso(node.lastSeenAt),
      origins: node.origins,
      thumbprint: node.thumbprint,
      filedPrefixes: this.store.hierarchy.prefixesOf(node.prefixKey).filter((prefix) => prefix.state !== 'deleted').length,
      escrowRecords: this.store.hierarchy.escrowCount(node.prefixKey),
    }));
  }

  /** Totals by node, and by prefix within each node (filed state beside the last reported counts). */
  statistics(): { nodes: unknown[]; totals: Totals } {
    const all: PrefixStatistics[] = [];
    const nodes = this.directory.all().map((node) => {
      const rows = this.store.hierarchy.statisticsOf(node.prefixKey);
      all.push(...rows);
      const filed = new Map(this.store.hierarchy.prefixesOf(node.prefixKey).map((prefix) => [prefix.prefixKey, prefix]));
      const prefixes = rows.map((row) => ({ prefix: row.prefix, state: filed.get(row.prefixKey)?.state ?? null, identifiers: row.identifiers, created: row.created, updated: row.updated, deleted: row.deleted, resolved: row.resolved, reportedAt: iso(row.reportedAt) }));
      for (const [prefixKey, prefix] of filed) {
        if (!rows.some((row) => row.prefixKey === prefixKey)) prefixes.push({ prefix: prefix.prefix, state: prefix.state, identifiers: 0, created: 0, updated: 0, deleted: 0, resolved: 0, reportedAt: null });
      }
      return { node: node.prefix, ...totals(rows), prefixes };
    });
    return { nodes, totals: totals(all) };
  }

  /** The gauges' figures, by node. */
  figures(): NodeFigures[] {
    const nowMs = this.nowMs();
    return this.directory.all().map((node) => {
      const sum = totals(this.store.hierarchy.statisticsOf(node.prefixKey));
      return {
        node: node.prefix,
        state: nodeState(node, nowMs, this.silentAfterMs),
        identifiers: sum.identifiers,
        registrations: sum.created,
        resolutions: sum.resolved,
        escrowRecords: this.store.hierarchy.escrowCount(node.prefixKey),
      };
    });
  }
}
