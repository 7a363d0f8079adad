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
const PARAM = /\s*([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/y;
const MAX_HEADER_CHARS = 8192;

/** Parses the parameters after `Handle`; null when the header is another scheme. Throws AUTHENTICATION_FAILED. */
export function parseHandleAuthorization(header: string): HandleAuthorization | null {
  const match = /^Handle\s+/i.exec(header);
  if (match === null) return /^Handle$/i.test(header.trim()) ? {} : null;
  if (header.length > MAX_HEADER_CHARS) throw new IdnodeError('AUTHENTICATION_FAILED', 'Authorization header too long');
  const text = header.slice(match[0].length);
  const params: Record<string, string> = {};
  PARAM.lastIndex = 0;
  while (PARAM.lastIndex < text.length) {
    const start = PARAM.lastIndex;
    const found = PARAM.exec(text);
    if (found === null || PARAM.lastIndex === start) throw new IdnodeError('AUTHENTICATION_FAILED', 'malformed Handle authorization');
    const key = (found[1] ?? '').toLowerCase();
    if (!KNOWN.has(key)) continue;
    const value = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : (found[3] ?? '');
    params[CANONICAL[key] ?? key] = value;
  }
  if (params.id !== undefined) {
    try {
      params.id = decodeURIComponent(params.id);
    } catch {
      throw new IdnodeError('AUTHENTICATION_FAILED', 'id is not valid percent-encoding');
    }
  }
  if (params.version !== undefined && params.version !== '0') throw new IdnodeError('AUTHENTICATION_FAILED', 'version must be "0"');
  return params;
}
