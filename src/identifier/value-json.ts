// The JSON output form of values (reference §2) and each record's anonymous view, derived from the stored record.

import { DEFAULT_PERMISSIONS, isPubliclyReadable, type HandleReference, type HandleValue } from './value.js';

/** The JSON form of a value in responses (reference §2). */
export interface ValueJson {
  index: number;
  type: string;
  data: { format: string; value: unknown };
  permissions?: string;
  ttl: number | string;
  timestamp?: string;
  references?: HandleReference[];
}

// The values of a write share one timestamp, so the last conversion is remembered (a batch of 2,000 records with five
// values each would otherwise format the same second 10,000 times).
let lastSeconds = Number.NaN;
let lastIso = '';

function isoSeconds(seconds: number): string {
  if (seconds !== lastSeconds) {
    lastIso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSeconds = seconds;
  }
  return lastIso;
}

/** The JSON output form (reference §2): permissions left out when `1110`, timestamp when 0, references when empty. */
export function valueToJson(value: HandleValue): ValueJson {
  const ttl = value.ttlType === 1 ? isoSeconds(value.ttl) : value.ttl;
  const data = { format: value.data.format, value: value.data.value };
  const json: ValueJson =
    value.permissions === DEFAULT_PERMISSIONS
      ? { index: value.index, type: value.type, data, ttl }
      : { index: value.index, type: value.type, data, permissions: value.permissions, ttl };
  if (value.timestamp !== 0) json.timestamp = isoSeconds(value.timestamp);
  if (value.references.length > 0) json.references = [...value.references];
  return json;
}

/** What anonymous callers may see of a record: derived from the stored record on a cache miss, then kept in the resolve cache. */
export interface PublicView {
  /** JSON array of the publicly readable values in output form. */
  readonly valuesJson: string;
  /** The record also holds values without public read. */
  readonly hasPrivate: boolean;
  /** Smallest relative TTL (seconds) among the public values, or null when none has one. */
  readonly minTtlSeconds: number | null;
  /** Earliest absolute expiry (Unix seconds) among the public values, or null when none has one. */
  readonly earliestExpirySeconds: number | null;
}

export function publicView(values: readonly HandleValue[]): PublicView {
  const visible = values.filter(isPubliclyReadable);
  let minTtlSeconds: number | null = null;
  let earliestExpirySeconds: number | null = null;
  for (const value of visible) {
    if (value.ttlType === 1) earliestExpirySeconds = Math.min(earliestExpirySeconds ?? value.ttl, value.ttl);
    else minTtlSeconds = Math.min(minTtlSeconds ?? value.ttl, value.ttl);
  }
  return { valuesJson: JSON.stringify(visible.map(valueToJson)), hasPrivate: visible.length !== values.length, minTtlSeconds, earliestExpirySeconds };
}

/** Unix millisecond until which a public view may be cached when read at `nowMs`, at most `capMs` ahead. */
export function publicViewExpiryMs(view: PublicView, nowMs: number, capMs: number): number {
  let untilMs = nowMs + capMs;
  if (view.minTtlSeconds !== null) untilMs = Math.min(untilMs, Math.floor(nowMs / 1000) * 1000 + view.minTtlSeconds * 1000);
  if (view.earliestExpirySeconds !== null) untilMs = Math.min(untilMs, view.earliestExpirySeconds * 1000);
  return untilMs;
}

function secondsOf(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** The value model of a value in output form (the inverse of valueToJson), e.g. to encode a cached answer in another form. */
export function valueFromJson(json: ValueJson): HandleValue {
  const absolute = typeof json.ttl === 'string';
  return {
    index: json.index,
    type: json.type,
    data: json.data as HandleValue['data'],
    ttlType: absolute ? 1 : 0,
    ttl: absolute ? secondsOf(json.ttl as string) : (json.ttl as number),
    timestamp: json.timestamp === undefined ? 0 : secondsOf(json.timestamp),
    permissions: json.permissions ?? DEFAULT_PERMISSIONS,
    references: json.references ?? [],
  };
}
