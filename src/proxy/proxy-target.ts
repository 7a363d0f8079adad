// What a resolver-proxy request asks for: the handle in its path (any of the accepted forms) and its parameters.

import { IdnodeError } from '../errors.js';

/** Most query parameters one proxy request may carry (as on the API: every real request needs a handful). */
const MAX_PARAMETERS = 64;

/** Query parameters by name, values in the order sent. */
export type ProxyParams = ReadonlyMap<string, readonly string[]>;

export interface ProxyTarget {
  /** The handle, percent-decoded once, with the path form (`hdl/`, `hdl:`, `info:hdl/`, `urn:hdl:`) removed. */
  readonly handle: string;
  readonly params: ProxyParams;
  /** The query as sent (without `?`), kept on an alias's redirect. */
  readonly query: string;
}

const NO_PARAMS: ProxyParams = new Map();

/** Percent-decoding that never fails: a malformed escape stays as written (HDLServletRequest decodes leniently too). */
function lenientDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
      const code = parseInt(escape.slice(1), 16);
      return code < 0x80 ? String.fromCharCode(code) : escape;
    });
  }
}

/**
 * Parameters as the Handle.net proxy reads them (HDLServletRequest.parseGetParams): split on `&` and `;`, each name and
 * value percent-decoded with `+` kept as `+`, a name without `=` has the empty value. Throws BAD_REQUEST past
 * MAX_PARAMETERS.
 */
function parseParams(query: string, fragment: string | null): ProxyParams {
  if (query.length === 0 && fragment === null) return NO_PARAMS;
  const params = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const values = params.get(name);
    if (values === undefined) params.set(name, [value]);
    else values.push(value);
  };
  // A `#fragment` that reached the server is appended to the redirect (reference §7.1), before any urlappend sent.
  if (fragment !== null) add('urlappend', lenientDecode(fragment));
  let count = 0;
  for (const token of query.split(/[&;]/)) {
    if (token.length === 0) continue;
    count += 1;
    if (count > MAX_PARAMETERS) throw new IdnodeError('BAD_REQUEST', `more than ${MAX_PARAMETERS} query parameters`);
    const equals = token.indexOf('=');
    if (equals < 0) add(lenientDecode(token), '');
    else add(lenientDecode(token.slice(0, equals)), lenientDecode(token.slice(equals + 1)));
  }
  return params;
}

const FORMS = /^(?:hdl\/|hdl:|info:hdl\/)/i;
const URN = /^urn:hdl:/i;

/**
 * The target of a request routed to the proxy (see PROXY_PATH in routes.ts): `/{prefix}/{suffix}`, `/hdl/{handle}`,
 * `/hdl:{handle}`, `/info:hdl/{handle}` or `/urn:hdl:{prefix}:{suffix}` (the first `:` after the scheme is the `/`,
 * reference §7.1). The path is percent-decoded once (`+` stays `+`); its bytes must be UTF-8. Throws INVALID_HANDLE,
 * BAD_REQUEST.
 */
export function parseProxyTarget(url: string): ProxyTarget {
  const hash = url.indexOf('#');
  const fragment = hash < 0 ? null : url.slice(hash);
  const target = hash < 0 ? url : url.slice(0, hash);
  const mark = target.indexOf('?');
  const rawPath = mark < 0 ? target : target.slice(0, mark);
  const query = mark < 0 ? '' : target.slice(mark + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath.slice(1));
  } catch {
    throw new IdnodeError('INVALID_HANDLE', 'handle has invalid percent-encoding or is not valid UTF-8');
  }
  let handle = path;
  const form = FORMS.exec(path);
  if (form !== null) handle = path.slice(form[0].length);
  else if (URN.test(path)) {
    handle = path.slice('urn:hdl:'.length);
    const colon = handle.indexOf(':');
    const slash = handle.indexOf('/');
    if (colon >= 0 && (slash < 0 || slash > colon)) handle = `${handle.slice(0, colon)}/${handle.slice(colon + 1)}`;
  }
  return { handle, params: parseParams(query, fragment), query };
}

/** The first value of a parameter, or null. */
export function paramOf(params: ProxyParams, name: string): string | null {
  return params.get(name)?.[0] ?? null;
}

/** `/{handle}` as a proxy path: each segment percent-encoded; `/hdl/{handle}` when the prefix does not start with a digit (only those paths route here). */
export function proxyPathOf(handle: string): string {
  const path = handle.split('/').map(encodeURIComponent).join('/');
  return /^[0-9]/.test(handle) ? `/${path}` : `/hdl/${path}`;
}
