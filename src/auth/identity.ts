// An identity `index:handle` (reference §6) and the Basic credentials that name one.

import { IdnodeError } from '../errors.js';
import { parseHandle, type CaseRule, type Handle } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';

export interface Identity {
  /** The index of the key value; 0 = "any index" until authentication resolves it. */
  readonly index: number;
  readonly handle: Handle;
}

export interface BasicCredentials {
  readonly identity: Identity;
  readonly secret: string;
}

/** `300:0.NA/88.118` → Identity. Text without a numeric index before the first `:` means index 0. Throws AUTHENTICATION_FAILED. */
export function parseIdentity(text: string, rule: CaseRule): Identity {
  const colon = text.indexOf(':');
  const head = colon < 0 ? '' : text.slice(0, colon);
  const numbered = /^\d{1,10}$/.test(head);
  const index = numbered ? Number(head) : 0;
  const handleText = numbered ? text.slice(colon + 1) : text;
  if (index > 2_147_483_647) throw new IdnodeError('AUTHENTICATION_FAILED', 'identity index out of range');
  try {
    return { index, handle: parseHandle(handleText, rule) };
  } catch {
    throw new IdnodeError('AUTHENTICATION_FAILED', 'identity is not a valid handle');
  }
}

/**
 * What a login proved: the key value it was checked against, as text. A session keeps it and ends as soon as the
 * identity's value at that index is no longer the same key (rotated, removed, or its record deleted).
 */
export function keyFingerprint(value: HandleValue): string {
  return `${value.type.toUpperCase()}\n${JSON.stringify(value.data)}`;
}

/** An identity with the fingerprint of the key it proved. */
export interface Login {
  readonly identity: Identity;
  readonly key: string;
}

export function identityText(identity: Identity): string {
  return `${identity.index}:${identity.handle.display}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses `Authorization: Basic …` as reference §6 says: split at the first raw `:`, percent-decode the identity
 * (`+` stays `+`). Returns null for other schemes; throws AUTHENTICATION_FAILED for malformed Basic credentials.
 */
export function parseBasicAuthorization(header: string, rule: CaseRule): BasicCredentials | null {
  // Standard or URL-safe base64: Handle.net decodes both (commons-codec Base64.decodeBase64).
  const match = /^Basic\s+([A-Za-z0-9+/_-]+={0,2})\s*$/i.exec(header);
  if (match === null) {
    if (/^Basic\b/i.test(header)) throw new IdnodeError('AUTHENTICATION_FAILED', 'malformed Basic credentials');
    return null;
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(match[1] ?? '', 'base64'));
  } catch {
    throw new IdnodeError('AUTHENTICATION_FAILED', 'Basic credentials are not UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new IdnodeError('AUTHENTICATION_FAILED', 'Basic credentials need identity:secret');
  let identityPart: string;
  try {
    identityPart = decodeURIComponent(decoded.slice(0, colon));
  } catch {
    throw new IdnodeError('AUTHENTICATION_FAILED', 'identity is not valid percent-encoding');
  }
  return { identity: parseIdentity(identityPart, rule), secret: decoded.slice(colon + 1) };
}
