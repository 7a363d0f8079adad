// A bounded memory of recently verified secrets, keyed by identity and holding only an HMAC of the secret.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface CredentialCacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly nowMs: () => number;
}

/**
 * Lets the slow secret hash run once per identity per `ttlMs` instead of on every request. The key of the
 * HMAC is random per process, so the cache never holds anything that could be checked offline.
 */
export class CredentialCache {
  private readonly lru: LRUCache<string, Map<number, Buffer>> | null;
  private readonly hmacKey = randomBytes(32);

  constructor(options: CredentialCacheOptions) {
    if (!(options.maxEntries > 0)) throw new RangeError('credential cache must be bounded by entries');
    this.lru =
      options.ttlMs > 0
        ? new LRUCache<string, Map<number, Buffer>>({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.nowMs } })
        : null;
  }

  // Bound to the stored hash: once the key is replaced, what was remembered for the old one can never match.
  private mac(index: number, handleKey: string, stored: string, secret: string): Buffer {
    return createHmac('sha256', this.hmacKey).update(`${index}:${handleKey}\0${stored}\0`).update(secret).digest();
  }

  /**
   * True when this exact secret was verified, within the TTL, against the key value `stored` (the HS_SECKEY data as
   * it is now) of identity `index:handleKey`. Constant-time compare.
   */
  matches(index: number, handleKey: string, stored: string, secret: string): boolean {
    const known = this.lru?.get(handleKey)?.get(index);
    return known !== undefined && timingSafeEqual(known, this.mac(index, handleKey, stored, secret));
  }

  /** Remembers that `secret` verified against the key value `stored`; a login that raced a rotation binds to the old one. */
  remember(index: number, handleKey: string, stored: string, secret: string): void {
    if (this.lru === null) return;
    const macs = this.lru.get(handleKey) ?? new Map<number, Buffer>();
    macs.set(index, this.mac(index, handleKey, stored, secret));
    this.lru.set(handleKey, macs);
  }

  /** Forgets the identities of a handle whose record changed: a rotated or removed key stops working at once. */
  forgetHandle(handleKey: string): void {
    this.lru?.delete(handleKey);
  }

  clear(): void {
    this.lru?.clear();
  }
}
