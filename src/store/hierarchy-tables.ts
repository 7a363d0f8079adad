// The store's side of a top-level node (schema/004-hierarchy.sql): admitted secondary nodes, their filed prefixes, statistics and
// escrowed records. Every apply* method applies a report only when its sequence number is new for its subject.

import type { SqlConnection as Database, Statement } from './sql-connection.js';
import { translateSqliteError } from './sqlite-errors.js';

export type Takeover = 'manual' | 'automatic';

export interface NodeRow {
  readonly prefixKey: string;
  readonly prefix: string;
  readonly admittedAt: number;
  readonly joinedAt: number | null;
  readonly lastSeenAt: number | null;
  /** JSON of the site it published at its last join. */
  readonly site: string | null;
  readonly takeover: Takeover | null;
  readonly takeoverAt: number | null;
  /** The highest sequence number received from it. */
  readonly reportSeq: number;
}

export interface FiledPrefix {
  readonly prefixKey: string;
  readonly prefix: string;
  readonly state: string;
  readonly updatedAt: number;
}

export interface PrefixStatistics {
  readonly prefixKey: string;
  readonly prefix: string;
  readonly identifiers: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly resolved: number;
  readonly reportedAt: number;
}

export interface EscrowedRecord {
  readonly handle: string;
  readonly nodeKey: string;
  /** JSON array of public values, or null when the record was deleted. */
  readonly publicValues: string | null;
}

const NODE_COLUMNS =
  'prefix_key AS prefixKey, prefix, admitted_at AS admittedAt, joined_at AS joinedAt, last_seen_at AS lastSeenAt, site, takeover, takeover_at AS takeoverAt, report_seq AS reportSeq';

export class HierarchyTables {
  private readonly selectNodes: Statement<[], NodeRow>;
  private readonly selectNode: Statement<[string], NodeRow>;
  private readonly insertNode: Statement<[string, string, number]>;
  private readonly updateJoined: Statement<[string, number, number, string]>;
  private readonly updateSeen: Statement<[number, string]>;
  private readonly updateTakeover: Statement<[string | null, number | null, string]>;
  private readonly updateReportSeq: Statement<[number, string]>;
  private readonly upsertPrefix: Statement<[string, string, string, string, number, number]>;
  private readonly selectPrefixes: Statement<[string], FiledPrefix>;
  private readonly claimStatistics: Statement<[{ seq: number; now: number; node: string }]>;
  private readonly deleteStatistics: Statement<[string]>;
  private readonly insertStatistics: Statement<[string, string, string, number, number, number, number, number, number]>;
  private readonly selectStatistics: Statement<[string], PrefixStatistics>;
  private readonly upsertEscrow: Statement<[string, string, string, string | null, number, number]>;
  private readonly selectEscrow: Statement<[string], { handle: string; nodeKey: string; publicValues: string | null }>;
  private readonly countEscrow: Statement<[string], { count: number }>;

  constructor(db: Database) {
    this.selectNodes = db.prepare(`SELECT ${NODE_COLUMNS} FROM hierarchy_nodes ORDER BY prefix_key`);
    this.selectNode = db.prepare(`SELECT ${NODE_COLUMNS} FROM hierarchy_nodes WHERE prefix_key = ?`);
    this.insertNode = db.prepare('INSERT INTO hierarchy_nodes (prefix_key, prefix, admitted_at) VALUES (?, ?, ?) ON CONFLICT (prefix_key) DO UPDATE SET prefix = excluded.prefix');
    this.updateJoined = db.prepare('UPDATE hierarchy_nodes SET site = ?, joined_at = ?, last_seen_at = ? WHERE prefix_key = ?');
    this.updateSeen = db.prepare('UPDATE hierarchy_nodes SET last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE prefix_key = ?');
    this.updateTakeover = db.prepare('UPDATE hierarchy_nodes SET takeover = ?, takeover_at = ? WHERE prefix_key = ?');
    this.updateReportSeq = db.prepare('UPDATE hierarchy_nodes SET report_seq = max(report_seq, ?) WHERE prefix_key = ?');
    this.upsertPrefix = db.prepare(
      `INSERT INTO hierarchy_prefixes (prefix_key, prefix, node_key, state, seq, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (prefix_key) DO UPDATE SET prefix = excluded.prefix, state = excluded.state, seq = excluded.seq, updated_at = excluded.updated_at
       WHERE excluded.seq > hierarchy_prefixes.seq AND excluded.node_key = hierarchy_prefixes.node_key`,
    );
    this.selectPrefixes = db.prepare('SELECT prefix_key AS prefixKey, prefix, state, updated_at AS updatedAt FROM hierarchy_prefixes WHERE node_key = ? ORDER BY prefix_key');
    this.claimStatistics = db.prepare(
      'UPDATE hierarchy_nodes SET statistics_seq = @seq, last_seen_at = max(coalesce(last_seen_at, 0), @now) WHERE prefix_key = @node AND statistics_seq < @seq',
    );
    this.deleteStatistics = db.prepare('DELETE FROM hierarchy_statistics WHERE node_key = ?');
    this.insertStatistics = db.prepare(
      'INSERT INTO hierarchy_statistics (node_key, prefix_key, prefix, identifiers, created, updated, deleted, resolved, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectStatistics = db.prepare(
      'SELECT prefix_key AS prefixKey, prefix, identifiers, created, updated, deleted, resolved, reported_at AS reportedAt FROM hierarchy_statistics WHERE node_key = ? ORDER BY prefix_key',
    );
    this.upsertEscrow = db.prepare(
      `INSERT INTO escrow_records (handle_key, node_key, handle, public_values, seq, escrowed_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (handle_key) DO UPDATE SET handle = excluded.handle, public_values = excluded.public_values, seq = excluded.seq, escrowed_at = excluded.escrowed_at
       WHERE excluded.seq > escrow_records.seq AND excluded.node_key = escrow_records.node_key`,
    );
    this.selectEscrow = db.prepare('SELECT handle, node_key AS nodeKey, public_values AS publicValues FROM escrow_records WHERE handle_key = ?');
    this.countEscrow = db.prepare('SELECT count(public_values) AS count FROM escrow_records WHERE node_key = ?');
  }

  nodes(): NodeRow[] {
    return read(() => this.selectNodes.all());
  }

  node(prefixKey: string): NodeRow | undefined {
    return read(() => this.selectNode.get(prefixKey));
  }

  /** Admits a secondary node (idempotent; a re-admission keeps what is known of it). Call inside a write. */
  admit(prefixKey: string, prefix: string, nowMs: number): void {
    this.insertNode.run(prefixKey, prefix, nowMs);
  }

  /** Records a join: the site it published, seen now. Call inside a write. */
  joined(prefixKey: string, siteJson: string, nowMs: number): void {
    this.updateJoined.run(siteJson, nowMs, nowMs, prefixKey);
  }

  /** Records that the node answered (a report, a probe) at `nowMs`. Call inside a write. */
  seen(prefixKey: string, nowMs: number): void {
    this.updateSeen.run(nowMs, prefixKey);
  }

  /** Starts (a kind) or ends (null) a takeover. Call inside a write. */
  setTakeover(prefixKey: string, takeover: Takeover | null, nowMs: number): void {
    this.updateTakeover.run(takeover, takeover === null ? null : nowMs, prefixKey);
  }

  /** Records the highest sequence number received from a node so far. Call inside a write. */
  received(prefixKey: string, seq: number): void {
    this.updateReportSeq.run(seq, prefixKey);
  }

  /** Applies a filing; false when its sequence number is not new (already applied). Call inside a write. */
  applyPrefix(nodeKey: string, prefixKey: string, prefix: string, state: string, seq: number, nowMs: number): boolean {
    return this.upsertPrefix.run(prefixKey, prefix, nodeKey, state, seq, nowMs).changes === 1;
  }

  prefixesOf(nodeKey: string): FiledPrefix[] {
    return read(() => this.selectPrefixes.all(nodeKey));
  }

  /** Replaces a node's statistics with a newer report; false when its sequence number is not new. Call inside a write. */
  applyStatistics(nodeKey: string, seq: number, rows: readonly Omit<PrefixStatistics, 'reportedAt'>[], nowMs: number): boolean {
    if (this.claimStatistics.run({ seq, now: nowMs, node: nodeKey }).changes !== 1) return false;
    this.deleteStatistics.run(nodeKey);
    for (const row of rows) this.insertStatistics.run(nodeKey, row.prefixKey, row.prefix, row.identifiers, row.created, row.updated, row.deleted, row.resolved, nowMs);
    return true;
  }

  statisticsOf(nodeKey: string): PrefixStatistics[] {
    return read(() => this.selectStatistics.all(nodeKey));
  }

  /** Applies an escrowed record (null values: deleted); false when its sequence number is not new. Call inside a write. */
  applyRecord(nodeKey: string, handleKey: string, handle: string, publicValues: string | null, seq: number, nowMs: number): boolean {
    return this.upsertEscrow.run(handleKey, nodeKey, handle, publicValues, seq, nowMs).changes === 1;
  }

  escrowed(handleKey: string): EscrowedRecord | undefined {
    return read(() => this.selectEscrow.get(handleKey));
  }

  /** Records held in escrow for a node (deleted ones not counted). */
  escrowCount(nodeKey: string): number {
    return read(() => this.countEscrow.get(nodeKey)?.count ?? 0);
  }
}

function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw translateSqliteError(error);
  }
}
