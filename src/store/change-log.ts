// The change log (schema/008-change-log.sql): one row per write transaction naming the handle keys it changed.

import { randomBytes } from 'node:crypto';
import type { SqlConnection as Database, Statement } from './sql-connection.js';

/** A transaction that changed more keys than this logs NULL ("drop everything"): bulk loads, not requests. */
export const MAX_LOGGED_KEYS = 4096;
/** Rows kept: a process that has not looked for this many transactions drops its caches whole. */
export const KEPT_ROWS = 2048;
/** Pruning runs every this many appends (one indexed range delete). */
const PRUNE_EVERY = 64;

/** What other connections changed since a sequence number: the keys, or null when only "everything" is safe. */
export interface Changes {
  /** The last sequence number read (the next call asks past it). */
  readonly seq: number;
  /** The handle keys changed, or null: too many, pruned past the reader, or a write that did not log itself. */
  readonly keys: readonly string[] | null;
  /**
   * True when nothing was logged past `seq` (keys null): either a write that did not log itself or a writer caught
   * restarting the WAL before its commit — that moves data_version early (see ChangeFeed), so the caller decides.
   */
  readonly unlogged?: true;
}

interface Row {
  seq: number;
  writer: string;
  keys: string | null;
}

/** What a write transaction calls just before COMMIT to tell other processes the keys it changed (null: everything). */
export interface ChangeRecorder {
  /** This connection's name among the writers (or the one it writes for): its own records are not news to it. */
  readonly writer: string;
  append(handleKeys: readonly string[] | null): void;
}

export class ChangeLog implements ChangeRecorder {
  /** This connection's id in the log (or the one it writes for): its own rows are not news to it. */
  readonly writer: string;
  private readonly insert: Statement<[string, string | null]>;
  private readonly prune: Statement<[number]>;
  private readonly selectAfter: Statement<[number], Row>;
  private readonly selectLast: Statement<[], { seq: number | null }>;
  private readonly selectVersion: Statement<[], number>;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private appended = 0;

  constructor(
    private readonly db: Database,
    writer?: string,
  ) {
    this.writer = writer ?? randomBytes(9).toString('base64url');
    this.insert = db.prepare('INSERT INTO change_log (writer, keys) VALUES (?, ?)');
    this.prune = db.prepare('DELETE FROM change_log WHERE seq <= ?');
    this.selectAfter = db.prepare('SELECT seq, writer, keys FROM change_log WHERE seq > ? ORDER BY seq');
    this.selectLast = db.prepare('SELECT max(seq) AS seq FROM change_log');
    this.selectVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
  }

  /** PRAGMA data_version: moves only when another connection committed (one cheap step; no read of the file). */
  version(): number {
    return this.selectVersion.get() ?? 0;
  }

  /**
   * `since(seq)` and the data_version of the same snapshot, read in one read transaction: a commit landing meanwhile is
   * either in both or in neither, so it is never consumed unseen nor mistaken for a write that did not log. Outside a
   * transaction only (a write transaction sees its own rows).
   */
  read(seq: number): Changes & { readonly version: number } {
    if (this.db.inTransaction) return { ...this.since(seq), version: this.version() };
    this.begin.run();
    try {
      const changes = this.since(seq);
      return { ...changes, version: this.version() };
    } finally {
      this.commit.run();
    }
  }

  /**
   * Inside a write transaction, just before COMMIT: records the keys it changed (one row, whatever the count), or — with
   * null — that other processes must drop everything (a bulk load's connection, which does not track its keys).
   */
  append(handleKeys: readonly string[] | null): void {
    const keys = handleKeys === null || handleKeys.length > MAX_LOGGED_KEYS ? null : JSON.stringify(handleKeys);
    const seq = Number(this.insert.run(this.writer, keys).lastInsertRowid);
    this.appended += 1;
    if (this.appended % PRUNE_EVERY === 0) this.prune.run(seq - KEPT_ROWS);
  }

  /** The newest sequence number (0 for an empty log): where a process starts reading. */
  last(): number {
    return this.selectLast.get()?.seq ?? 0;
  }

  /**
   * The keys other connections changed after `seq`. Null keys when a row says "everything", when rows after `seq` were
   * pruned (a gap), or when nothing was logged although the caller saw the store change (a writer that does not log:
   * the `sqlite3` shell; every idnode connection that writes logs, the bulk import's included). A writer that does not
   * log is only noticed when no logged commit came with it: not a supported way to change a serving node's store.
   */
  since(seq: number): Changes {
    const rows = this.selectAfter.all(seq);
    const last = rows.at(-1)?.seq ?? seq;
    if (rows.length === 0) return { seq: last, keys: null, unlogged: true };
    if ((rows[0]?.seq ?? 0) !== seq + 1) return { seq: last, keys: null };
    const keys: string[] = [];
    for (const row of rows) {
      if (row.writer === this.writer) continue;
      if (row.keys === null) return { seq: last, keys: null };
      for (const key of JSON.parse(row.keys) as string[]) keys.push(key);
    }
    return { seq: last, keys };
  }
}
