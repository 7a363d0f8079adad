// The bounded resolve cache: serialized public answers and short negative entries, invalidated by every write.

import type { LRUCache } from 'lru-cache';
import { ttlLru } from './ttl-lru.js';

export type CachedResolution =
  | {
      readonly kind: 'found';
      /** The JSON array of the record's publicly readable values, ready to splice into a response. */
      readonly publicValuesJson: string;
      /** The record also holds values without public read (anonymous `publicOnly=false` → 401). */
      readonly hasPrivate: boolean;
      /** When this answer stops being fresh (ms, the injected clock): no later than its smallest TTL. */
      readonly expiresAtMs: number;
      /** The resolution counter of the record's prefix (src/usage/resolution-tally.ts): a hit only increments it. */
      readonly usage: { count: number };
    }
  /**
   * Not stored: "not found" where the prefix lives here, else (issue 19) its own kind, "not homed". Either holds only
   * while no prefix was homed or unhomed since (`homingEpoch`), which can turn one into the other.
   */
  | { readonly kind: 'not-found' | 'not-homed'; readonly expiresAtMs: number; readonly homingEpoch: number };

export interface ResolveCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Clock in milliseconds; injected so tests control expiry. */
  readonly nowMs: () => number;
}

export interface ResolveCacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
}

// Per-entry overhead beyond the strings themselves (object, LRU slots, map entry), measured roughly with
// process.memoryUsage() over 100k entries; it keeps maxBytes honest for tiny records.
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * LRU bounded by entry count and bytes (both required). A fill is refused when any write was
 * invalidated after the reader took its token, so a read that raced a write never re-inserts the old record.
 */
export class ResolveCache {
  private readonly lru: LRUCache<string, CachedResolution>;
  private epoch = 0;
  private homing = 0;
  private evictions = 0;

  constructor(options: ResolveCacheOptions) {
    this.lru = ttlLru('resolve cache', options, () => void (this.evictions += 1));
  }

  /** The live entry for a canonical handle key, or undefined (absent, expired, or a negative entry older than a homing change). */
  get(handleKey: string): CachedResolution | undefined {
    const hit = this.lru.get(handleKey);
    return hit !== undefined && hit.kind !== 'found' && hit.homingEpoch !== this.homing ? undefined : hit;
  }

  /** The homing epoch to stamp on a negative entry; read it before reading the store. */
  get homingEpoch(): number {
    return this.homing;
  }

  /** A prefix was homed or unhomed (a prefix record changed): every negative entry is void. */
  invalidateHoming(): void {
    this.homing += 1;
  }

  /** A token to pass to fill(); take it before reading the store. */
  readToken(): number {
    return this.epoch;
  }

  /**
   * Inserts an entry that lives `ttlMs` (> 0) unless a write invalidated anything since `token` was taken.
   * Returns true when stored.
   */
  fill(handleKey: string, entry: CachedResolution, ttlMs: number, token: number): boolean {
    if (token !== this.epoch || !(ttlMs > 0)) return false;
    const size = ENTRY_OVERHEAD_BYTES + 2 * (handleKey.length + (entry.kind === 'found' ? entry.publicValuesJson.length : 0));
    this.lru.set(handleKey, entry, { ttl: Math.ceil(ttlMs), size });
    return this.lru.has(handleKey);
  }

  /** Drops the entries (positive or negative) of the given canonical keys and voids every outstanding token. */
  invalidate(handleKeys: Iterable<string>): void {
    this.epoch += 1;
    for (const key of handleKeys) this.lru.delete(key);
  }

  /** Drops everything (another process wrote to the store). */
  clear(): void {
    this.epoch += 1;
    this.lru.clear();
  }

  stats(): ResolveCacheStats {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, evictions: this.evictions };
  }
}
