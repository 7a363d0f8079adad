// The request target as the client sent it: the handle is taken from the raw path and percent-decoded once, here.

import { IdnodeError } from '../errors.js';

export interface RawTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The origin form of a request target (RFC 9112 §3.2.2: a server accepts the absolute form, `http://host/path?q`,
 * as well): the path and query with scheme and authority removed. Other targets (`*`) are returned unchanged.
 */
export function originForm(url: string): string {
  const authority = ABSOLUTE_FORM.exec(url);
  if (authority === null) return url;
  const rest = url.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** Most query parameters one request may carry (every real request needs a handful). */
export const MAX_QUERY_PARAMETERS = 64;

/**
 * Splits `req.url` into its raw path and parsed query (query values follow form rules: `+` is a space there).
 * Throws BAD_REQUEST for more than MAX_QUERY_PARAMETERS parameters.
 */
export function rawTarget(url: string): RawTarget {
  const mark = url.indexOf('?');
  if (mark < 0) return { path: url, query: new URLSearchParams() };
  const query = url.slice(mark + 1);
  let count = 1;
  for (let i = query.indexOf('&'); i >= 0; i = query.indexOf('&', i + 1)) count += 1;
  if (count > MAX_QUERY_PARAMETERS) throw new IdnodeError('BAD_REQUEST', `more than ${MAX_QUERY_PARAMETERS} query parameters`);
  return { path: url.slice(0, mark), query: new URLSearchParams(query) };
}

/**
 * The text after `routePrefix` in a raw path, percent-decoded exactly once (`+` stays `+`), with one leading `/`
 * removed (reference §1 "Path handling"). Percent-encoded bytes must be UTF-8. Throws INVALID_HANDLE.
 */
export function decodePathTail(rawPath: string, routePrefix: string): string {
  // Node's HTTP parser refuses raw bytes above 0x7F in the request target, so the tail is ASCII here.
  const tail = rawPath.slice(routePrefix.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(tail);
  } catch {
    throw new IdnodeError('INVALID_HANDLE', 'handle has invalid percent-encoding or is not valid UTF-8');
  }
  return decoded.startsWith('/') ? decoded.slice(1) : decoded;
}
