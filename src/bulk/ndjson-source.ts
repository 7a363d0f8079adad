// Reading an NDJSON file from a byte offset in chunks of whole lines (each checked on a thread: check-pool.ts).

import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/** Whole lines of an NDJSON file, and the byte offset of the first. */
export interface NdjsonChunk {
  readonly bytes: Buffer;
  readonly offset: number;
}

/**
 * The file from byte `offset` (a line boundary) in chunks of whole lines (about 1 MiB each; a line longer than that
 * makes its chunk longer); the last chunk may end without a newline.
 */
export async function* ndjsonChunks(file: string, offset: number): AsyncGenerator<NdjsonChunk> {
  let base = offset;
  let rest: Buffer = EMPTY;
  for await (const read of createReadStream(file, { start: offset, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const cut = read.lastIndexOf(NEWLINE);
    if (cut < 0) {
      rest = Buffer.concat([rest, read]);
      continue;
    }
    const bytes = rest.length === 0 ? read.subarray(0, cut + 1) : Buffer.concat([rest, read.subarray(0, cut + 1)]);
    rest = read.subarray(cut + 1);
    yield { bytes, offset: base };
    base += bytes.length;
  }
  if (rest.length > 0) yield { bytes: rest, offset: base };
}
