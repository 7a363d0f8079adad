// The `ttl` of a value (reference §2): relative seconds as a JSON number, or an absolute expiry as an ISO-8601 string.

import { IdnodeError } from '../errors.js';

export const DEFAULT_TTL_SECONDS = 86_400;
const MAX_TTL_SECONDS = 2_147_483_647;
/** An absolute TTL: ISO-8601 extended form; the time, its seconds and the zone may be left out (then UTC, as Handle.net reads it). */
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/;
// The output form of an absolute TTL has a 4-digit year: a later expiry (9999-12-31T23:59-01:00) could not be read back.
const LATEST_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function invalid(field: string, message: string): IdnodeError {
  return new IdnodeError('INVALID_VALUE', `${field} ${message}`);
}

/**
 * `ttlType` 0 with relative seconds for a JSON integer (absent: DEFAULT_TTL_SECONDS), `ttlType` 1 with the expiry in
 * Unix seconds for an ISO-8601 string. Throws INVALID_VALUE naming `field`.
 */
export function parseTtl(input: unknown, field: string): { ttlType: 0 | 1; ttl: number } {
  if (input === undefined) return { ttlType: 0, ttl: DEFAULT_TTL_SECONDS };
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0 || input > MAX_TTL_SECONDS) throw invalid(field, `must be an integer from 0 to ${MAX_TTL_SECONDS}`);
    return { ttlType: 0, ttl: input };
  }
  // A string is an absolute time (GsonUtility lines 283-292). Handle.net's date reader takes digits alone as a year,
  // so a relative TTL sent as a string ("86400") would expire in the year 86400, wrapped to 32 bits: say so instead.
  if (typeof input === 'string' && /^\s*[+-]?\d+\s*$/.test(input)) {
    throw invalid(field, 'is a string, which means an absolute ISO-8601 time; send a relative ttl as a JSON number');
  }
  const match = typeof input === 'string' ? ISO_8601.exec(input) : null;
  if (match !== null) {
    const [, date = '', time = '00:00', zone = 'Z'] = match;
    const ms = Date.parse(`${date}T${time}${zone}`);
    // Date.parse rolls 2030-02-30 over to March; a real calendar date survives the round trip.
    const [year, month, day] = date.split('-').map(Number);
    const calendar = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
    // …and JavaScript reads T24:00 as the next midnight; a clock time has hours 00–23.
    const clock = Number(time.slice(0, 2)) <= 23;
    const real = clock && calendar.getUTCFullYear() === year && calendar.getUTCMonth() + 1 === month && calendar.getUTCDate() === day;
    if (real && Number.isFinite(ms) && ms >= 0 && ms <= LATEST_EXPIRY_MS) return { ttlType: 1, ttl: Math.floor(ms / 1000) };
  }
  throw invalid(field, 'must be seconds (a JSON integer) or an ISO-8601 time');
}
