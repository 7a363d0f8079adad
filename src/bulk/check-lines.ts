// The CPU-heavy part of an NDJSON import, for the check threads: a chunk of whole lines read, parsed and checked by the
// API's rules into stored forms, everything but what depends on the lines before (the prefix check, in file order).

import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { BulkRecord } from '../store/bulk-tables.js';
import { checkHandle, checkValues } from './record-input.js';

const NEWLINE = 0x0a;

/** One non-blank line of a chunk, checked as far as it can be without the lines before it. */
export interface CheckedLine {
  /** The line's index in its chunk (0-based; blank lines count). */
  readonly index: number;
  /** Byte offsets in the chunk: the line's first byte, and just past its newline (or the chunk's end). */
  readonly start: number;
  readonly end: number;
  /**
   * Why the line is rejected whatever the prefixes: not JSON, not a record, a bad handle (`early`); or why it is
   * rejected once its prefix passed (a bad value).
   */
  readonly error?: { readonly code: string; readonly message: string; readonly early: boolean };
  /** The prefix key that must be homed (absent for a prefix record 0.NA/P, which homes P), and its spelling. */
  readonly prefixKey?: string;
  readonly prefix?: string;
  /** The stored form (absent with an error, or with `secrets`). */
  readonly record?: BulkRecord;
  /** Plain HS_SECKEY secrets to hash first: the importing thread checks the line again and hashes them. */
  readonly secrets?: true;
}

export interface CheckedChunk {
  /** Lines in the chunk, blank ones included. */
  readonly lines: number;
  readonly checked: CheckedLine[];
}

function failure(error: unknown, early: boolean): NonNullable<CheckedLine['error']> {
  const code = error instanceof IdnodeError ? error.code : 'INTERNAL';
  return { code, message: error instanceof Error ? error.message : String(error), early };
}

/** The text of a line as the reject file quotes it: without its newline or a carriage return before it. */
export function lineText(bytes: Uint8Array, start: number, end: number): string {
  let stop = end;
  if (stop > start && bytes[stop - 1] === NEWLINE) stop -= 1;
  if (stop > start && bytes[stop - 1] === 0x0d) stop -= 1;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start).toString('utf8');
}

function checkLine(text: string, nowSeconds: number, rule: CaseRule): Omit<CheckedLine, 'index' | 'start' | 'end'> {
  let input: unknown;
  try {
    input = JSON.parse(text) as unknown;
  } catch (error) {
    return { error: failure(new IdnodeError('INVALID_JSON', `not JSON: ${(error as Error).message}`), true) };
  }
  let handle;
  try {
    handle = checkHandle(input, rule);
  } catch (error) {
    return { error: failure(error, true) };
  }
  const prefix = handle.derived === null ? { prefixKey: handle.handle.prefixKey, prefix: handle.handle.prefix } : {};
  try {
    const checked = checkValues(handle, nowSeconds, rule);
    return checked.secrets ? { ...prefix, secrets: true } : { ...prefix, record: checked.record };
  } catch (error) {
    return { ...prefix, error: failure(error, false) };
  }
}

/**
 * Every line of `bytes` (whole lines; the last may lack its newline only at the end of the file), checked with
 * `nowSeconds` as the time of values without a timestamp. Blank lines are counted and skipped.
 */
export function checkLines(bytes: Uint8Array, nowSeconds: number, rule: CaseRule): CheckedChunk {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const checked: CheckedLine[] = [];
  let index = 0;
  let start = 0;
  while (start < buffer.length) {
    const newline = buffer.indexOf(NEWLINE, start);
    const end = newline < 0 ? buffer.length : newline + 1;
    const text = lineText(buffer, start, end);
    if (text.trim().length > 0) checked.push({ index, start, end, ...checkLine(text, nowSeconds, rule) });
    index += 1;
    start = end;
  }
  return { lines: index, checked };
}
