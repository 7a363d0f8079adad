// The main thread's side of the write channel (issue 13): commands go to the writer thread, which owns the write
// connection, so neither a group's statements nor its COMMIT's fsync ever run on the event loop.

import { Worker } from 'node:worker_threads';
import { IdnodeError } from '../errors.js';
import { errorFromData, type WriteChannel } from './write-channel.js';
import type { FromWriter, ToWriter, WriterThreadData } from './writer-thread-host.js';
import type { StreamPart } from './write-queue.js';

/**
 * The writer thread's young generation (`resourceLimits.maxYoungGenerationSizeMb`; V8 sizes the semi-spaces from it): a
 * batch of 2,000 records makes short-lived garbage that the default promotes and collects again. Measured with bench
 * batchCreate, one connection: p50 146 → 115 ms per batch, CPU 206 → 159 ms; RSS under that load +51 MiB per process
 * (each IDNODE_WORKERS worker has its own writer thread; it only grows while batches run).
 */
const WRITER_YOUNG_GENERATION_MB = 64;

interface Waiting {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface ThreadWriteChannelOptions {
  /**
   * Called with the keys of every commit, before any write of that commit is acknowledged here (the thread reports a
   * commit's keys before its results, and messages keep their order).
   */
  readonly onCommitted: (handleKeys: readonly string[]) => void;
  /** Writes in flight at most; beyond, STORE_BUSY (everything is bounded). */
  readonly maxPending?: number;
  /** Hears of a failure of the thread itself (not of a write). */
  readonly onFailure?: (error: unknown) => void;
  /** The clock sent with every command (WriteHandler's `nowMs`). */
  readonly nowMs: () => number;
}

/** A writer thread running `entry` (a module that calls hostWrites) and the commands sent to it. */
export class ThreadWriteChannel implements WriteChannel {
  readonly kind = 'thread';
  /** Resolves once the thread has opened the write connection; rejects with why it could not. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private readonly maxPending: number;
  private nextId = 1;
  private failure: IdnodeError | null = null;
  private closing: Promise<void> | null = null;
  readonly nowMs: () => number;

  constructor(entry: URL, data: WriterThreadData, private readonly options: ThreadWriteChannelOptions) {
    this.nowMs = options.nowMs;
    this.maxPending = options.maxPending ?? 20_000;
    this.worker = new Worker(entry, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB } });
    // The thread never keeps the process alive by itself; writes in flight (and close) hold it (see track).
    this.worker.unref();
    let opened: () => void = () => undefined;
    let refused: (error: unknown) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      refused = reject;
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: FromWriter) => {
      switch (message.kind) {
        case 'ready':
          opened();
          return;
        case 'committed':
          this.options.onCommitted(message.keys);
          return;
        case 'result': {
          const waiting = this.waiting.get(message.id);
          this.waiting.delete(message.id);
          this.track();
          if (message.ok) waiting?.resolve(JSON.parse(message.value) as unknown);
          else waiting?.reject(errorFromData(message.error));
          return;
        }
        case 'fatal':
          refused(errorFromData(message.error));
          this.fail(errorFromData(message.error));
          return;
        case 'closed':
          return;
      }
    });
    this.worker.on('error', (error) => {
      refused(error);
      this.fail(error);
    });
    this.worker.on('exit', () => {
      const error = new IdnodeError('STORE_UNAVAILABLE', 'the writer thread stopped');
      refused(error);
      this.fail(error);
    });
  }

  get healthy(): boolean {
    return this.failure === null;
  }

  run<R>(name: string, args: unknown): Promise<R> {
    return this.send(name, args, undefined);
  }

  runPart<R>(name: string, args: unknown, part: StreamPart): Promise<R> {
    return this.send(name, args, part);
  }

  private send<R>(name: string, args: unknown, part: StreamPart | undefined): Promise<R> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing !== null) return Promise.reject(new IdnodeError('STORE_UNAVAILABLE', 'the store is closing'));
    // A stream is admitted by its first part: refusing a later one would leave it incomplete.
    if (this.waiting.size >= this.maxPending && (part === undefined || part.seq === 0)) return Promise.reject(new IdnodeError('STORE_BUSY', 'too many writes waiting'));
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.track();
      const message: ToWriter = { kind: 'run', id, name, args: JSON.stringify(args ?? null), nowMs: this.nowMs(), ...(part === undefined ? {} : { part }) };
      this.worker.postMessage(message);
    });
  }

  /** Lets the thread run what it was sent, close the write connection and end; resolves when it has. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.failure !== null) {
        resolve();
        return;
      }
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      const message: ToWriter = { kind: 'close' };
      this.worker.postMessage(message);
    });
    return this.closing;
  }

  /** Keeps the process alive while writes are in flight, and only then. */
  private track(): void {
    if (this.closing !== null) return;
    if (this.waiting.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error instanceof IdnodeError ? error : new IdnodeError('STORE_UNAVAILABLE', 'the writer thread failed', { cause: error });
    if (this.closing === null) this.options.onFailure?.(error);
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }
}
