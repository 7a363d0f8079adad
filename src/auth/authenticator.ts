// Checks a secret against the identity's HS_SECKEY values (stored hashed), remembering recent successes.

import type { CredentialCache } from '../cache/credential-cache.js';
import { IdnodeError } from '../errors.js';
import { isSecretKeyType, type HandleValue } from '../identifier/value.js';
import type { BasicCredentials, Identity } from './identity.js';
import { verifySecret } from './secret-hash.js';

export type RecordLookup = (handleKey: string) => readonly HandleValue[] | undefined;

export class Authenticator {
  constructor(
    private readonly lookup: RecordLookup,
    private readonly remembered: CredentialCache,
  ) {}

  /**
   * Returns the authenticated identity (index resolved when 0 was given) or throws AUTHENTICATION_FAILED.
   * Every failure looks the same to the caller: unknown handle, no key at that index, wrong secret.
   */
  async authenticate(credentials: BasicCredentials): Promise<Identity> {
    const { identity, secret } = credentials;
    const values = this.lookup(identity.handle.key) ?? [];
    const keys = values.filter(
      (value) => isSecretKeyType(value.type) && value.data.format === 'string' && (identity.index === 0 || value.index === identity.index),
    );
    for (const key of keys) {
      if (this.remembered.matches(key.index, identity.handle.key, secret)) return { index: key.index, handle: identity.handle };
    }
    for (const key of keys) {
      if (await verifySecret(secret, key.data.value as string)) {
        this.remembered.remember(key.index, identity.handle.key, secret);
        return { index: key.index, handle: identity.handle };
      }
    }
    throw new IdnodeError('AUTHENTICATION_FAILED');
  }
}
