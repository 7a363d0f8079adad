// The one stored form of a record's values (issue 13): compact JSON, positional, with every default left out.
//
// A record is `[T, value, value, …]`, T the most common value timestamp. A value is `[index, type, data]` or
// `[index, type, data, options]`:
// - data: a JSON string for format `string`; otherwise `[code, …]`: `["b", base64]`, `["a", handle, index,
//   permissions]`, `["v", [[handle, index], …]]`, `["s", site]`, `["k", key]`;
// - options, only what differs from the defaults: `t` relative ttl (default 86400), `x` absolute expiry (ttlType 1),
//   `p` permissions (default "1110"), `s` timestamp (default T), `r` references `[[handle, index], …]`.
// Measured on the bench data set (docs/performance.md): 248 bytes per identifier after VACUUM, against 295 for
// Handle's binary value encoding (Encoder.encodeHandleValue, which also cannot hold an expiry past 2038) and 786 for the
// verbose JSON it replaces (1,740 with the precomputed public copy). JSON.parse decodes it natively.

import { IdnodeError } from '../errors.js';
import { DEFAULT_PERMISSIONS, DEFAULT_TTL_SECONDS, type HandleReference, type HandleValue, type ValueData } from './value.js';

type CompactReference = [string, number];
type CompactData =
  | string
  | ['b', string]
  | ['a', string, number, string]
  | ['v', CompactReference[]]
  | ['s', Readonly<Record<string, unknown>>]
  | ['k', Readonly<Record<string, string>>];
interface CompactOptions {
  t?: number;
  x?: number;
  p?: string;
  s?: number;
  r?: CompactReference[];
}
type CompactValue = [number, string, CompactData] | [number, string, CompactData, CompactOptions];

function compactReferences(references: readonly HandleReference[]): CompactReference[] {
  return references.map((reference) => [reference.handle, reference.index]);
}

function fullReferences(references: readonly CompactReference[]): HandleReference[] {
  return references.map(([handle, index]) => ({ handle, index }));
}

function compactData(data: ValueData): CompactData {
  switch (data.format) {
    case 'string':
      return data.value;
    case 'base64':
      return ['b', data.value];
    case 'admin':
      return ['a', data.value.handle, data.value.index, data.value.permissions];
    case 'vlist':
      return ['v', compactReferences(data.value)];
    case 'site':
      return ['s', data.value];
    case 'key':
      return ['k', data.value];
  }
}

function fullData(data: CompactData): ValueData {
  if (typeof data === 'string') return { format: 'string', value: data };
  switch (data[0]) {
    case 'b':
      return { format: 'base64', value: data[1] };
    case 'a':
      return { format: 'admin', value: { handle: data[1], index: data[2], permissions: data[3] } };
    case 'v':
      return { format: 'vlist', value: fullReferences(data[1]) };
    case 's':
      return { format: 'site', value: data[1] };
    case 'k':
      return { format: 'key', value: data[1] };
    default:
      throw new IdnodeError('INTERNAL', `stored record has an unknown data code ${JSON.stringify(data[0])}`);
  }
}

/** The timestamp most values carry (the first such one on a tie), or 0 for no values. */
function commonTimestamp(values: readonly HandleValue[]): number {
  const first = values[0];
  if (first === undefined) return 0;
  if (values.every((value) => value.timestamp === first.timestamp)) return first.timestamp;
  const counts = new Map<number, number>();
  let best = first.timestamp;
  for (const value of values) {
    const count = (counts.get(value.timestamp) ?? 0) + 1;
    counts.set(value.timestamp, count);
    if (count > (counts.get(best) ?? 0)) best = value.timestamp;
  }
  return best;
}

/** The stored form of a record's values (see the top of this file). decodeRecord(encodeRecord(v)) deep-equals v. */
export function encodeRecord(values: readonly HandleValue[]): string {
  const timestamp = commonTimestamp(values);
  const out: (number | CompactValue)[] = [timestamp];
  for (const value of values) {
    const options: CompactOptions = {};
    let any = false;
    if (value.ttlType === 1) {
      options.x = value.ttl;
      any = true;
    } else if (value.ttl !== DEFAULT_TTL_SECONDS) {
      options.t = value.ttl;
      any = true;
    }
    if (value.permissions !== DEFAULT_PERMISSIONS) {
      options.p = value.permissions;
      any = true;
    }
    if (value.timestamp !== timestamp) {
      options.s = value.timestamp;
      any = true;
    }
    if (value.references.length > 0) {
      options.r = compactReferences(value.references);
      any = true;
    }
    const data = compactData(value.data);
    out.push(any ? [value.index, value.type, data, options] : [value.index, value.type, data]);
  }
  return JSON.stringify(out);
}

/** The values of a stored record. Throws INTERNAL when the text is not a record this module wrote. */
export function decodeRecord(text: string): HandleValue[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'number') throw new IdnodeError('INTERNAL', 'stored record is not in the compact form');
  const timestamp = parsed[0];
  const values: HandleValue[] = [];
  for (let i = 1; i < parsed.length; i += 1) {
    const [index, type, data, options] = parsed[i] as [number, string, CompactData, CompactOptions | undefined];
    values.push({
      index,
      type,
      data: fullData(data),
      ttlType: options?.x === undefined ? 0 : 1,
      ttl: options?.x ?? options?.t ?? DEFAULT_TTL_SECONDS,
      timestamp: options?.s ?? timestamp,
      permissions: options?.p ?? DEFAULT_PERMISSIONS,
      references: options?.r === undefined ? [] : fullReferences(options.r),
    });
  }
  return values;
}
