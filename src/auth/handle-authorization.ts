// The `Authorization: Handle …` header (reference §6): `key="value"` pairs, keys case-insensitive, `id` percent-decoded.

import { IdnodeError } from '../errors.js';

export interface HandleAuthorization {
  readonly sessionId?: string;
  readonly id?: string;
  readonly type?: string;
  readonly cnonce?: string;
  readonly alg?: string;
  readonly signature?: string;
  readonly salt?: string;
  readonly iterations?: string;
  readonly length?: string;
  readonly version?: string;
  readonly clientCert?: string;
}

const KNOWN = new Set(['sessionid', 'id', 'type', 'cnonce', 'alg', 'signature', 'salt', 'iterations', 'length', 'version', 'clientcert']);
const CANONICAL: Readonly<Record<string, keyof HandleAuthorization>> = { sessionid: 'sessionId', clientcert: 'clientCert' };
/** One `key=value` or `key="value"` parameter; keys are tokens (RFC 9110, as Handle.net's pattern), an unquoted value has no quote, comma or space. */
const PARAM = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]*))\s*(?:,|$)/y;
/** Empty list items (`a="1",,b="2"`, a trailing comma) are allowed, as in HTTP's list syntax. */
const EMPTY_ITEM = /\s*,/y;
const MAX_HEADER_CHARS = 8192;

function malformed(message = 'malformed Handle authorization'): IdnodeError {
  return new IdnodeError('AUTHENTICATION_FAILED', message);
}

/**
 * Parses the parameters after `Handle`; null when the header is another scheme. Unknown keys are ignored; a known
 * key given twice, an unclosed quote or anything that is not a parameter is refused (Handle.net keeps the last of
 * two, and skips text it cannot read: docs/handle-compatibility.md). `version` is checked where an answer is
 * (credentials.answerIn), as Handle.net checks it. Throws AUTHENTICATION_FAILED.
 */
export function parseHandleAuthorization(header: string): HandleAuthorization | null {
  const match = /^Handle\s+/i.exec(header);
  if (match === null) return /^Handle$/i.test(header.trim()) ? {} : null;
  if (header.length > MAX_HEADER_CHARS) throw malformed('Authorization header too long');
  const text = header.slice(match[0].length);
  const params: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    EMPTY_ITEM.lastIndex = at;
    if (EMPTY_ITEM.test(text)) {
      at = EMPTY_ITEM.lastIndex;
      continue;
    }
    if (text.slice(at).trim() === '') break;
    PARAM.lastIndex = at;
    const found = PARAM.exec(text);
    if (found === null || PARAM.lastIndex === at) throw malformed();
    at = PARAM.lastIndex;
    const key = (found[1] ?? '').toLowerCase();
    if (!KNOWN.has(key)) continue;
    const name = CANONICAL[key] ?? key;
    if (params[name] !== undefined) throw malformed(`${name} is given twice`);
    params[name] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : (found[3] ?? '');
  }
  if (params.id !== undefined) {
    try {
      params.id = decodeURIComponent(params.id);
    } catch {
      throw malformed('id is not valid percent-encoding');
    }
  }
  return params;
}
