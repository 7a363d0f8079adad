// Group commit: concurrent writes share one IMMEDIATE transaction (one fsync), each isolated by a savepoint; a write
// sent in parts (a streamed batch) holds its transaction open until its last part.

import type { Database, Statement } from 'better-sqlite3';
import { IdnodeError } from '../errors.js';
import { translateSqliteError } from './sqlite-errors.js';

/** A write run inside a group transaction; the store records the handle keys it changes (see Store). */
export type WriteOp<T> = () => T;

/**
 * One part of a write sent in parts (a batch the main thread streams while it still validates the rest): the parts of
 * a stream run in the order sent, in one transaction, and commit together when the `final` one has run.
 */
export interface StreamPart {
  readonly stream: number;
  readonly final: boolean;
}

interface Pending {
  readonly op: WriteOp<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly part?: StreamPart;
}

type Outcome = { ok: true; value: unknown; item: Pending } | { ok: false; error: unknown; item: Pending };

/** The stream holding the open transaction: its parts' outcomes so far, settled at its commit. */
interface OpenStream {
  readonly stream: number;
  readonly outcomes: Outcome[];
  readonly timer: NodeJS.Timeout;
}

/**
 * Runs queued writes in batches of at most `maxBatch` per transaction. A write that throws is rolled back
 * to its savepoint and rejects alone (a failed request changes nothing); the others commit together. Every
 * promise settles only after COMMIT returned (an acknowledged write is durable), and `onCommitted` runs
 * synchronously, with the keys the committed writes touched, before any of them settles.
 *
 * A stream's first part opens a transaction of its own; until its final part has run, other writes wait (at most
 * `streamTimeoutMs`: a stream whose last part does not come by then is rolled back whole and fails).
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private open: OpenStream | null = null;
  /** Streams that failed before their final part: their later parts fail at once. */
  private readonly failed = new Map<number, unknown>();
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
    private readonly streamTimeoutMs = 10_000,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write_op');
    this.release = db.prepare('RELEASE write_op');
    this.rollbackTo = db.prepare('ROLLBACK TO write_op');
  }

  /**
   * Queues `op` to run inside the next group transaction — or, as a `part` of a stream, inside that stream's — and
   * resolves with its result after commit. Rejects STORE_BUSY when full.
   */
  enqueue<T>(op: WriteOp<T>, part?: StreamPart): Promise<T> {
    if (this.pending.length >= this.maxPending) return Promise.reject(new IdnodeError('STORE_BUSY', 'too many writes waiting'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject, ...(part === undefined ? {} : { part }) });
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

  /** Runs every queued write it can now (also used on shutdown); an open stream's outsiders wait for its last part. */
  flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const open = this.open;
      if (open !== null) {
        const next = this.pending.findIndex((item) => item.part?.stream === open.stream);
        if (next < 0) return;
        this.continueStream(open, this.pending.splice(next, 1)[0] as Pending);
        continue;
      }
      const head = this.pending[0] as Pending;
      if (head.part !== undefined) {
        this.pending.shift();
        this.startStream(head, head.part);
        continue;
      }
      const firstPart = this.pending.findIndex((item) => item.part !== undefined);
      this.runBatch(this.pending.splice(0, Math.min(this.maxBatch, firstPart < 0 ? this.pending.length : firstPart)));
    }
  }

  /** Shutdown: runs what it can, then rolls back a stream whose last part never came. */
  drain(): void {
    this.flush();
    if (this.open !== null) this.abandon(this.open, new IdnodeError('STORE_UNAVAILABLE', 'the store closed before the batch was complete'));
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
    for (const item of batch) {
      let outcome: Outcome;
      try {
        outcome = this.runOne(item);
      } catch (error) {
        this.failTransaction(batch, error);
        return;
      }
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
    this.commitAndSettle(outcomes);
  }

  private startStream(item: Pending, part: StreamPart): void {
    const failed = this.failed.get(part.stream);
    if (failed !== undefined) {
      if (part.final) this.failed.delete(part.stream);
      item.reject(failed);
      return;
    }
    try {
      this.begin.run();
    } catch (error) {
      this.failStream(part, [item], translateSqliteError(error));
      return;
    }
    this.touched.length = 0;
    const timer = setTimeout(() => {
      if (this.open?.stream === part.stream) this.abandon(this.open, new IdnodeError('STORE_UNAVAILABLE', 'a streamed batch did not complete in time'));
    }, this.streamTimeoutMs);
    const open: OpenStream = { stream: part.stream, outcomes: [], timer };
    this.open = open;
    this.continueStream(open, item);
  }

  private continueStream(open: OpenStream, item: Pending): void {
    const part = item.part as StreamPart;
    let outcome: Outcome;
    try {
      outcome = this.runOne(item);
    } catch (error) {
      this.abandon(open, translateSqliteError(error), item);
      return;
    }
    if (!outcome.ok && !this.db.inTransaction) {
      // SQLite rolled the transaction back: the parts that ran are gone, so the whole stream fails.
      this.abandon(open, outcome.error, item);
      return;
    }
    open.outcomes.push(outcome);
    if (!part.final) return;
    clearTimeout(open.timer);
    this.open = null;
    this.commitAndSettle(open.outcomes);
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Rolls the open stream back: every part of it fails with `error`, and so will the parts still to come. */
  private abandon(open: OpenStream, error: unknown, current?: Pending): void {
    clearTimeout(open.timer);
    this.open = null;
    this.rollbackQuietly();
    this.touched.length = 0;
    const items = open.outcomes.map((outcome) => outcome.item);
    if (current !== undefined) items.push(current);
    const last = current?.part;
    this.failStream(last ?? { stream: open.stream, final: false }, items, error);
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private failStream(part: StreamPart, items: readonly Pending[], error: unknown): void {
    if (!part.final) this.failed.set(part.stream, error);
    for (const item of items) item.reject(error);
    // Parts already waiting fail now too; those still to come fail when they arrive.
    const waiting = this.pending.filter((item) => item.part?.stream === part.stream);
    if (waiting.length === 0) return;
    this.pending = this.pending.filter((item) => item.part?.stream !== part.stream);
    for (const item of waiting) {
      if (item.part?.final === true) this.failed.delete(part.stream);
      item.reject(error);
    }
  }

  private commitAndSettle(outcomes: readonly Outcome[]): void {
    try {
      this.beforeCommit(this.touched);
      this.commit.run();
    } catch (error) {
      this.failTransaction(
        outcomes.map((outcome) => outcome.item),
        error,
      );
      return;
    }
    this.onCommitted(this.touched.splice(0));
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.item.resolve(outcome.value);
      else outcome.item.reject(outcome.error);
    }
  }

  private failTransaction(items: readonly Pending[], error: unknown): void {
    this.rollbackQuietly();
    this.touched.length = 0;
    const translated = translateSqliteError(error);
    for (const item of items) item.reject(translated);
  }

  private rollbackQuietly(): void {
    if (!this.db.inTransaction) return;
    try {
      this.rollback.run();
    } catch {
      // The connection reports the original failure; a failed rollback leaves nothing committed.
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
      // Errors from rolling back escape to the caller, which aborts the whole transaction. No transaction left means
      // SQLite already rolled it all back, savepoint included; the caller handles that.
      if (this.db.inTransaction) {
        this.rollbackTo.run();
        this.release.run();
      }
      return { ok: false, error: translateSqliteError(error), item };
    }
  }
}
