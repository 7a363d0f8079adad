// A bounded memo of another encoding of cached answers, keyed by the answer's JSON text itself (e.g. its Handle-protocol bytes).

import { LRUCache } from 'lru-cache';

export interface EncodingMemoOptions {
  readonly maxEntries: number;
  /** Bound on the encodings' bytes plus their keys' (two bytes a character: a key may outlive the answer it came from). */
  readonly maxBytes: number;
}

/**
 * The resolve cache hands out the same JSON string for as long as an answer is cached, and a new one when it changes:
 * keyed by that string, an entry can never be stale, and one whose answer changed is simply never asked for again and
 * ages out. Lookups by an identical string are cheap (V8 keeps a string's hash with it and compares identity first).
 */
export class EncodingMemo<V extends { readonly byteLength: number }> {
  private readonly lru: LRUCache<string, V>;

  constructor(options: EncodingMemoOptions) {
    if (!(options.maxEntries > 0 && options.maxBytes > 0)) throw new RangeError('encoding memo must be bounded');
    this.lru = new LRUCache<string, V>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => Math.max(1, value.byteLength + key.length * 2),
    });
  }

  /** The encoding of `json`, made by `encode` on a miss and remembered unless it alone exceeds the byte bound. */
  get(json: string, encode: (json: string) => V): V {
    const hit = this.lru.get(json);
    if (hit !== undefined) return hit;
    const value = encode(json);
    this.lru.set(json, value);
    return value;
  }

  get size(): number {
    return this.lru.size;
  }
}
