// Prefix-referral decisions by prefix key: which referral (if any) a prefix's derived prefixes get.

import { LRUCache } from 'lru-cache';
import type { PublicView } from '../identifier/value-json.js';

/**
 * Bounded by entries. It holds decisions derived from prefix records (`0.NA/…`), so its owner clears it whenever one
 * of those is written — rare, so clearing it all is simpler than knowing whose decision changed.
 */
export class ReferralCache {
  private readonly lru: LRUCache<string, { readonly referral: PublicView | null }>;

  constructor(maxEntries: number) {
    if (!(maxEntries > 0)) throw new RangeError('referral cache must be bounded');
    this.lru = new LRUCache({ max: maxEntries });
  }

  /** The decision for a prefix key: a referral's public view, null for "no referral", undefined when not known yet. */
  get(prefixKey: string): PublicView | null | undefined {
    return this.lru.get(prefixKey)?.referral;
  }

  set(prefixKey: string, referral: PublicView | null): void {
    this.lru.set(prefixKey, { referral });
  }

  clear(): void {
    this.lru.clear();
  }
}
