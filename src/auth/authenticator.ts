// Checks a secret against the identity's HS_SECKEY values (stored hashed), remembering recent successes.

import { randomBytes } from 'node:crypto';
import type { CredentialCache } from '../cache/credential-cache.js';
import { IdnodeError } from '../errors.js';
import { isSecretKeyType, type HandleValue } from '../identifier/value.js';
import { keyFingerprint, type BasicCredentials, type Identity, type Login } from './identity.js';
import { hashSecret, verifySecret } from './secret-hash.js';
import type { RecordLookup } from '../store/store.js';

export class Authenticator {
  /** A hash of nothing, verified when an identity has no key, so unknown identities fail as slowly as wrong secrets. */
  private readonly decoy: Promise<string>;

  constructor(
    private readonly lookup: RecordLookup,
    private readonly remembered: CredentialCache,
    secretHashIterations: number,
  ) {
    this.decoy = hashSecret(randomBytes(16).toString('hex'), secretHashIterations);
  }

  /**
   * Returns the authenticated identity (index resolved when 0 was given) with the key it proved, or throws
   * AUTHENTICATION_FAILED.
   * Every failure looks the same to the caller: unknown handle, no key at that index, wrong secret — also in time.
   * A key replaced while its check ran does not count.
   */
  async authenticate(credentials: BasicCredentials): Promise<Login> {
    const { identity, secret } = credentials;
    const keys = this.keysOf(identity);
    for (const key of keys) {
      if (this.remembered.matches(key.index, identity.handle.key, key.data.value as string, secret)) return this.login(identity, key);
    }
    if (keys.length === 0) await verifySecret(secret, await this.decoy);
    for (const key of keys) {
      const stored = key.data.value as string;
      if (!(await verifySecret(secret, stored))) continue;
      const still = this.keysOf(identity).some((current) => current.index === key.index && current.data.value === stored);
      if (!still) break;
      this.remembered.remember(key.index, identity.handle.key, stored, secret);
      return this.login(identity, key);
    }
    throw new IdnodeError('AUTHENTICATION_FAILED');
  }

  private login(identity: Identity, key: HandleValue): Login {
    return { identity: { index: key.index, handle: identity.handle }, key: keyFingerprint(key) };
  }

  private keysOf(identity: Identity): HandleValue[] {
    return (this.lookup(identity.handle.key) ?? []).filter(
      (value) => isSecretKeyType(value.type) && value.data.format === 'string' && (identity.index === 0 || value.index === identity.index),
    );
  }
}
