// Reading an NDJSON file from a byte offset as records with their line numbers and the offset just past each line.

import { createReadStream } from 'node:fs';
import { IdnodeError } from '../errors.js';

/** One input record, or why its line(s) could not be read as one; `endOffset` is the byte just past its last line. */
export interface SourceItem {
  /** First line of the record, 1-based. */
  readonly line: number;
  /** Last line of the record (CSV records may span several rows). */
  readonly lastLine: number;
  /** -1 when an import may not checkpoint right after this item (a broken CSV row: the next row's end covers it). */
  readonly endOffset: number;
  /** The CSV header row: nothing to load, only a place to checkpoint. */
  readonly header?: true;
  readonly input: unknown;
  /** Set when the line is not a record at all (not JSON, broken CSV): it goes to the rejects. */
  readonly error?: IdnodeError;
  /** The line as read, for the reject file (NDJSON only). */
  readonly text?: string;
}

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

function item(line: number, text: string, endOffset: number): SourceItem {
  const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
  try {
    return { line, lastLine: line, endOffset, input: JSON.parse(trimmed) as unknown, text: trimmed };
  } catch (error) {
    return { line, lastLine: line, endOffset, input: undefined, text: trimmed, error: new IdnodeError('INVALID_JSON', `not JSON: ${(error as Error).message}`) };
  }
}

/**
 * The records of `file` from byte `offset` (a line boundary; `linesBefore` lines precede it), a chunk's worth at a
 * time. Blank lines are skipped (they only move the offset). Memory stays at one chunk plus one partial line.
 */
export async function* ndjsonItems(file: string, offset: number, linesBefore: number): AsyncGenerator<SourceItem[]> {
  let line = linesBefore;
  let base = offset;
  let rest: Buffer = EMPTY;
  for await (const chunk of createReadStream(file, { start: offset, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const items: SourceItem[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      line += 1;
      // Only a line cut by the chunk boundary is copied (its head is `rest`); every other line is decoded in place.
      const text = rest.length === 0 ? chunk.toString('utf8', start, end) : Buffer.concat([rest, chunk.subarray(start, end)]).toString('utf8');
      const endOffset = base + rest.length + end + 1;
      if (rest.length > 0) {
        base += rest.length;
        rest = EMPTY;
      }
      if (text.trim().length > 0) items.push(item(line, text, endOffset));
      start = end + 1;
    }
    rest = rest.length === 0 ? chunk.subarray(start) : Buffer.concat([rest, chunk]);
    base += start;
    if (items.length > 0) yield items;
  }
  // The last line without a newline.
  if (rest.length > 0) {
    const text = rest.toString('utf8');
    if (text.trim().length > 0) yield [item(line + 1, text, base + rest.length)];
  }
}
