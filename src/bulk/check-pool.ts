// Checking an NDJSON import on every core: chunks of lines go round the check threads and come back in file order, so
// the importing thread only applies what depends on order (the prefix check) and writes.

import { Worker } from 'node:worker_threads';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { CheckedChunk } from './check-lines.js';
import type { CheckRequest } from './check-thread.js';
import type { NdjsonChunk } from './ndjson-source.js';

export interface CheckPoolOptions {
  /** Check threads (at least 1). */
  readonly jobs: number;
  readonly rule: CaseRule;
  readonly nowMs: () => number;
}

/** A chunk of the file with its lines checked. */
export interface ChunkChecked extends NdjsonChunk {
  readonly chunk: CheckedChunk;
}

/** A thread's answer: the lines checked, and the buffer handed back. */
interface CheckAnswer {
  readonly chunk: CheckedChunk;
  readonly buffer: ArrayBuffer;
}

/** Chunks in flight per thread: one being checked, one waiting, so no thread idles while the importer writes. */
const IN_FLIGHT_PER_THREAD = 2;

/** One check thread and the chunks it was sent. */
class CheckThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (answer: CheckAnswer) => void; reject: (error: unknown) => void }>();
  private failure: unknown = null;

  constructor(rule: CaseRule) {
    this.worker = new Worker(new URL('./check-thread.js', import.meta.url), { workerData: { rule } });
    this.worker.on('message', (message: CheckAnswer & { seq: number }) => {
      this.waiting.get(message.seq)?.resolve(message);
      this.waiting.delete(message.seq);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new IdnodeError('INTERNAL', 'a check thread of the import stopped')));
  }

  /** Checks `bytes` (a buffer of its own, from its start: handed to the thread and back, never copied). */
  check(seq: number, bytes: Buffer, nowSeconds: number): Promise<CheckAnswer> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const request: CheckRequest = { seq, buffer: bytes.buffer as ArrayBuffer, length: bytes.length, nowSeconds };
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage(request, [request.buffer]);
    });
  }

  stop(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/**
 * The chunks of `chunks`, each checked on one of `jobs` threads (round robin), yielded in the order read. At most
 * IN_FLIGHT_PER_THREAD chunks per thread are read ahead: memory stays bounded whatever the file's size. The threads
 * stop when the iteration ends, however it ends.
 */
export async function* checkedChunks(chunks: AsyncIterable<NdjsonChunk>, options: CheckPoolOptions): AsyncGenerator<ChunkChecked> {
  const threads = Array.from({ length: Math.max(1, options.jobs) }, () => new CheckThread(options.rule));
  const inFlight: Promise<ChunkChecked>[] = [];
  let seq = 0;
  try {
    for await (const read of chunks) {
      const thread = threads[seq % threads.length] as CheckThread;
      // Handed over: `read.bytes` is empty from here on; the answer brings the same bytes back.
      const { offset, bytes } = read;
      const { length } = bytes;
      const checked = thread.check(seq, bytes, Math.floor(options.nowMs() / 1000)).then((answer) => ({ offset, bytes: Buffer.from(answer.buffer, 0, length), chunk: answer.chunk }));
      // Awaited in order below; until then a failure must not count as unhandled.
      checked.catch(() => undefined);
      inFlight.push(checked);
      seq += 1;
      if (inFlight.length >= threads.length * IN_FLIGHT_PER_THREAD) yield await (inFlight.shift() as Promise<ChunkChecked>);
    }
    while (inFlight.length > 0) yield await (inFlight.shift() as Promise<ChunkChecked>);
  } finally {
    await Promise.all(threads.map((thread) => thread.stop()));
  }
}
