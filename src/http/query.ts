// Query-parameter rules of the Handle REST API (reference §3.1, §3.2, §3.5).

import { IdnodeError } from '../errors.js';

/** Bare `?x`, `x=`, `x=true` and `x=yes` mean true; anything else false; absent → undefined. */
export function flag(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const lower = value.toLowerCase();
  return lower === '' || lower === 'true' || lower === 'yes';
}

/** Java `Boolean.parseBoolean`: only `true` (any case) is true (`overwrite`, `mintNewSuffix`); absent → `fallback`. */
export function strictFlag(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  return value === null ? fallback : value.toLowerCase() === 'true';
}

/** Java `Integer.parseInt`, as Handle.net reads numeric parameters: an optional sign, decimal digits, 32-bit range. */
function javaInt(value: string): number | null {
  if (!/^[+-]?\d{1,64}$/.test(value)) return null;
  const number = Number(value);
  // (`+ 0` turns -0 into 0.)
  return number >= -2_147_483_648 && number <= 2_147_483_647 ? number + 0 : null;
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
    const index = javaInt(value);
    if (index === null) throw new IdnodeError('BAD_REQUEST', `index "${value}" is not a 32-bit integer`);
    return index;
  });
}

/** An optional integer parameter (`page`, `pageSize`); may be negative. Throws BAD_REQUEST. */
export function optionalInteger(query: URLSearchParams, name: string): number | null {
  const value = query.get(name);
  if (value === null) return null;
  const number = javaInt(value);
  if (number === null) throw new IdnodeError('BAD_REQUEST', `${name} "${value}" is not a 32-bit integer`);
  return number;
}
