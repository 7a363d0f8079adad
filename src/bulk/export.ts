// `idnode export`: every record (or one prefix's) in the format `idnode import` reads, from one read snapshot.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { decodeRecord } from '../identifier/record-encoding.js';
import { valueToJson } from '../identifier/value-json.js';
import type { BulkTables } from '../store/bulk-tables.js';
import { csvHeader, csvRows } from './csv-format.js';
import type { BulkFormat } from './import.js';

export interface ExportOptions {
  /** A prefix key (canonical), or null for the whole store. */
  readonly prefixKey: string | null;
  readonly format: BulkFormat;
  readonly onProgress?: (records: number) => void;
}

/** Writes the records to `out` (waiting whenever it is full) and resolves with how many were written. */
export async function exportRecords(tables: BulkTables, out: Writable, options: ExportOptions): Promise<number> {
  let records = 0;
  let chunk = options.format === 'csv' ? csvHeader() : '';
  for (const row of tables.exportRows(options.prefixKey)) {
    const handle = row.spelling ?? `${row.prefix_key}/${row.suffix_key}`;
    const values = decodeRecord(row.record).map(valueToJson);
    chunk += options.format === 'csv' ? csvRows(handle, values) : `${JSON.stringify({ handle, values })}\n`;
    records += 1;
    if (chunk.length >= 65_536) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
      if (records % 100_000 < 200) options.onProgress?.(records);
    }
  }
  if (chunk.length > 0 && !out.write(chunk)) await once(out, 'drain');
  options.onProgress?.(records);
  return records;
}
