// Checking a challenge answer (reference §6): HS_PUBKEY signatures (RSA, DSA) and HS_SECKEY digests over nonce‖cnonce.

import { createHash, createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import { isSecretKeyType, isTypeOrSubtype, type HandleValue } from '../identifier/value.js';
import type { RecordLookup } from '../store/store.js';
import { keyFingerprint, parseIdentity, type Login } from './identity.js';
import { decodeSecretHash } from './secret-hash.js';

export interface ChallengeAnswer {
  readonly id: string;
  readonly type: string;
  readonly cnonce: string;
  readonly alg: string;
  readonly signature: string;
  readonly salt?: string | undefined;
  readonly iterations?: string | undefined;
  readonly length?: string | undefined;
}

function fail(message: string): IdnodeError {
  return new IdnodeError('AUTHENTICATION_FAILED', message);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** True for non-empty base64 (standard or URL-safe alphabet), the form of nonces, cnonces and signatures. */
export function isBase64(text: string): boolean {
  return text.length > 0 && BASE64.test(text);
}

function base64(text: string, field: string): Buffer {
  if (!isBase64(text)) throw fail(`${field} is not base64`);
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

/** `alg` compared as Handle.net does: without regard to case or punctuation (`PBKDF2_HMAC_SHA1` = `pbkdf2-hmac-sha1`). */
function algName(alg: string): string {
  return alg.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Digest names of `alg` for signatures; MD5 is accepted only for HS_SECKEY digests, as Handle.net does. */
function digestOf(alg: string): 'sha1' | 'sha256' | null {
  const name = algName(alg);
  if (name === 'SHA1') return 'sha1';
  if (name === 'SHA256' || name === 'SHA2') return 'sha256';
  return null;
}

// --- DSA: Node imports JWK only for RSA/EC/OKP, so the SubjectPublicKeyInfo is written out in DER here.
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derInteger(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start += 1;
  const trimmed = unsigned.subarray(start);
  return der(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

const DSA_OID = Buffer.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]);

/** A public key from the JWK stored in an HS_PUBKEY value (`{kty:"RSA",n,e}` or `{kty:"DSA",y,p,q,g}`). */
export function publicKeyOf(jwk: Readonly<Record<string, string>>): KeyObject {
  if (jwk.kty === 'RSA') return createPublicKey({ key: { kty: 'RSA', n: jwk.n ?? '', e: jwk.e ?? '' }, format: 'jwk' });
  const part = (name: string) => Buffer.from(jwk[name] ?? '', 'base64url');
  const params = der(0x30, derInteger(part('p')), derInteger(part('q')), derInteger(part('g')));
  const spki = der(0x30, der(0x30, DSA_OID, params), der(0x03, Buffer.from([0]), derInteger(part('y'))));
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

function checkPublicKey(value: HandleValue, alg: string, data: Buffer, signature: Buffer): boolean {
  const digest = digestOf(alg);
  if (digest === null || value.data.format !== 'key') return false;
  try {
    const key = publicKeyOf(value.data.value as Record<string, string>);
    // RSA: PKCS#1 v1.5 (the default padding); DSA: DER SEQUENCE{r,s}.
    return verify(digest, data, key.asymmetricKeyType === 'dsa' ? { key, dsaEncoding: 'der' } : key, signature);
  } catch {
    return false;
  }
}

/**
 * HS_SECKEY answers are checked against the stored PBKDF2-HMAC-SHA1 key K (the node never holds the secret):
 * `PBKDF2-HMAC-SHA1` with the stored salt and iterations → HMAC-SHA1(K, nonce‖cnonce); the digest forms use K as
 * the secret, e.g. `SHA1` → SHA1(K‖nonce‖cnonce‖K), as Handle's hashed secret keys do.
 */
function checkSecretKey(value: HandleValue, answer: ChallengeAnswer, data: Buffer, signature: Buffer): boolean {
  const stored = value.data.format === 'string' ? decodeSecretHash(String(value.data.value)) : null;
  if (stored === null) return false;
  const key = stored.key;
  const alg = algName(answer.alg);
  let expected: Buffer;
  if (alg === 'PBKDF2HMACSHA1') {
    const salt = answer.salt === undefined ? null : base64(answer.salt, 'salt');
    if (salt === null || !salt.equals(stored.salt) || Number(answer.iterations) !== stored.iterations) return false;
    if (answer.length !== undefined && Number(answer.length) !== key.length * 8) return false;
    expected = createHmac('sha1', key).update(data).digest();
  } else if (alg === 'HMACSHA1' || alg === 'HMACSHA256') {
    expected = createHmac(alg === 'HMACSHA1' ? 'sha1' : 'sha256', key).update(data).digest();
  } else {
    const digest = alg === 'MD5' ? 'md5' : digestOf(alg);
    if (digest === null) return false;
    expected = createHash(digest).update(key).update(data).update(key).digest();
  }
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

/**
 * Verifies that `answer` proves possession of the key of identity `answer.id` for the challenge `nonce`.
 * Returns the identity (index resolved) with the key it proved, or throws AUTHENTICATION_FAILED.
 */
export function verifyAnswer(answer: ChallengeAnswer, nonce: Buffer, lookup: RecordLookup, rule: CaseRule): Login {
  const identity = parseIdentity(answer.id, rule);
  const data = Buffer.concat([nonce, base64(answer.cnonce, 'cnonce')]);
  const signature = base64(answer.signature, 'signature');
  const type = answer.type.toUpperCase();
  if (type !== 'HS_PUBKEY' && type !== 'HS_SECKEY') throw fail('type must be HS_PUBKEY or HS_SECKEY');
  const values = (lookup(identity.handle.key) ?? []).filter((value) => identity.index === 0 || value.index === identity.index);
  for (const value of values) {
    const ok =
      type === 'HS_PUBKEY'
        ? isTypeOrSubtype(value.type, 'HS_PUBKEY') && checkPublicKey(value, answer.alg, data, signature)
        : isSecretKeyType(value.type) && checkSecretKey(value, answer, data, signature);
    if (ok) return { identity: { index: value.index, handle: identity.handle }, key: keyFingerprint(value) };
  }
  throw fail('the answer does not match a key of this identity');
}
