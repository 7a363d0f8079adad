// Reading an NDJSON file from a byte offset in chunks of whole lines (each checked on a thread: check-pool.ts).

import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
/** Bytes read at a time. */
const CHUNK_BYTES = 1 << 20;

/** Whole lines of an NDJSON file, and the byte offset of the first. */
export interface NdjsonChunk {
  /** The lines, at the start of a buffer of its own (`bytes.buffer` may be handed to another thread). */
  readonly bytes: Buffer;
  readonly offset: number;
}

/**
 * The file from byte `offset` (a line boundary) in chunks of whole lines, each in a buffer of its own (about 1 MiB; a
 * line longer than that makes its chunk longer); the last chunk may end without a newline.
 */
export async function* ndjsonChunks(file: string, offset: number): AsyncGenerator<NdjsonChunk> {
  const handle = await open(file, 'r');
  try {
    let position = offset;
    let base = offset;
    // The start of a line cut by the end of the last read: copied to the front of the next buffer.
    let rest: Buffer = EMPTY;
    for (;;) {
      const buffer = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, rest.length * 2));
      rest.copy(buffer, 0);
      const { bytesRead } = await handle.read(buffer, rest.length, buffer.length - rest.length, position);
      position += bytesRead;
      const filled = rest.length + bytesRead;
      if (bytesRead === 0) {
        if (rest.length > 0) yield { bytes: buffer.subarray(0, filled), offset: base };
        return;
      }
      const cut = buffer.lastIndexOf(NEWLINE, filled - 1);
      if (cut < 0) {
        rest = buffer.subarray(0, filled);
        continue;
      }
      rest = Buffer.from(buffer.subarray(cut + 1, filled));
      yield { bytes: buffer.subarray(0, cut + 1), offset: base };
      base += cut + 1;
    }
  } finally {
    await handle.close();
  }
}
