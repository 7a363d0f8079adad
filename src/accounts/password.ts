// Account passwords: what is stored (scrypt of the password's SHA-256) and the two SNMS login forms (snms-v5-api.md §3).

import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const BLOCK_SIZE = 8;
const ENCODED = /^scrypt:(\d{1,2}):(\d{1,2}):(\d{1,2}):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;
/** Bounds of the scrypt cost (log2 N) accepted in a stored hash and in IDNODE_PASSWORD_HASH_COST. */
export const MIN_COST = 10;
export const MAX_COST = 20;

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

function options(cost: number, blockSize: number, parallel: number): ScryptOptions {
  const N = 2 ** cost;
  // Node refuses scrypt over 32 MiB by default; allow what the parameters need (128·N·r bytes) and a little more.
  return { N, r: blockSize, p: parallel, maxmem: 256 * N * blockSize + 1024 * 1024 };
}

/** Lower-case hex SHA-256 of UTF-8 text: what SNMS clients send as `password` in /identity/registry and sysUser. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** True for 64 hexadecimal digits (a SHA-256 as SNMS bodies carry it); either case. */
export function isSha256Hex(text: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(text);
}

/**
 * The stored form of a password given as its SHA-256 hex: `scrypt:<log2 N>:<r>:<p>:<salt>:<key>`. The slow hash is
 * taken over the SHA-256 rather than the password because accounts made through the API arrive as that hash only.
 */
export async function hashPassword(passwordSha256: string, cost: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(passwordSha256.toLowerCase(), salt, options(cost, BLOCK_SIZE, 1));
  return `scrypt:${cost}:${BLOCK_SIZE}:1:${salt.toString('base64')}:${key.toString('base64')}`;
}

/** True when the SHA-256 hex of a password matches the stored form; constant-time comparison, on the thread pool. */
export async function verifyPassword(passwordSha256: string, stored: string): Promise<boolean> {
  const match = ENCODED.exec(stored);
  if (match === null) return false;
  const [cost, blockSize, parallel] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (cost < MIN_COST || cost > MAX_COST || blockSize < 1 || blockSize > 16 || parallel !== 1) return false;
  const expected = Buffer.from(match[5] ?? '', 'base64');
  const key = await scryptAsync(passwordSha256.toLowerCase(), Buffer.from(match[4] ?? '', 'base64'), options(cost, blockSize, parallel));
  return expected.length === KEY_BYTES && timingSafeEqual(key, expected);
}

/** A stored form that never matches, checked when a username is unknown so that answering takes as long either way. */
export async function decoyHash(cost: number): Promise<string> {
  return hashPassword(sha256Hex(randomBytes(16).toString('hex')), cost);
}

const DAY_MS = 86_400_000;
/** China Standard Time, UTC+8 all year (no daylight saving): "today" of the cipher login and of daily quotas. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The date `yyyy-MM-dd` in Asia/Shanghai at `nowMs`, moved by `days`. */
export function shanghaiDate(nowMs: number, days = 0): string {
  return new Date(nowMs + SHANGHAI_OFFSET_MS + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The value a `/identity/token/v1` client sends (§3.2): hex(sha256(hex(sha256(password)) + "yyyy-MM-dd")). True when
 * `sent` is that value for the Asia/Shanghai date of yesterday, today or tomorrow (clients use their own clocks).
 */
export function matchesCipher(sent: string, passwordSha256: string, nowMs: number): boolean {
  if (!isSha256Hex(sent)) return false;
  const given = Buffer.from(sent.toLowerCase(), 'hex');
  let matched = false;
  for (const days of [-1, 0, 1]) {
    const expected = Buffer.from(sha256Hex(passwordSha256.toLowerCase() + shanghaiDate(nowMs, days)), 'hex');
    // Every candidate is compared, so the time taken does not tell which date matched.
    if (timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}
