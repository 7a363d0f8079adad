// `idnode import`: a file of records streamed into the store in batched transactions, each committing its checkpoint,
// bad records to a reject file with their line and reason while the good ones load (docs/bulk.md).

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { BulkRecord, BulkTables, ImportCheckpoint } from '../store/bulk-tables.js';
import { lineText, type CheckedLine } from './check-lines.js';
import { checkedChunks } from './check-pool.js';
import { csvItems, type SourceItem } from './csv-format.js';
import { ndjsonChunks } from './ndjson-source.js';
import { checkRecord, notHomed, withHashedSecrets } from './record-input.js';

export type BulkFormat = 'ndjson' | 'csv';

export interface ImportOptions {
  readonly file: string;
  readonly format: BulkFormat;
  /** Where rejected records go (created 0600; a resumed import continues it). */
  readonly rejectsPath: string;
  /** Records per transaction. */
  readonly batchSize: number;
  /** Start from the beginning even when a checkpoint says the file was (partly) imported. */
  readonly restart: boolean;
  readonly rule: CaseRule;
  /** Hashes a plain HS_SECKEY secret as the register service does. */
  readonly hashSecret: (secret: string) => Promise<string>;
  readonly nowMs: () => number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Threads checking NDJSON lines (default: the cores the process may use); CSV is read and checked in order. */
  readonly jobs?: number;
}

export interface ImportProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Totals over every run of this import of the file, resumed ones included. */
  readonly loaded: number;
  readonly rejected: number;
}

export interface ImportResult extends ImportProgress {
  /** The file had been imported to its end before; nothing was done. */
  readonly alreadyDone: boolean;
  /** The line this run started after (0: from the beginning). */
  readonly resumedAfterLine: number;
  readonly lines: number;
}

interface Reject {
  readonly line: number;
  readonly code: string;
  readonly reason: string;
  readonly text?: string;
}

/** The records of one transaction, checked, with the rejects among their lines. */
interface Batch {
  readonly nowSeconds: number;
  /** Prefix keys homed here: the store's at the batch's start, and those the batch's prefix records home. */
  readonly homed: Set<string>;
  readonly records: BulkRecord[];
  /** The line of each record, for a HANDLE_ALREADY_EXISTS reject. */
  readonly recordLines: number[];
  readonly rejects: Reject[];
  items: number;
  endOffset: number | undefined;
  lastLine: number | undefined;
}

function newBatch(nowMs: () => number, homed: Set<string>): Batch {
  return { nowSeconds: Math.floor(nowMs() / 1000), homed, records: [], recordLines: [], rejects: [], items: 0, endOffset: undefined, lastLine: undefined };
}

/** The file's size and a hash of its first 64 KiB: a checkpoint applies only to the file it was taken of. */
function fingerprint(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(65_536);
    const read = readSync(fd, head, 0, head.length, 0);
    return `${fstatSync(fd).size}:${createHash('sha256').update(head.subarray(0, read)).digest('hex').slice(0, 32)}`;
  } finally {
    closeSync(fd);
  }
}

function rejectOf(line: number, error: unknown, text?: string): Reject {
  const code = error instanceof IdnodeError ? error.code : 'INTERNAL';
  const reason = error instanceof Error ? error.message : String(error);
  return text === undefined ? { line, code, reason } : { line, code, reason, text };
}

/** Imports `options.file` into `tables`, resuming where an interrupted import of the same file committed last. */
export async function importFile(tables: BulkTables, options: ImportOptions): Promise<ImportResult> {
  const file = resolve(options.file);
  const bytesTotal = statSync(file).size;
  const print = fingerprint(file);
  const previous = options.restart ? undefined : tables.checkpoint(file);
  const resumed = previous !== undefined && previous.fingerprint === print ? previous : undefined;
  if (resumed?.done === true) {
    return { alreadyDone: true, resumedAfterLine: resumed.line, lines: resumed.line, bytesDone: resumed.offset, bytesTotal, loaded: resumed.loaded, rejected: resumed.rejected };
  }
  // The rejects of lines after the checkpoint were written by a run that never committed them: they are cut off.
  const rejectsFd = openSync(options.rejectsPath, resumed === undefined ? 'w' : 'a+', 0o600);
  let state = {
    offset: resumed?.offset ?? 0,
    line: resumed?.line ?? 0,
    loaded: resumed?.loaded ?? 0,
    rejected: resumed?.rejected ?? 0,
    rejectsBytes: resumed?.rejectsBytes ?? 0,
    header: resumed === undefined ? null : (JSON.parse(resumed.state) as { header: string[] | null }).header,
  };
  ftruncateSync(rejectsFd, state.rejectsBytes);
  const progress = (): void => options.onProgress?.({ bytesDone: state.offset, bytesTotal, loaded: state.loaded, rejected: state.rejected });

  // Each record is checked as soon as it is read, so a batch holds stored forms, not parsed JSON (less for the GC).
  let batch = newBatch(options.nowMs, tables.homedPrefixKeys());
  /** Takes a checked record into the batch (hashing its secrets first), and what it homes into the batch's prefixes. */
  const accept = (record: BulkRecord, line: number): void => {
    batch.records.push(record);
    batch.recordLines.push(line);
    if (record.homes !== undefined) batch.homed.add(record.homes.prefixKey);
  };
  const recheck = async (input: unknown, line: number, text?: string): Promise<void> => {
    try {
      const checked = checkRecord(input, batch.homed, batch.nowSeconds, options.rule);
      accept(checked.secrets ? await withHashedSecrets(checked, options.hashSecret) : checked.record, line);
    } catch (error) {
      batch.rejects.push(rejectOf(line, error, text));
    }
  };
  const takeCsv = async (item: SourceItem): Promise<void> => {
    batch.items += 1;
    batch.lastLine = item.lastLine;
    if (item.endOffset >= 0) batch.endOffset = item.endOffset;
    if (item.header === true) return;
    if (item.error !== undefined) batch.rejects.push(rejectOf(item.line, item.error));
    else await recheck(item.input, item.line);
  };
  /** An NDJSON line checked on a thread: what depends on the lines before (the prefix check) is decided here. */
  const takeNdjson = async (checked: CheckedLine, bytes: Buffer, line: number, endOffset: number): Promise<void> => {
    batch.items += 1;
    batch.lastLine = line;
    batch.endOffset = endOffset;
    const text = (): string => lineText(bytes, checked.start, checked.end);
    const { error, prefixKey, prefix } = checked;
    // The order of the API's checks: the record's shape and handle, then its prefix, then its values.
    const refused = error?.early === true ? error : prefixKey !== undefined && !batch.homed.has(prefixKey) ? notHomed(prefix ?? prefixKey) : error;
    if (refused !== undefined) batch.rejects.push({ line, code: refused.code, reason: refused.message, text: text() });
    else if (checked.secrets === true) await recheck(JSON.parse(text()) as unknown, line, text());
    else if (checked.record !== undefined) accept(checked.record, line);
  };

  const commit = (done: boolean): void => {
    const { records, recordLines, rejects, nowSeconds } = batch;
    const next = { ...state, offset: done ? bytesTotal : (batch.endOffset ?? state.offset), line: batch.lastLine ?? state.line };
    tables.insertBatch(records, nowSeconds, (inserted): ImportCheckpoint => {
      inserted.forEach((ok, i) => {
        const record = records[i];
        if (ok || record === undefined) return;
        const handle = record.spelling ?? `${record.prefixKey}/${record.suffixKey}`;
        rejects.push({ line: recordLines[i] ?? 0, code: 'HANDLE_ALREADY_EXISTS', reason: `${handle} exists already (in the store or earlier in this file)` });
      });
      rejects.sort((a, b) => a.line - b.line);
      if (rejects.length > 0) {
        const text = Buffer.from(rejects.map((reject) => `${JSON.stringify(reject)}\n`).join(''), 'utf8');
        for (let written = 0; written < text.length; ) written += writeSync(rejectsFd, text, written, text.length - written, next.rejectsBytes + written);
        fsyncSync(rejectsFd);
        next.rejectsBytes += text.length;
      }
      next.loaded += inserted.filter(Boolean).length;
      next.rejected += rejects.length;
      return {
        file,
        fingerprint: print,
        offset: next.offset,
        line: next.line,
        loaded: next.loaded,
        rejected: next.rejected,
        rejectsBytes: next.rejectsBytes,
        state: JSON.stringify({ header: next.header }),
        done,
      };
    });
    state = next;
    batch = newBatch(options.nowMs, tables.homedPrefixKeys());
    progress();
  };

  const resumedAfterLine = state.line;
  try {
    progress();
    if (options.format === 'csv') {
      const source = csvItems(file, state.offset, state.line, state.header, (header) => {
        state.header = header;
      });
      for await (const items of source) {
        for (const item of items) {
          await takeCsv(item);
          // A batch ends only where the file may be resumed from (not right after a broken CSV row).
          if (batch.items >= options.batchSize && item.endOffset >= 0) commit(false);
        }
      }
    } else {
      let linesBefore = state.line;
      const chunks = checkedChunks(ndjsonChunks(file, state.offset), { jobs: options.jobs ?? availableParallelism(), rule: options.rule, nowMs: options.nowMs });
      for await (const { bytes, offset, chunk } of chunks) {
        for (const checked of chunk.checked) {
          await takeNdjson(checked, bytes, linesBefore + checked.index + 1, offset + checked.end);
          if (batch.items >= options.batchSize) commit(false);
        }
        linesBefore += chunk.lines;
      }
    }
    commit(true);
  } finally {
    closeSync(rejectsFd);
  }
  return { alreadyDone: false, resumedAfterLine, lines: state.line, bytesDone: state.offset, bytesTotal, ...state };
}
