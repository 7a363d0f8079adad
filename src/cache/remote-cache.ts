// Answers learned from other nodes (recursive resolution): fresh for their TTL, then kept a bounded time to be served
// stale while their source cannot be reached (RFC 8767's serve-stale rules).

import type { LRUCache } from 'lru-cache';
import { ttlLru } from './ttl-lru.js';

export interface RemoteEntry<T> {
  readonly value: T;
  /** Until when (ms, the injected clock) it may be answered as it is. */
  readonly freshUntilMs: number;
}

export interface RemoteCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** How long past freshUntilMs an entry is kept for serving stale (0: dropped when it expires). */
  readonly staleMs: number;
  readonly nowMs: () => number;
}

const ENTRY_OVERHEAD_BYTES = 160;

/** Bounded by entries and bytes. Nothing here is invalidated by local writes: it holds other nodes' data. */
export class RemoteCache<T> {
  private readonly lru: LRUCache<string, RemoteEntry<T>>;

  constructor(
    private readonly options: RemoteCacheOptions,
    /** Approximate bytes of a value, for the byte bound. */
    private readonly sizeOf: (value: T) => number,
  ) {
    this.lru = ttlLru('remote cache', options);
  }

  /** The entry for `key` while it may still be served (fresh or stale), with whether it is fresh; else undefined. */
  get(key: string): { readonly value: T; readonly fresh: boolean; readonly freshUntilMs: number } | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) return undefined;
    return { value: entry.value, fresh: this.options.nowMs() < entry.freshUntilMs, freshUntilMs: entry.freshUntilMs };
  }

  /** Keeps `value` fresh for `ttlMs` (may be 0: then only for serving stale), then stale for the configured time. */
  set(key: string, value: T, ttlMs: number): void {
    const keepMs = Math.max(0, ttlMs) + this.options.staleMs;
    if (!(keepMs > 0)) {
      this.lru.delete(key);
      return;
    }
    const size = ENTRY_OVERHEAD_BYTES + 2 * key.length + this.sizeOf(value);
    this.lru.set(key, { value, freshUntilMs: this.options.nowMs() + Math.max(0, ttlMs) }, { ttl: Math.ceil(keepMs), size });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  get size(): number {
    return this.lru.size;
  }
}
