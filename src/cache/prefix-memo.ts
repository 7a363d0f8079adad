// Decisions remembered per prefix key (which referral a prefix's derived prefixes get, whether a prefix is homed here).

import { LRUCache } from 'lru-cache';

/**
 * Bounded by entries. It holds decisions derived from prefix records and homed prefixes, so its owner clears it
 * whenever one of those changes — rare, so clearing it all is simpler than knowing whose decision changed.
 */
export class PrefixMemo<T> {
  private readonly lru: LRUCache<string, { readonly value: T }>;

  constructor(maxEntries: number) {
    if (!(maxEntries > 0)) throw new RangeError('prefix memo must be bounded');
    this.lru = new LRUCache({ max: maxEntries });
  }

  /** The decision remembered for a prefix key, or undefined when there is none yet (null and false are decisions). */
  get(prefixKey: string): T | undefined {
    return this.lru.get(prefixKey)?.value;
  }

  set(prefixKey: string, value: T): void {
    this.lru.set(prefixKey, { value });
  }

  clear(): void {
    this.lru.clear();
  }
}
