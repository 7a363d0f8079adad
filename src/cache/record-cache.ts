// A bounded cache of parsed records for authentication and authorization lookups (prefix records, identities).

import { LRUCache } from 'lru-cache';

/**
 * Holds parsed records by canonical key. The owner invalidates a key whenever the store writes it (inside the
 * transaction, so even a write that is later rolled back only costs a re-read) and never fills it while a
 * transaction is open, so it can only ever hold committed data.
 */
export class RecordCache<V extends object> {
  private readonly lru: LRUCache<string, { value: V | undefined }>;

  constructor(maxEntries: number) {
    if (!(maxEntries > 0)) throw new RangeError('record cache must be bounded');
    this.lru = new LRUCache({ max: maxEntries });
  }

  /** The cached value of `key`, or `load()`'s (also an absent record), remembered unless `fill` is false. */
  get(key: string, load: () => V | undefined, fill: boolean): V | undefined {
    const hit = this.lru.get(key);
    if (hit !== undefined) return hit.value;
    const value = load();
    if (fill) this.lru.set(key, { value });
    return value;
  }

  invalidate(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }
}
