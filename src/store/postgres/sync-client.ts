// A blocking call into PostgreSQL: the request goes to a thread of its own (sync-worker.ts) and the calling thread waits
// on a shared counter (Atomics.wait) for the answer, so the store's synchronous statement modules run unchanged.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { IdnodeError } from '../../errors.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from './pool.js';
import type { BridgeOptions, BridgeReply, BridgeRequest } from './sync-protocol.js';

/** bytea columns cross the thread as Uint8Array; the statement modules read Buffers, as better-sqlite3 gives BLOBs. */
function withBuffers<T extends { rows: Record<string, unknown>[] }>(reply: T): T {
  for (const row of reply.rows) {
    for (const key in row) {
      const value = row[key];
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return reply;
}

/** Distributes Omit over a union (each request kind keeps its own fields). */
type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

/**
 * Why blocking: the statement modules (src/store/*.ts) and the write commands run synchronously inside one
 * transaction, on SQLite as on PostgreSQL. A caller blocks only its own thread — the writer thread for writes; the
 * event loop for the reads that miss every cache — for one round trip, bounded by `deadlineMs`. (synckit does the same
 * job, but gives no way to skip the late answer of a call that ran past its deadline, which a failover produces.)
 */
export class SyncClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly woken: Int32Array;
  private seq = 0;
  /** Whether a transaction is open on the thread's held connection, as its last answer said (false once it is lost). */
  inTransaction = false;
  private closed = false;
  /** Why the thread ended, once it has (heard between calls: a blocked caller runs no event handler). */
  private died: Error | undefined;
  /** How long a call waits for its answer before it fails STORE_UNAVAILABLE (the thread's own bound plus a margin). */
  private readonly deadlineMs: number;

  constructor(options: BridgeOptions) {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.woken = new Int32Array(signal);
    this.deadlineMs = (options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS) + (options.connectTimeoutMs ?? 10_000) + 1000;
    this.worker = new Worker(new URL('./sync-worker.js', import.meta.url), { workerData: { port: port2, signal, options }, transferList: [port2] });
    // The thread never keeps the process alive by itself: the store closes it, and an exit must not wait on it.
    this.worker.unref();
    // A thread that died answers nothing more: every later call fails at once instead of waiting out its deadline.
    this.worker.on('error', (error) => (this.died ??= error));
    this.worker.on('exit', (code) => (this.died ??= new Error(`the PostgreSQL thread exited (${code})`)));
  }

  /** Sends one request and blocks until its answer; throws the catalog error the thread sent, or STORE_UNAVAILABLE. */
  call(request: WithoutSeq<BridgeRequest>, deadlineMs = this.deadlineMs): Extract<BridgeReply, { ok: true }> {
    if (this.closed) throw new IdnodeError('STORE_UNAVAILABLE', 'the PostgreSQL connection is closed');
    if (this.died !== undefined) {
      this.inTransaction = false;
      throw new IdnodeError('STORE_UNAVAILABLE', 'the PostgreSQL thread stopped', { cause: this.died });
    }
    this.seq += 1;
    const seq = this.seq;
    this.port.postMessage({ ...request, seq });
    const until = Date.now() + deadlineMs;
    for (;;) {
      const seen = Atomics.load(this.woken, 0);
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) {
        const reply = received.message as BridgeReply;
        // A late answer to a call that ran past its deadline: nobody waits for it any more.
        if (reply.seq !== seq) continue;
        this.inTransaction = reply.inTransaction;
        if (reply.ok) return withBuffers(reply);
        const cause = Object.assign(new Error(reply.detail ?? reply.message), { code: reply.sqlState });
        throw new IdnodeError(reply.code, reply.message, { cause });
      }
      const left = until - Date.now();
      if (left <= 0 || Atomics.wait(this.woken, 0, seen, left) === 'timed-out') {
        this.inTransaction = false;
        throw new IdnodeError('STORE_UNAVAILABLE', `PostgreSQL did not answer within ${deadlineMs} ms`);
      }
    }
  }

  /** Sends a request nobody waits for (its answer is skipped by the next call). */
  post(request: WithoutSeq<BridgeRequest>): void {
    if (this.closed) return;
    this.seq += 1;
    this.port.postMessage({ ...request, seq: this.seq });
  }

  /** Closes the pool and stops the thread. */
  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'close' }, 5000);
    } catch {
      // Closing a connection to a server that is gone: nothing left to release there.
    }
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}
