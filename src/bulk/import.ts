// `idnode import`: a file of records streamed into the store in batched transactions, each committing its checkpoint,
// bad records to a reject file with their line and reason while the good ones load (docs/bulk.md).

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { BulkRecord, BulkTables, ImportCheckpoint } from '../store/bulk-tables.js';
import { csvItems } from './csv-format.js';
import { ndjsonItems, type SourceItem } from './ndjson-source.js';
import { checkRecord, withHashedSecrets } from './record-input.js';

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

function rejectOf(item: SourceItem, error: unknown): Reject {
  const code = error instanceof IdnodeError ? error.code : 'INTERNAL';
  const reason = error instanceof Error ? error.message : String(error);
  return item.text === undefined ? { line: item.line, code, reason } : { line: item.line, code, reason, text: item.text };
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

  const commit = async (items: readonly SourceItem[], done: boolean): Promise<void> => {
    const nowSeconds = Math.floor(options.nowMs() / 1000);
    const homed = tables.homedPrefixKeys();
    const records: BulkRecord[] = [];
    const recordItems: SourceItem[] = [];
    const rejects: Reject[] = [];
    for (const item of items) {
      if (item.header === true) continue;
      if (item.error !== undefined) {
        rejects.push(rejectOf(item, item.error));
        continue;
      }
      try {
        const checked = checkRecord(item.input, homed, nowSeconds, options.rule);
        records.push(checked.secrets ? await withHashedSecrets(checked, options.hashSecret) : checked.record);
        recordItems.push(item);
        if (checked.record.homes !== undefined) homed.add(checked.record.homes.prefixKey);
      } catch (error) {
        rejects.push(rejectOf(item, error));
      }
    }
    const last = items.at(-1);
    const next = { ...state, offset: done ? bytesTotal : (last?.endOffset ?? state.offset), line: last?.lastLine ?? state.line };
    tables.insertBatch(records, nowSeconds, (inserted): ImportCheckpoint => {
      inserted.forEach((ok, i) => {
        const item = recordItems[i];
        if (!ok && item !== undefined) rejects.push(rejectOf(item, new IdnodeError('HANDLE_ALREADY_EXISTS', 'the handle exists already (in the store or earlier in this file)')));
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
    progress();
  };

  const resumedAfterLine = state.line;
  try {
    progress();
    const source =
      options.format === 'csv'
        ? csvItems(file, state.offset, state.line, state.header, (header) => {
            state.header = header;
          })
        : ndjsonItems(file, state.offset, state.line);
    let pending: SourceItem[] = [];
    for await (const items of source) {
      for (const item of items) {
        pending.push(item);
        // A batch ends only where the file may be resumed from (not right after a broken CSV row).
        if (pending.length >= options.batchSize && item.endOffset >= 0) {
          await commit(pending, false);
          pending = [];
        }
      }
    }
    await commit(pending, true);
  } finally {
    closeSync(rejectsFd);
  }
  return { alreadyDone: false, resumedAfterLine, lines: state.line, bytesDone: state.offset, bytesTotal, ...state };
}
