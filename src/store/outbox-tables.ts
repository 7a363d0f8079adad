// The store's side of a secondary node's reports to its upstream (schema/004-hierarchy.sql): hierarchy settings, the outbox the
// triggers fill, and the reads each report is made from.

import type { SqlConnection as Database, Statement } from './sql-connection.js';
import { decodeRecord } from '../identifier/record-encoding.js';
import { publicView } from '../identifier/value-json.js';
import { translateSqliteError } from './sqlite-errors.js';

export type OutboxKind = 'prefix' | 'record' | 'statistics';

/** A change waiting to be reported: its sequence number (`id`), what it is about, and nothing else — the content is read when sent. */
export interface OutboxEntry {
  readonly id: number;
  readonly kind: OutboxKind;
  readonly subject: string;
}

/** What a filing says of an enterprise prefix: homed here (active), its record kept but not homed (disabled), or gone. */
export interface PrefixState {
  readonly prefix: string;
  readonly state: 'active' | 'disabled' | 'deleted';
}

/** The public view of a record for the escrow; `publicValues` null when the record no longer exists. */
export interface EscrowSource {
  readonly handle: string;
  readonly publicValues: string | null;
}

/**
 * The served condition of the triggers (schema/006-compact-records.sql recreates them on the compact table), for the rows
 * that were there before filing was switched on. A prefix record 0.NA/P is keyed ('0.NA', P): its suffix key is P.
 */
const SERVED = `(CASE WHEN prefix_key = '0.NA' THEN suffix_key ELSE prefix_key END) = @node
  OR substr((CASE WHEN prefix_key = '0.NA' THEN suffix_key ELSE prefix_key END), 1, length(@node) + 1) = @node || '.'`;

export class OutboxTables {
  private readonly selectSetting: Statement<[string], { value: string }>;
  private readonly upsertSetting: Statement<[string, string]>;
  private readonly deleteSetting: Statement<[string]>;
  private readonly seedRecords: Statement<[{ node: string }]>;
  private readonly seedPrefixes: Statement<[{ node: string }]>;
  private readonly selectPending: Statement<[number], OutboxEntry>;
  private readonly deleteEntry: Statement<[number]>;
  private readonly refuseEntry: Statement<[string, number]>;
  private readonly insertStatistics: Statement<[]>;
  private readonly selectUpTo: Statement<[number], OutboxEntry & { refused: string | null }>;
  private readonly deleteUpTo: Statement<[number]>;
  private readonly insertEntry: Statement<[string, string, string | null]>;
  private readonly ensureSequence: Statement<[]>;
  private readonly raiseSequence: Statement<[number]>;
  private readonly selectDepth: Statement<[], { pending: number; refused: number }>;
  private readonly selectRecord: Statement<[string, string], { spelling: string | null; record: string }>;
  private readonly selectHomed: Statement<[string], { prefix: string }>;
  private readonly selectPrefixRecord: Statement<[string], { handle: string }>;
  private readonly selectCounts: Statement<[], { prefixKey: string; count: number }>;

  /**
   * The columns of `handles` and `prefixes` read here and by the triggers are listed at the top of
   * schema/004-hierarchy.sql; schema/006-compact-records.sql rebuilt `handles` as (prefix_key, suffix_key, spelling,
   * record), recreated the triggers and these reads follow it (seedRecords/SERVED, selectRecord, selectPrefixRecord).
   */
  constructor(db: Database, engine: 'sqlite' | 'postgres' = 'sqlite') {
    this.selectSetting = db.prepare('SELECT value FROM hierarchy_settings WHERE name = ?');
    this.upsertSetting = db.prepare('INSERT INTO hierarchy_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
    this.deleteSetting = db.prepare('DELETE FROM hierarchy_settings WHERE name = ?');
    this.seedRecords = db.prepare(
      `INSERT INTO outbox (kind, subject) SELECT 'record', prefix_key || '/' || suffix_key AS handle_key FROM handles WHERE ${SERVED} ORDER BY handle_key`,
    );
    this.seedPrefixes = db.prepare(
      `INSERT INTO outbox (kind, subject) SELECT 'prefix', prefix_key FROM prefixes WHERE substr(prefix_key, 1, length(@node) + 1) = @node || '.'`,
    );
    this.selectUpTo = db.prepare('SELECT id, kind, subject, refused FROM outbox WHERE id <= ? ORDER BY id');
    this.deleteUpTo = db.prepare('DELETE FROM outbox WHERE id <= ?');
    this.insertEntry = db.prepare('INSERT INTO outbox (kind, subject, refused) VALUES (?, ?, ?)');
    if (engine === 'postgres') {
      // The identity column's sequence: always there; setval makes the next number one more than the greatest of
      // `received`, the numbers given so far and the rows kept (nextval may skip one: numbers are never reused).
      this.ensureSequence = db.prepare('SELECT 1');
      this.raiseSequence = db.prepare(
        "SELECT setval(pg_get_serial_sequence('outbox', 'id'), GREATEST(CAST(? AS BIGINT), nextval(pg_get_serial_sequence('outbox', 'id')) - 1, COALESCE((SELECT max(id) FROM outbox), 0)))",
      );
    } else {
      // sqlite_sequence holds AUTOINCREMENT's counter; SQLite allows ordinary statements on it.
      this.ensureSequence = db.prepare("INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox')");
      this.raiseSequence = db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'");
    }
    this.selectPending = db.prepare('SELECT id, kind, subject FROM outbox WHERE refused IS NULL ORDER BY id LIMIT ?');
    this.deleteEntry = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.refuseEntry = db.prepare('UPDATE outbox SET refused = ? WHERE id = ?');
    this.insertStatistics = db.prepare("INSERT INTO outbox (kind, subject) VALUES ('statistics', '') ON CONFLICT (kind) WHERE kind = 'statistics' AND refused IS NULL DO NOTHING");
    this.selectDepth = db.prepare('SELECT count(*) FILTER (WHERE refused IS NULL) AS pending, count(refused) AS refused FROM outbox');
    this.selectRecord = db.prepare('SELECT spelling, record FROM handles WHERE prefix_key = ? AND suffix_key = ?');
    this.selectHomed = db.prepare('SELECT prefix FROM prefixes WHERE prefix_key = ?');
    this.selectPrefixRecord = db.prepare("SELECT coalesce(spelling, '0.NA/' || suffix_key) AS handle FROM handles WHERE prefix_key = '0.NA' AND suffix_key = ?");
    this.selectCounts = db.prepare('SELECT prefix_key AS prefixKey, count FROM handle_counts');
  }

  /** A hierarchy setting (see schema/004), or undefined. */
  setting(name: string): string | undefined {
    return read(() => this.selectSetting.get(name)?.value);
  }

  /** Sets or (with null) removes a hierarchy setting. Call inside a write. */
  setSetting(name: string, value: string | null): void {
    if (value === null) this.deleteSetting.run(name);
    else this.upsertSetting.run(name, value);
  }

  /**
   * Switches filing on for the canonical node prefix `nodePrefixKey`. When it was off (or on for another prefix), every
   * served record and derived prefix already stored is queued once, since the triggers did not see them. Returns true
   * when it queued them. Call inside a write.
   */
  enableFiling(nodePrefixKey: string): boolean {
    if (this.selectSetting.get('filing')?.value === nodePrefixKey) return false;
    this.upsertSetting.run('filing', nodePrefixKey);
    this.seedPrefixes.run({ node: nodePrefixKey });
    this.seedRecords.run({ node: nodePrefixKey });
    return true;
  }

  /** Switches filing off: the triggers stop queueing; what is queued stays. Call inside a write. */
  disableFiling(): void {
    this.deleteSetting.run('filing');
  }

  /**
   * Makes every sequence number from now on, and of every row still waiting, greater than `received` (the highest the
   * upstream has received from this node): after the store was restored from an older backup, its counter restarted
   * below what the upstream has seen, and its new reports would be taken as repeats. Rows at or below are numbered
   * anew, in their order. Returns how many were. Call inside a write.
   */
  continueAfter(received: number): number {
    this.ensureSequence.run();
    this.raiseSequence.run(received);
    const rows = this.selectUpTo.all(received);
    if (rows.length === 0) return 0;
    this.deleteUpTo.run(received);
    for (const row of rows) this.insertEntry.run(row.kind, row.subject, row.refused);
    return rows.length;
  }

  /** The oldest `limit` pending reports. */
  pending(limit: number): OutboxEntry[] {
    return read(() => this.selectPending.all(limit));
  }

  /** Removes changes that were reported (a change made meanwhile has its own, newer row and stays). Call inside a write. */
  delivered(ids: readonly number[]): void {
    for (const id of ids) this.deleteEntry.run(id);
  }

  /** Keeps a report the upstream refused for good, out of the pending ones, with the code it gave. Call inside a write. */
  refuse(id: number, code: string): void {
    this.refuseEntry.run(code, id);
  }

  /** Queues a statistics report unless one is waiting already (its content is read when it is sent). Call inside a write. */
  queueStatistics(): void {
    this.insertStatistics.run();
  }

  /** Changes waiting to be reported, and those the upstream refused. */
  depth(): { pending: number; refused: number } {
    return read(() => this.selectDepth.get() ?? { pending: 0, refused: 0 });
  }

  /**
   * The record of a canonical handle key as the escrow gets it: its spelling and public values (derived from the compact
   * record, the same JSON the resolve path answers with), or null when gone.
   */
  escrowSource(handleKey: string): EscrowSource | null {
    const slash = handleKey.indexOf('/');
    const row = read(() => this.selectRecord.get(handleKey.slice(0, slash), handleKey.slice(slash + 1)));
    return row === undefined ? null : { handle: row.spelling ?? handleKey, publicValues: publicView(decodeRecord(row.record)).valuesJson };
  }

  /** The filing state of a canonical prefix; `fallback` is its spelling when nothing here names it any more. */
  prefixState(prefixKey: string, fallback: string): PrefixState {
    const homed = read(() => this.selectHomed.get(prefixKey)?.prefix);
    if (homed !== undefined) return { prefix: homed, state: 'active' };
    const record = read(() => this.selectPrefixRecord.get(prefixKey)?.handle);
    if (record !== undefined) return { prefix: record.slice(record.indexOf('/') + 1), state: 'disabled' };
    return { prefix: fallback, state: 'deleted' };
  }

  /** Handles held now per canonical prefix (from the trigger-kept counters). */
  handleCounts(): Map<string, number> {
    return new Map(read(() => this.selectCounts.all()).map((row) => [row.prefixKey, row.count]));
  }
}

function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw translateSqliteError(error);
  }
}
