// The synchronous SQL connection the store's statement modules are written against: the part of better-sqlite3's
// Database that idnode uses, which a better-sqlite3 connection is and a PostgreSQL connection (postgres/) offers too.

/** What a write statement did: rows it changed, and the integer key of the row it inserted. */
export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/**
 * A statement whose text starts with this comment answers nothing its caller uses (a counter's upsert, an audit row, a
 * NOTIFY): on PostgreSQL, inside a transaction, it is sent without waiting for its answer (pg-connection.ts). SQLite
 * ignores the comment.
 */
export const UNANSWERED_MARK = '/* unanswered */ ';

/** A prepared statement: P its parameters, R one row (or, after `pluck()`, the first column's value). */
export interface Statement<P extends unknown[] = unknown[], R = unknown> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
  run(...params: P): RunResult;
  iterate(...params: P): IterableIterator<R>;
  /** Rows become their first column's value. */
  pluck(toggle?: boolean): this;
}

/** A transaction wrapper as better-sqlite3 makes it: calling it, or `.immediate()`, runs `fn` in one transaction. */
export interface TransactionFn<T> {
  (): T;
  immediate(): T;
}

export interface SqlConnection {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
  /** Runs statements without parameters (several, separated by `;`). */
  exec(sql: string): this;
  transaction<T>(fn: () => T): TransactionFn<T>;
  close(): this;
}

/**
 * A better-sqlite3 connection as a SqlConnection: the same object (its prepare's conditional parameter types are
 * stricter than this interface spells, never different at run time).
 */
export function asSqlConnection(db: object): SqlConnection {
  return db as SqlConnection;
}
