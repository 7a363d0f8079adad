// The request target as the client sent it: the handle is taken from the raw path and percent-decoded once, here.

import { IdnodeError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
 * removed (reference §1 "Path handling"). Raw non-ASCII bytes must be UTF-8. Throws INVALID_HANDLE.
 */
export function decodePathTail(rawPath: string, routePrefix: string): string {
  let tail = rawPath.slice(routePrefix.length);
  // Node hands raw bytes above 0x7F to us as latin1 characters; turn them back into the UTF-8 the client sent.
  if (/[\u0080-\u00ff]/.test(tail)) {
    try {
      tail = utf8.decode(Buffer.from(tail, 'latin1'));
    } catch {
      throw new IdnodeError('INVALID_HANDLE', 'handle is not valid UTF-8');
    }
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(tail);
  } catch {
    throw new IdnodeError('INVALID_HANDLE', 'handle has invalid percent-encoding or is not valid UTF-8');
  }
  return decoded.startsWith('/') ? decoded.slice(1) : decoded;
}
