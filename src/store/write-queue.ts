// Group commit: concurrent writes share one IMMEDIATE transaction (one fsync), each isolated by a savepoint.

import type { Database, Statement } from 'better-sqlite3';
import { IdnodeError } from '../errors.js';
import { translateSqliteError } from './sqlite-errors.js';

/** Handed to each write: records which handle keys it changed so caches are invalidated after commit. */
export interface WriteContext {
  touch(handleKey: string): void;
}

export type WriteOp<T> = (tx: WriteContext) => T;

interface Pending {
  readonly op: WriteOp<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown; item: Pending } | { ok: false; error: unknown; item: Pending };

/**
 * Runs queued writes in batches of at most `maxBatch` per transaction. A write that throws is rolled back
 * to its savepoint and rejects alone (DESIGN invariant 4); the others commit together. Every promise settles
 * only after COMMIT returned (invariant 3), and `onCommitted` runs synchronously before any of them settles.
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
    private readonly onCommitted: (handleKeys: readonly string[]) => void,
    private readonly maxBatch = 512,
    // Invariant 5: the queue is bounded; a node this far behind answers 503 + Retry-After instead of growing.
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
    const touched: string[] = [];
    const outcomes: Outcome[] = [];
    try {
      for (const item of batch) {
        const outcome = this.runOne(item, touched);
        if (!outcome.ok && !this.db.inTransaction) {
          // SQLite rolled the whole transaction back (it may on SQLITE_FULL, IOERR, NOMEM), undoing the writes before
          // this one too: this one fails alone, the others run again in a fresh transaction.
          item.reject(outcome.error);
          this.pending.unshift(...batch.filter((other) => other !== item));
          return;
        }
        outcomes.push(outcome);
      }
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          // The connection reports the original failure below; a failed rollback leaves nothing committed.
        }
      }
      const translated = translateSqliteError(error);
      for (const item of batch) item.reject(translated);
      return;
    }
    this.onCommitted(touched);
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.item.resolve(outcome.value);
      else outcome.item.reject(outcome.error);
    }
  }

  private runOne(item: Pending, touched: string[]): Outcome {
    const mine: string[] = [];
    this.savepoint.run();
    try {
      const value = item.op({ touch: (key) => mine.push(key) });
      this.release.run();
      touched.push(...mine);
      return { ok: true, value, item };
    } catch (error) {
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
