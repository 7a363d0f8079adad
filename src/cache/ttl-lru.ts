// The LRU every TTL-bound cache of the node is built on: bounded by entries and bytes, read on the injected clock.

import { LRUCache } from 'lru-cache';

export interface TtlLruOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly nowMs: () => number;
}

/**
 * An LRU bounded by `maxEntries` and `maxBytes` (each entry's size given at `set`), whose TTLs are checked on every
 * read against `nowMs` (lru-cache's default keeps `now` until a 1 ms timer fires), never served stale, never purged by
 * a timer. `what` names the cache in the error a missing bound raises; `onEvict` hears each entry dropped for room.
 */
export function ttlLru<V extends object>(what: string, options: TtlLruOptions, onEvict?: () => void): LRUCache<string, V> {
  if (!(options.maxEntries > 0) || !(options.maxBytes > 0)) throw new RangeError(`${what} must be bounded by entries and bytes`);
  return new LRUCache<string, V>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    ttlAutopurge: false,
    ttlResolution: 0,
    allowStale: false,
    updateAgeOnGet: false,
    perf: { now: options.nowMs },
    ...(onEvict === undefined ? {} : { dispose: (_value: V, _key: string, reason: LRUCache.DisposeReason) => void (reason === 'evict' && onEvict()) }),
  });
}
