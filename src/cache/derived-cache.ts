// A bounded cache of what is derived from a record (the proxy's plans and pages), dropped with the record and checked against it.

import { LRUCache } from 'lru-cache';

export interface DerivedCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Variants kept per record (languages, spellings, host names of a page); the oldest goes first. */
  readonly maxVariants: number;
}

interface Variant<V> {
  readonly versions: readonly unknown[];
  readonly value: V;
  readonly sizeBytes: number;
}

/**
 * Values derived from the record of a canonical handle key, in variants (a page per language…). Two guards keep one
 * from outliving its record: the owner drops a record's entry whenever the store reports it written (invalidate), and
 * each variant remembers the versions it was made from — the record's public values JSON (compared by content), and
 * objects the sources promise to keep while unchanged (compared by identity) — so a read that raced a write, or a
 * source that changed without a write to this record, misses. Bounded by records and by the bytes the caller states.
 */
export class DerivedCache<V> {
  private readonly lru: LRUCache<string, Map<string, Variant<V>>>;
  private readonly maxVariants: number;

  constructor(options: DerivedCacheOptions) {
    if (!(options.maxEntries > 0) || !(options.maxBytes > 0) || !(options.maxVariants > 0)) throw new RangeError('derived cache must be bounded');
    this.maxVariants = options.maxVariants;
    this.lru = new LRUCache<string, Map<string, Variant<V>>>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (variants) => {
        let size = 64;
        for (const variant of variants.values()) size += variant.sizeBytes;
        return size;
      },
    });
  }

  /** The variant of `handleKey`'s record made from exactly these versions, or undefined. */
  get(handleKey: string, variant: string, versions: readonly unknown[]): V | undefined {
    const entry = this.lru.get(handleKey)?.get(variant);
    if (entry === undefined || entry.versions.length !== versions.length) return undefined;
    for (let i = 0; i < versions.length; i += 1) if (entry.versions[i] !== versions[i]) return undefined;
    return entry.value;
  }

  /** Stores a variant made from `versions`; `sizeBytes` counts towards maxBytes (a record too large is not kept). */
  set(handleKey: string, variant: string, versions: readonly unknown[], value: V, sizeBytes: number): void {
    const variants = new Map(this.lru.peek(handleKey));
    variants.delete(variant);
    while (variants.size >= this.maxVariants) variants.delete(variants.keys().next().value as string);
    variants.set(variant, { versions, value, sizeBytes: Math.max(1, Math.ceil(sizeBytes)) });
    this.lru.set(handleKey, variants);
  }

  /** Drops everything derived from these records. */
  invalidate(handleKeys: Iterable<string>): void {
    for (const key of handleKeys) this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}
