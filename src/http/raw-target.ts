// The request target as the client sent it: the handle is taken from the raw path and percent-decoded once, here.

import { IdnodeError } from '../errors.js';

export interface RawTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

/** Splits `req.url` into its raw path and parsed query (query values follow form rules: `+` is a space there). */
export function rawTarget(url: string): RawTarget {
  const mark = url.indexOf('?');
  return mark < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
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
