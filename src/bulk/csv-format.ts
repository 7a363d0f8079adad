// The CSV column mapping of import and export (docs/bulk.md): one row per value, a record's rows one after another.

import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { IdnodeError } from '../errors.js';
import type { ValueJson } from '../identifier/value-json.js';

/** Every column, in the order export writes them. `handle`, `index`, `type` and `data` are required in a header. */
export const CSV_COLUMNS = ['handle', 'index', 'type', 'format', 'data', 'ttl', 'permissions', 'timestamp', 'references'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['handle', 'index', 'type', 'data'];

/** One CSV record, or why its row(s) could not be read as one; `endOffset` is the byte just past its last line. */
export interface SourceItem {
  /** First line of the record, 1-based. */
  readonly line: number;
  /** Last line of the record (a record may span several rows). */
  readonly lastLine: number;
  /** -1 when an import may not checkpoint right after this item (a broken CSV row: the next row's end covers it). */
  readonly endOffset: number;
  /** The CSV header row: nothing to load, only a place to checkpoint. */
  readonly header?: true;
  readonly input: unknown;
  /** Set when the row is not a record at all (broken CSV): it goes to the rejects. */
  readonly error?: IdnodeError;
}

/** Column name → position, from the header row. Throws INVALID_BODY for an unknown, repeated or missing column. */
export function headerMap(header: readonly string[]): Partial<Record<Column, number>> {
  const map: Partial<Record<Column, number>> = {};
  header.forEach((name, i) => {
    const column = name.trim() as Column;
    if (!CSV_COLUMNS.includes(column)) throw new IdnodeError('INVALID_BODY', `unknown CSV column ${JSON.stringify(name)}; the columns are ${CSV_COLUMNS.join(', ')}`);
    if (map[column] !== undefined) throw new IdnodeError('INVALID_BODY', `CSV column ${column} appears twice`);
    map[column] = i;
  });
  const missing = REQUIRED.filter((column) => map[column] === undefined);
  if (missing.length > 0) throw new IdnodeError('INVALID_BODY', `the CSV header lacks ${missing.join(', ')}`);
  return map;
}

function jsonCell(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new IdnodeError('INVALID_VALUE', `${field} must be JSON in this column`);
  }
}

/** A row as a value in the API's input form, for parseValue to check (cells left empty are left out). */
function valueInput(row: readonly string[], map: Partial<Record<Column, number>>, field: string): Record<string, unknown> {
  const cell = (column: Column): string | undefined => {
    const at = map[column];
    const text = at === undefined ? undefined : row[at];
    return text === undefined || text === '' ? undefined : text;
  };
  const input: Record<string, unknown> = {};
  const index = cell('index');
  input.index = index !== undefined && /^\d+$/.test(index) ? Number(index) : index;
  input.type = cell('type');
  const format = cell('format') ?? 'string';
  const data = map.data === undefined ? undefined : (row[map.data] ?? '');
  input.data = format === 'string' ? data : { format, value: data === undefined ? undefined : jsonCell(data, `${field}.data`) };
  const ttl = cell('ttl');
  if (ttl !== undefined) input.ttl = /^\d+$/.test(ttl) ? Number(ttl) : ttl;
  const permissions = cell('permissions');
  if (permissions !== undefined) input.permissions = permissions;
  const timestamp = cell('timestamp');
  if (timestamp !== undefined) input.timestamp = timestamp;
  const references = cell('references');
  if (references !== undefined) input.references = jsonCell(references, `${field}.references`);
  return input;
}

/** A row with a handle and nothing else: a record without values (how export writes one). */
function isBare(row: readonly string[], map: Partial<Record<Column, number>>): boolean {
  return row.every((text, i) => i === map.handle || text === '');
}

/**
 * The records of a CSV file from byte `offset` (a record boundary; `linesBefore` lines precede it). `header` is the
 * header row when resuming (it was read before `offset`), else null: the first row is the header. Consecutive rows
 * with the same handle make one record; it is complete when a row of another handle (or the end) follows.
 */
export async function* csvItems(file: string, offset: number, linesBefore: number, header: string[] | null, onHeader: (header: string[]) => void): AsyncGenerator<SourceItem[]> {
  const parser = createReadStream(file, { start: offset, highWaterMark: 1 << 20 }).pipe(
    parse({ bom: offset === 0, info: true, relax_column_count: true, skip_records_with_error: true, skip_empty_lines: true }),
  );
  const skipped: SourceItem[] = [];
  let lastLine = linesBefore;
  parser.on('skip', (error: Error & { lines?: number }) => {
    const line = linesBefore + (error.lines ?? 0);
    skipped.push({ line, lastLine: line, endOffset: -1, input: undefined, error: new IdnodeError('INVALID_BODY', `CSV: ${error.message}`) });
  });
  let map = header === null ? null : headerMap(header);
  let pending: { handle: string; line: number; lastLine: number; endOffset: number; rows: string[][] } | null = null;
  let batch: SourceItem[] = [];
  const finish = (): void => {
    if (pending === null) return;
    const { handle, line, endOffset, rows } = pending;
    const m = map ?? {};
    try {
      const values = rows.length === 1 && isBare(rows[0] ?? [], m) ? [] : rows.map((row, i) => valueInput(row, m, `values[${i}]`));
      batch.push({ line, lastLine: pending.lastLine, endOffset, input: { handle, values } });
    } catch (error) {
      batch.push({ line, lastLine: pending.lastLine, endOffset, input: undefined, error: error as IdnodeError });
    }
    pending = null;
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number; lines: number } }>) {
    const endOffset = offset + info.bytes;
    const rowLine = lastLine + 1;
    lastLine = linesBefore + info.lines;
    if (skipped.length > 0) {
      // The broken row came after the pending record's rows: that record is complete, and ends before it.
      finish();
      batch.push(...skipped.splice(0));
    }
    if (map === null) {
      map = headerMap(record);
      onHeader(record);
      // The header row alone is a checkpoint of its own, so a resumed import never reads it as a record.
      batch.push({ line: rowLine, lastLine, endOffset, input: undefined, header: true });
      continue;
    }
    const handle = record[map.handle ?? 0] ?? '';
    if (pending !== null && pending.handle === handle) {
      pending.rows.push(record);
      pending.lastLine = lastLine;
      pending.endOffset = endOffset;
      continue;
    }
    finish();
    pending = { handle, line: rowLine, lastLine, endOffset, rows: [record] };
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  finish();
  batch.push(...skipped.splice(0));
  if (batch.length > 0) yield batch;
}

/** A CSV cell (RFC 4180): quoted when it holds a comma, a quote, a line break or leading or trailing space. */
function cell(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** The rows of one record in the column order of CSV_COLUMNS (a record without values: its handle alone). */
export function csvRows(handle: string, values: readonly ValueJson[]): string {
  if (values.length === 0) return `${cell(handle)},,,,,,,,\r\n`;
  let out = '';
  for (const value of values) {
    const string = value.data.format === 'string';
    out += [
      cell(handle),
      String(value.index),
      cell(value.type),
      string ? '' : value.data.format,
      cell(string ? String(value.data.value) : JSON.stringify(value.data.value)),
      String(value.ttl),
      value.permissions ?? '',
      value.timestamp ?? '',
      value.references === undefined ? '' : cell(JSON.stringify(value.references)),
    ].join(',');
    out += '\r\n';
  }
  return out;
}
