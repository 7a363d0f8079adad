// A check thread of `idnode import` (check-pool.ts): chunks of NDJSON lines in, the lines checked out.

import { parentPort, workerData } from 'node:worker_threads';
import type { CaseRule } from '../identifier/handle.js';
import { checkLines } from './check-lines.js';

/**
 * What the pool sends a thread: one chunk of whole lines (the first `length` bytes of `buffer`, handed over, not
 * copied) and the time of values without a timestamp. The answer hands the buffer back.
 */
export interface CheckRequest {
  readonly seq: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
  readonly nowSeconds: number;
}

const { rule } = workerData as { rule: CaseRule };
const port = parentPort;
port?.on('message', (request: CheckRequest) => {
  const chunk = checkLines(new Uint8Array(request.buffer, 0, request.length), request.nowSeconds, rule);
  port.postMessage({ seq: request.seq, chunk, buffer: request.buffer }, [request.buffer]);
});
