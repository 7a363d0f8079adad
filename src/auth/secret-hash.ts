// HS_SECKEY storage form: the PBKDF2-HMAC-SHA1 derived key with its salt and iteration count, never the secret.

import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

// 160-bit derived key and PBKDF2-HMAC-SHA1: the same parameters Handle's `PBKDF2-HMAC-SHA1` challenge form uses
// (reference §6), so one stored form serves Basic logins now and challenge–response later.
const KEY_BYTES = 20;
const SALT_BYTES = 16;
/** Highest iteration count accepted in a stored hash (also the highest IDNODE_SECRET_HASH_ITERATIONS). */
export const MAX_ITERATIONS = 1_000_000;
const ENCODED = /^pbkdf2-hmac-sha1:(\d{1,9}):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

export interface SecretHash {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** True when `text` is already a stored secret hash (so a record read back and written again keeps it). */
export function isSecretHash(text: string): boolean {
  return decodeSecretHash(text) !== null;
}

export function decodeSecretHash(text: string): SecretHash | null {
  const match = ENCODED.exec(text);
  if (match === null) return null;
  const iterations = Number(match[1]);
  const salt = Buffer.from(match[2] ?? '', 'base64');
  const key = Buffer.from(match[3] ?? '', 'base64');
  // The cap keeps a stored hash from pinning a thread-pool thread for minutes per login.
  if (iterations < 1 || iterations > MAX_ITERATIONS || salt.length < 8 || key.length !== KEY_BYTES) return null;
  return { iterations, salt, key };
}

/** Hashes a secret (UTF-8 text) into the stored form `pbkdf2-hmac-sha1:<iterations>:<salt b64>:<key b64>`. */
export async function hashSecret(secret: string, iterations: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await pbkdf2Async(secret, salt, iterations, KEY_BYTES, 'sha1');
  return `pbkdf2-hmac-sha1:${iterations}:${salt.toString('base64')}:${key.toString('base64')}`;
}

/** True when `secret` matches the stored form; compares in constant time. Runs on the libuv thread pool. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const decoded = decodeSecretHash(stored);
  if (decoded === null) return false;
  const key = await pbkdf2Async(secret, decoded.salt, decoded.iterations, KEY_BYTES, 'sha1');
  return timingSafeEqual(key, decoded.key);
}
