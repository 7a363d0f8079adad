// Query-parameter rules of the Handle REST API (reference §3.1, §3.2, §3.5).

import { IdnodeError } from '../errors.js';
import { javaInteger } from '../identifier/json-scalars.js';

/** Bare `?x`, `x=`, `x=true` and `x=yes` mean true; anything else false; absent → undefined. */
export function flag(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const lower = value.toLowerCase();
  return lower === '' || lower === 'true' || lower === 'yes';
}

/**
 * `overwrite` and `mintNewSuffix`: `true` or `false` in any case; absent → `fallback`. Handle.net reads them with Java
 * `Boolean.parseBoolean`, so every other spelling is false there — also `1`, `yes` and a bare `?overwrite`, which mean
 * true for every other flag of this API. Rather than do the opposite of what the client meant, idnode answers 400
 * (issue 17 item 9). Throws BAD_REQUEST.
 */
export function strictFlag(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new IdnodeError('BAD_REQUEST', `${name} must be true or false, not "${value.slice(0, 32)}"`);
}

/** A note for a value that held a `+`, which a query turns into a space (`page=+0` is " 0", as on Handle.net). */
function plusHint(value: string): string {
  return value.includes(' ') ? ' (a + in a query string is a space: send %2B for a plus sign)' : '';
}

/** Every `index` parameter as an integer (a negative one matches nothing); `various` allowed only when `allowVarious`. Throws BAD_REQUEST. */
export function indexes(query: URLSearchParams, allowVarious: boolean): number[] | 'various' | null {
  const all = query.getAll('index');
  if (all.length === 0) return null;
  if (all.some((value) => value.toLowerCase() === 'various')) {
    if (!allowVarious || all.length > 1) throw new IdnodeError('BAD_REQUEST', 'index=various is not valid here');
    return 'various';
  }
  return all.map((value) => {
    const index = javaInteger(value);
    if (index === null) throw new IdnodeError('BAD_REQUEST', `index "${value}" is not a 32-bit integer${plusHint(value)}`);
    return index;
  });
}

/** An optional integer parameter (`page`, `pageSize`) read as Java `Integer.parseInt` reads it. Throws BAD_REQUEST. */
export function optionalInteger(query: URLSearchParams, name: string): number | null {
  const value = query.get(name);
  if (value === null) return null;
  const number = javaInteger(value);
  if (number === null) throw new IdnodeError('BAD_REQUEST', `${name} "${value}" is not a 32-bit integer${plusHint(value)}`);
  return number;
}
