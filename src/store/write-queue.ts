// Group commit: concurrent writes share one IMMEDIATE transaction (one fsync), each isolated by a savepoint; a write
// sent in parts (a streamed batch) holds its transaction open until its last part.

import type { SqlConnection as Database, Statement } from './sql-connection.js';
import { IdnodeError } from '../errors.js';
import { translateSqliteError } from './sqlite-errors.js';

/** A write run inside a group transaction; the store records the handle keys it changes (see Store). */
export type WriteOp<T> = () => T;

/**
 * One part of a write sent in parts (a batch the main thread streams while it still validates the rest): the parts of
 * a stream run in order of `seq` (0, 1, 2, …) in one transaction, and commit together when the `final` one has run.
 * All or nothing: a part that fails, or one missing from the sequence, fails the whole stream.
 */
export interface StreamPart {
  readonly stream: number;
  readonly seq: number;
  readonly final: boolean;
}

interface Pending {
  readonly op: WriteOp<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly part?: StreamPart;
}

type Outcome = { ok: true; value: unknown; item: Pending } | { ok: false; error: unknown; item: Pending };

/** The stream holding the open transaction: its parts so far and their results, settled at its commit. */
interface OpenStream {
  readonly stream: number;
  readonly parts: Pending[];
  readonly values: unknown[];
  readonly timer: NodeJS.Timeout;
}

/**
 * Runs queued writes in batches of at most `maxBatch` per transaction. A write that throws is rolled back
 * to its savepoint and rejects alone (a failed request changes nothing); the others commit together. Every
 * promise settles only after COMMIT returned (an acknowledged write is durable), and `onCommitted` runs
 * synchronously, with the keys the committed writes touched, before any of them settles.
 *
 * A stream's first part opens a transaction of its own; until its final part has run, other writes wait (at most
 * `streamTimeoutMs`: a stream whose last part does not come by then is rolled back whole and fails). A part that does
 * not continue the open stream (a later one while another is open, any but the first when none is) fails at once.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private open: OpenStream | null = null;
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
    // A stream is admitted by its first part: refusing a later one would leave it incomplete.
    if (this.pending.length >= this.maxPending && (part === undefined || part.seq === 0)) {
      return Promise.reject(new IdnodeError('STORE_BUSY', 'too many writes waiting'));
    }
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
        this.startStream(head);
        continue;
      }
      const firstPart = this.pending.findIndex((item) => item.part !== undefined);
      this.runBatch(this.pending.splice(0, Math.min(this.maxBatch, firstPart < 0 ? this.pending.length : firstPart)));
    }
  }

  /** Shutdown: runs what it can, rolls back a stream whose last part never came, then runs the writes it held off. */
  drain(): void {
    this.flush();
    while (this.open !== null) {
      this.abandon(this.open, new IdnodeError('STORE_UNAVAILABLE', 'the store closed before the batch was complete'));
      this.flush();
    }
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

  private startStream(item: Pending): void {
    const part = item.part as StreamPart;
    if (part.seq !== 0) {
      item.reject(new IdnodeError('STORE_UNAVAILABLE', 'this batch was already given up (a part of it failed or came too late)'));
      return;
    }
    try {
      this.begin.run();
    } catch (error) {
      item.reject(translateSqliteError(error));
      return;
    }
    this.touched.length = 0;
    const timer = setTimeout(() => {
      if (this.open === open) this.abandon(open, new IdnodeError('STORE_UNAVAILABLE', 'a streamed batch did not complete in time'));
    }, this.streamTimeoutMs);
    const open: OpenStream = { stream: part.stream, parts: [], values: [], timer };
    this.open = open;
    this.continueStream(open, item);
  }

  private continueStream(open: OpenStream, item: Pending): void {
    const part = item.part as StreamPart;
    open.parts.push(item);
    if (part.seq !== open.values.length) {
      // Out of order: a part went missing (refused on its way), so this stream cannot complete.
      this.abandon(open, new IdnodeError('STORE_UNAVAILABLE', 'a part of a streamed batch went missing'));
      return;
    }
    let outcome: Outcome;
    try {
      outcome = this.runOne(item);
    } catch (error) {
      outcome = { ok: false, error: translateSqliteError(error), item };
    }
    if (!outcome.ok) {
      // All or nothing: the parts before it are rolled back with it.
      this.abandon(open, outcome.error);
      return;
    }
    open.values.push(outcome.value);
    if (!part.final) return;
    clearTimeout(open.timer);
    this.open = null;
    this.commitAndSettle(open.parts.map((done, i) => ({ ok: true, value: open.values[i], item: done })));
    this.scheduleFlush();
  }

  /** Rolls the open stream back: every part of it that came fails with `error`; its later parts fail as they come. */
  private abandon(open: OpenStream, error: unknown): void {
    clearTimeout(open.timer);
    this.open = null;
    this.rollbackQuietly();
    this.touched.length = 0;
    for (const item of open.parts) item.reject(error);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.pending.length === 0 || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
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
