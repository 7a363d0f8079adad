// The `key` data of HS_PUBKEY values (reference §2.1): JSON Web Keys as Handle.net reads and writes them.

import { IdnodeError } from '../errors.js';

/** Key parts: base64url as Handle.net writes them, or standard base64 (with or without padding), which it reads too. */
const KEY_PART = /^[A-Za-z0-9+/_-]+={0,2}$/;

function invalid(field: string, message: string): IdnodeError {
  return new IdnodeError('INVALID_VALUE', `${field} ${message}`);
}

/** A JWK part as base64url without padding (the form Handle.net writes); standard base64 is re-encoded to it. */
function keyPart(input: unknown, field: string): string {
  if (typeof input !== 'string' || !KEY_PART.test(input)) throw invalid(field, 'must be base64url (or base64)');
  const bare = input.replace(/=+$/, '');
  // A single character left over cannot be a byte: decoders drop it silently.
  if (bare.length % 4 === 1) throw invalid(field, 'is not valid base64');
  return Buffer.from(bare.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url').toString('base64url');
}

/**
 * A JSON Web Key `{kty: "RSA", n, e}` or `{kty: "DSA", y, p, q, g}`; `kty` in any case, as Handle.net reads it
 * (GsonUtility line 720). Parts come back as base64url without padding. Throws INVALID_VALUE naming the field.
 */
export function parseKey(input: unknown, field: string): Record<string, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(field, 'must be a JSON Web Key');
  const jwk = input as Record<string, unknown>;
  const kty = typeof jwk.kty === 'string' ? jwk.kty.toUpperCase() : null;
  const members = kty === 'RSA' ? ['n', 'e'] : kty === 'DSA' ? ['y', 'p', 'q', 'g'] : null;
  if (kty === null || members === null) throw invalid(`${field}.kty`, 'must be "RSA" or "DSA"');
  const key: Record<string, string> = { kty };
  for (const name of members) key[name] = keyPart(jwk[name], `${field}.${name}`);
  return key;
}
