// The key that seals each account's password SHA-256 (for the cipher login), kept in a file outside the store.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { IdnodeError } from '../errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const SEALED = /^aes-256-gcm:([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

/**
 * Seals short secrets with AES-256-GCM. `context` (the account's username key) is authenticated with each one, so a
 * sealed value moved to another account's row does not open.
 */
export class SealKey {
  private constructor(private readonly key: Buffer) {}

  /** A key for a store that lives only in memory (tests, `:memory:`). */
  static ephemeral(): SealKey {
    return new SealKey(randomBytes(KEY_BYTES));
  }

  /**
   * Reads the key from `path`, creating it (mode 0600) when the file does not exist. Throws STORE_UNAVAILABLE when
   * the file cannot be read or created or does not hold a key.
   */
  static fromFile(path: string): SealKey {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new IdnodeError('STORE_UNAVAILABLE', `cannot create the seal key ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
    let key: Buffer;
    try {
      key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    } catch (error) {
      throw new IdnodeError('STORE_UNAVAILABLE', `cannot read the seal key ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (key.length !== KEY_BYTES) throw new IdnodeError('STORE_UNAVAILABLE', `${path} does not hold a ${KEY_BYTES}-byte base64 key`);
    return new SealKey(key);
  }

  seal(text: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `aes-256-gcm:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${sealed.toString('base64')}`;
  }

  /** The sealed text, or null when it was sealed with another key (a store restored without its key file) or altered. */
  open(sealed: string, context: string): string | null {
    const match = SEALED.exec(sealed);
    if (match === null) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(match[1] ?? '', 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(match[2] ?? '', 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(match[3] ?? '', 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

/** Where a store's seal key lives: IDNODE_SEAL_KEY_PATH, else beside the SQLite file; null for a `:memory:` store. */
export function sealKeyPath(dbPath: string, configured: string | null): string | null {
  if (configured !== null) return configured;
  return dbPath === ':memory:' ? null : `${dbPath}.seal-key`;
}

/** The seal key of a store (see sealKeyPath), read or created; an ephemeral one for a `:memory:` store. */
export function sealKeyFor(dbPath: string, configured: string | null): SealKey {
  const path = sealKeyPath(dbPath, configured);
  return path === null ? SealKey.ephemeral() : SealKey.fromFile(path);
}
