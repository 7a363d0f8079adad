// The writer thread's side of the write channel: it owns the write connection, runs commands in its group commit and
// reports each commit's keys before any of its results.

import { parentPort } from 'node:worker_threads';
import type { Store, StoreOptions } from './store.js';
import { errorData, type ErrorData, type WriteHandlers } from './write-channel.js';
import type { StreamPart } from './write-queue.js';

/** What the writer thread is started with (worker_threads workerData). */
export interface WriterThreadData<S = unknown, L = unknown> {
  /** Where the store is (src/store-location.ts): the thread's entry opens it. */
  readonly location: L;
  /** The change-log name of the node's own connection (StoreOptions.changeWriter). */
  readonly changeWriter?: string;
  readonly busyTimeoutMs: number;
  readonly maxBytes: number;
  readonly allowReadable: boolean;
  /** The node's settings for its write commands (write-commands.ts). */
  readonly settings: S;
  /**
   * Tests only: an Int32Array's buffer. While element 0 is 1 the thread holds every COMMIT, setting element 1 to 1
   * while it waits — so a test can see that nothing is acknowledged before the commit.
   */
  readonly commitGate?: SharedArrayBuffer;
}

/**
 * Main thread → writer thread. A command's arguments and its result cross as JSON text: for a batch of 2,000 records,
 * JSON.stringify + JSON.parse cost a fraction of structured clone's walk of the same object graph (measured with
 * bench batchCreate: postMessage of the objects took ~50 ms per batch on the main thread alone).
 */
export type ToWriter =
  | { readonly kind: 'run'; readonly id: number; readonly name: string; readonly args: string; readonly nowMs: number; readonly part?: StreamPart }
  | { readonly kind: 'close' };

/** Writer thread → main thread, in order: a commit's keys always arrive before the results of its writes. */
export type FromWriter =
  | { readonly kind: 'ready' }
  | { readonly kind: 'committed'; readonly keys: readonly string[] }
  | { readonly kind: 'result'; readonly id: number; readonly ok: true; readonly value: string }
  | { readonly kind: 'result'; readonly id: number; readonly ok: false; readonly error: ErrorData }
  | { readonly kind: 'fatal'; readonly error: ErrorData }
  | { readonly kind: 'closed' };

function gateOf(buffer: SharedArrayBuffer | undefined): (() => void) | undefined {
  if (buffer === undefined) return undefined;
  const gate = new Int32Array(buffer);
  return () => {
    if (Atomics.load(gate, 0) !== 1) return;
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    Atomics.wait(gate, 0, 1);
    Atomics.store(gate, 1, 0);
  };
}

/** Runs in the writer thread: opens the write connection and serves commands until told to close. */
export function hostWrites<S, L>(data: WriterThreadData<S, L>, open: (options: StoreOptions) => Store, handlersOf: (store: Store) => WriteHandlers): void {
  const port = parentPort;
  if (port === null) throw new Error('hostWrites runs in a worker thread');
  const post = (message: FromWriter): void => port.postMessage(message);
  let store: Store;
  let handlers: WriteHandlers;
  try {
    const beforeCommit = gateOf(data.commitGate);
    store = open({
      busyTimeoutMs: data.busyTimeoutMs,
      maxBytes: data.maxBytes,
      allowReadable: data.allowReadable,
      ...(data.changeWriter === undefined ? {} : { changeWriter: data.changeWriter }),
      onCommitted: (keys) => post({ kind: 'committed', keys }),
      ...(beforeCommit === undefined ? {} : { beforeCommit }),
    });
    handlers = handlersOf(store);
  } catch (error) {
    post({ kind: 'fatal', error: errorData(error) });
    port.close();
    return;
  }
  port.on('message', (message: ToWriter) => {
    if (message.kind === 'close') {
      store.close();
      // After the results of the writes close() just committed (posted from promise callbacks, which run first).
      setImmediate(() => {
        post({ kind: 'closed' });
        port.close();
      });
      return;
    }
    const { id, name, args } = message;
    const handler = handlers[name] as ((args: unknown, nowMs: number) => unknown) | undefined;
    const done = handler === undefined ? Promise.reject(new Error(`no write command ${name}`)) : store.write(() => handler(JSON.parse(args) as unknown, message.nowMs), message.part);
    done.then(
      (value) => post({ kind: 'result', id, ok: true, value: JSON.stringify(value ?? null) }),
      (error: unknown) => post({ kind: 'result', id, ok: false, error: errorData(error) }),
    );
  });
  post({ kind: 'ready' });
}
