// A check thread of `idnode import` (check-pool.ts): chunks of NDJSON lines in, the lines checked out.

import { parentPort, workerData } from 'node:worker_threads';
import type { CaseRule } from '../identifier/handle.js';
import { checkLines } from './check-lines.js';

/** What the pool sends a thread: one chunk of whole lines and the time of values without a timestamp. */
export interface CheckRequest {
  readonly seq: number;
  readonly bytes: Uint8Array;
  readonly nowSeconds: number;
}

const { rule } = workerData as { rule: CaseRule };
const port = parentPort;
port?.on('message', (request: CheckRequest) => {
  port.postMessage({ seq: request.seq, chunk: checkLines(request.bytes, request.nowSeconds, rule) });
});
