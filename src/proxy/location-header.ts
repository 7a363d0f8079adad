// A redirect target as a Location header can carry it: an IRI turned into an ASCII URI (reference §7.2 step 4).

import { domainToASCII } from 'node:url';

/** Schemes the proxy never redirects to: they run code or read local data in the browser rather than go somewhere. */
const REFUSED_SCHEMES = new Set(['javascript', 'vbscript', 'data', 'blob', 'file', 'about', 'filesystem']);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** True for an absolute URL the proxy may redirect to (a scheme, and not one of REFUSED_SCHEMES). */
export function isRedirectable(url: string): boolean {
  const scheme = SCHEME.exec(url.trim())?.[1];
  return scheme !== undefined && !REFUSED_SCHEMES.has(scheme.toLowerCase());
}

// Everything but unreserved and reserved characters (RFC 3986) and `%`, which starts an escape already made.
const NOT_URI = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})/gu;
const HOST = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)((?:[^/?#@]*@)?)([^/?#:]*)/;

/**
 * `location` as an ASCII URI: an http, https or ftp host with non-ASCII letters in punycode (IDNA), every other
 * character outside RFC 3986's sets percent-encoded as UTF-8 (`%` starting an escape is kept), so neither a space nor
 * a line break can reach the header.
 */
export function encodeIriToUri(location: string): string {
  let text = location.trim();
  const host = HOST.exec(text);
  if (host !== null && /^(?:https?|ftp):\/\/$/i.test(host[1] ?? '') && /[^\x00-\x7f]/.test(host[3] ?? '')) {
    const ascii = domainToASCII(host[3] ?? '');
    if (ascii.length > 0) text = `${host[1]}${host[2]}${ascii}${text.slice(host[0].length)}`;
  }
  return text.replace(NOT_URI, (c) => encodeURIComponent(c));
}
