// Group commit: concurrent writes share one IMMEDIATE transaction (one fsync), each isolated by a savepoint.

import type { Database, Statement } from 'better-sqlite3';
import { IdnodeError } from '../errors.js';
import { translateSqliteError } from './sqlite-errors.js';

/** A write run inside a group transaction; the store records the handle keys it changes (see Store). */
export type WriteOp<T> = () => T;

interface Pending {
  readonly op: WriteOp<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown; item: Pending } | { ok: false; error: unknown; item: Pending };

/**
 * Runs queued writes in batches of at most `maxBatch` per transaction. A write that throws is rolled back
 * to its savepoint and rejects alone (a failed request changes nothing); the others commit together. Every
 * promise settles only after COMMIT returned (an acknowledged write is durable), and `onCommitted` runs
 * synchronously, with the keys the committed writes touched, before any of them settles.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;

  constructor(
    private readonly db: Database,
    /** The handle keys written in the open transaction, in order; the store appends, this queue drains. */
    private readonly touched: string[],
    private readonly onCommitted: (handleKeys: readonly string[]) => void,
    /** Runs inside the transaction just before COMMIT, with the keys it touched (the change log, a test's commit gate). */
    private readonly beforeCommit: (handleKeys: readonly string[]) => void = () => undefined,
    private readonly maxBatch = 512,
    // Everything is bounded: a node this far behind answers 503 + Retry-After instead of growing.
    private readonly maxPending = 20_000,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write_op');
    this.release = db.prepare('RELEASE write_op');
    this.rollbackTo = db.prepare('ROLLBACK TO write_op');
  }

  /** Queues `op` to run inside the next group transaction; resolves with its result after commit. Rejects STORE_BUSY when full. */
  enqueue<T>(op: WriteOp<T>): Promise<T> {
    if (this.pending.length >= this.maxPending) return Promise.reject(new IdnodeError('STORE_BUSY', 'too many writes waiting'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Number of writes waiting for the next transaction. */
  get depth(): number {
    return this.pending.length;
  }

  /** Runs every queued write now (also used on shutdown). */
  flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) this.runBatch(this.pending.splice(0, this.maxBatch));
  }

  private runBatch(batch: Pending[]): void {
    try {
      this.begin.run();
    } catch (error) {
      const translated = translateSqliteError(error);
      for (const item of batch) item.reject(translated);
      return;
    }
    this.touched.length = 0;
    const outcomes: Outcome[] = [];
    try {
      for (const item of batch) {
        const outcome = this.runOne(item);
        if (!outcome.ok && !this.db.inTransaction) {
          // SQLite rolled the whole transaction back (it may on SQLITE_FULL, IOERR, NOMEM), undoing the writes before
          // this one too: this one fails alone, the others run again in a fresh transaction.
          item.reject(outcome.error);
          this.touched.length = 0;
          this.pending.unshift(...batch.filter((other) => other !== item));
          return;
        }
        outcomes.push(outcome);
      }
      this.beforeCommit(this.touched);
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          // The connection reports the original failure below; a failed rollback leaves nothing committed.
        }
      }
      this.touched.length = 0;
      const translated = translateSqliteError(error);
      for (const item of batch) item.reject(translated);
      return;
    }
    this.onCommitted(this.touched.splice(0));
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.item.resolve(outcome.value);
      else outcome.item.reject(outcome.error);
    }
  }

  private runOne(item: Pending): Outcome {
    const mark = this.touched.length;
    this.savepoint.run();
    try {
      const value = item.op();
      this.release.run();
      return { ok: true, value, item };
    } catch (error) {
      // Rolled back: what this write touched is unchanged.
      this.touched.length = mark;
      // Errors from rolling back escape to runBatch, which aborts the whole transaction. No transaction left means
      // SQLite already rolled it all back, savepoint included; runBatch handles that.
      if (this.db.inTransaction) {
        this.rollbackTo.run();
        this.release.run();
      }
      return { ok: false, error: translateSqliteError(error), item };
    }
  }
}
