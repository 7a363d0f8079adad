// How writes reach the write connection: named commands, each run inside the group commit where that connection lives.

import { IdnodeError, toIdnodeError, type ErrorCode } from '../errors.js';
import type { Store } from './store.js';
import type { StreamPart } from './write-queue.js';

/**
 * A write command's body: runs inside a group-commit transaction (its own savepoint) on the write connection. Its
 * arguments and result cross a thread boundary as JSON, so both must be plain JSON data (no undefined in arrays, no
 * Map, Date or Buffer). It never reads a clock of its own: `nowMs` is the caller's clock when the command was sent.
 */
export type WriteHandler = (args: never, nowMs: number) => unknown;
export type WriteHandlers = Readonly<Record<string, WriteHandler>>;

export interface WriteChannel {
  /** Where commands run: `thread` = the writer thread's own connection, `local` = this thread's. */
  readonly kind: 'thread' | 'local';
  /**
   * Runs command `name` in the next group commit. Resolves with its result only after COMMIT returned and the
   * committed keys went to `onCommitted` (an acknowledged write is durable and no cache holds what it replaced);
   * rejects with the command's IdnodeError (its savepoint rolled back, nothing of it stored), STORE_BUSY when too
   * many writes wait, STORE_UNAVAILABLE when the write connection is gone.
   */
  run<R>(name: string, args: unknown): Promise<R>;
  /**
   * Runs command `name` as one part of a stream (see StreamPart): the parts run in order, in one transaction that holds
   * other writes off, and commit together when the final one has run; each resolves only then. A stream whose final
   * part does not come within the write queue's timeout is rolled back whole. Ids come from newStream().
   */
  runPart<R>(name: string, args: unknown, part: StreamPart): Promise<R>;
  /** The clock sent with every command (the node's, injected in tests). */
  readonly nowMs: () => number;
  /** Runs what is queued, then closes the write connection. */
  close(): Promise<void>;
  /** False once the write connection failed for good (readiness). */
  readonly healthy: boolean;
}

/** Runs commands on this thread, through `store`'s own write queue (a `:memory:` store, the CLI, tests). */
export class LocalWriteChannel implements WriteChannel {
  readonly kind = 'local';
  readonly healthy = true;

  constructor(
    private readonly store: Store,
    private readonly handlers: WriteHandlers,
    readonly nowMs: () => number,
  ) {}

  run<R>(name: string, args: unknown): Promise<R> {
    return this.runIn(name, args, undefined);
  }

  runPart<R>(name: string, args: unknown, part: StreamPart): Promise<R> {
    return this.runIn(name, args, part);
  }

  close(): Promise<void> {
    this.store.writes.drain();
    return Promise.resolve();
  }

  private runIn<R>(name: string, args: unknown, part: StreamPart | undefined): Promise<R> {
    const handler = this.handlers[name] as ((args: unknown, nowMs: number) => R) | undefined;
    if (handler === undefined) return Promise.reject(new IdnodeError('INTERNAL', `no write command ${name}`));
    const nowMs = this.nowMs();
    return this.store.write(() => handler(args, nowMs), part);
  }
}

/**
 * A channel whose writes are acknowledged only once `settle` resolves after their COMMIT: on PostgreSQL, once every
 * other process over the database has dropped what they replaced (PostgresRegistry.settle). A refused write changed
 * nothing and is refused at once.
 */
export class SettledWriteChannel implements WriteChannel {
  constructor(
    private readonly inner: WriteChannel,
    private readonly settle: () => Promise<void>,
  ) {}

  get kind(): 'thread' | 'local' {
    return this.inner.kind;
  }

  get nowMs(): () => number {
    return this.inner.nowMs;
  }

  get healthy(): boolean {
    return this.inner.healthy;
  }

  async run<R>(name: string, args: unknown): Promise<R> {
    const result = await this.inner.run<R>(name, args);
    await this.settle();
    return result;
  }

  async runPart<R>(name: string, args: unknown, part: StreamPart): Promise<R> {
    const result = await this.inner.runPart<R>(name, args, part);
    await this.settle();
    return result;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

let streams = 0;

/** A new stream id for runPart (unique within this process, which is all one write channel sees). */
export function newStream(): number {
  streams += 1;
  return streams;
}

/** An IdnodeError as plain data, to cross a thread or process boundary. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterSeconds?: number;
  /** For a server error: what caused it (its stack), for the log on the other side; never sent to a client. */
  readonly cause?: string;
}

export function errorData(thrown: unknown): ErrorData {
  const error = toIdnodeError(thrown);
  const data: { -readonly [K in keyof ErrorData]: ErrorData[K] } = { code: error.code, message: error.message };
  if (error.retryAfterSeconds !== undefined) data.retryAfterSeconds = error.retryAfterSeconds;
  if (error.isServerError) data.cause = String((error.cause as Error | undefined)?.stack ?? error.cause ?? error.stack);
  return data;
}

export function errorFromData(data: ErrorData): IdnodeError {
  const options: { cause?: unknown; retryAfterSeconds?: number } = {};
  if (data.retryAfterSeconds !== undefined) options.retryAfterSeconds = data.retryAfterSeconds;
  if (data.cause !== undefined) options.cause = new Error(data.cause);
  return new IdnodeError(data.code, data.message, options);
}
