// The RegistryEngine over the SQLite Store: a thin adapter that changes nothing of how the store reads, writes or commits.

import { IdnodeError } from '../errors.js';
import { ChangeFeed, pollChanges } from './change-feed.js';
import { CommitListeners, type CommitListener, type RegistryEngine, type RegistryWrite } from './registry-engine.js';
import { openStore, type ListedHandle, type Store, type StoredRecord, type StoreOptions } from './store.js';
import type { PublicView } from '../identifier/value-json.js';

export interface SqliteRegistryOptions extends Omit<StoreOptions, 'onCommitted'> {
  /**
   * How often (ms) to look for other processes' commits to the same file (the change feed) when nothing else looks;
   * 0 = never. The serving node looks once per turn of the event loop instead (src/store/change-feed.ts).
   */
  readonly feedPollMs?: number;
}

/**
 * Reads answer from the Store's synchronous statements (the promise is already settled when returned); a batch of
 * writes is one closure of the store's group commit, so it commits with the group or, if any write throws, not at all.
 * The resolve fast path keeps calling the Store directly: this adapter is for the code that must run on both engines.
 */
export class SqliteRegistry implements RegistryEngine {
  readonly engine = 'sqlite';
  private readonly stopFeed: () => void;

  private constructor(
    /** The store under the adapter, for the SQLite-only code that still needs it (the fast path, the writer thread). */
    readonly store: Store,
    private readonly listeners: CommitListeners,
    feedPollMs: number,
  ) {
    const feed = new ChangeFeed(store, { keys: (keys) => listeners.emit(keys), all: () => listeners.emit(null) });
    this.stopFeed = pollChanges(feed, feedPollMs);
  }

  /** Opens (creating and migrating) the store at `path` with its commits reported to this registry's listeners. */
  static open(path: string, options: SqliteRegistryOptions): SqliteRegistry {
    const listeners = new CommitListeners();
    const store = openStore(path, { ...options, onCommitted: (keys) => listeners.emit(keys) });
    return new SqliteRegistry(store, listeners, options.feedPollMs ?? 0);
  }

  async getRecord(handleKey: string): Promise<StoredRecord | undefined> {
    return this.store.getRecord(handleKey);
  }

  async getPublicView(handleKey: string): Promise<PublicView | undefined> {
    return this.store.getPublicView(handleKey);
  }

  async listHandles(prefixKey: string, limit: number, offset: number): Promise<ListedHandle[]> {
    return this.store.listHandles(prefixKey, limit, offset);
  }

  async listHandlesAfter(prefixKey: string, afterKey: string, limit: number): Promise<ListedHandle[]> {
    return this.store.listHandlesAfter(prefixKey, afterKey, limit);
  }

  async countHandles(prefixKey: string): Promise<number> {
    return this.store.countHandles(prefixKey);
  }

  async homedPrefix(prefixKey: string): Promise<string | undefined> {
    return this.store.homedPrefix(prefixKey);
  }

  async listPrefixes(limit: number, offset: number): Promise<string[]> {
    return this.store.listPrefixes(limit, offset);
  }

  async countPrefixes(): Promise<number> {
    return this.store.countPrefixes();
  }

  commit(writes: readonly RegistryWrite[]): Promise<boolean[]> {
    return this.store.write(() => writes.map((write) => this.apply(write)));
  }

  onCommitted(listener: CommitListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.stopFeed();
    this.store.close();
  }

  private apply(write: RegistryWrite): boolean {
    const { store } = this;
    switch (write.kind) {
      case 'insert':
        store.insertRecord(write.handleKey, write.handle, write.prefixKey, write.values, write.nowSeconds);
        return true;
      case 'update':
        return store.updateRecord(write.handleKey, write.values, write.nowSeconds);
      case 'delete':
        return store.deleteRecord(write.handleKey, write.nowSeconds);
      case 'home': {
        const homed = store.homedPrefix(write.prefixKey) === undefined;
        store.homePrefix(write.prefixKey, write.prefix, write.nowSeconds);
        return homed;
      }
      case 'unhome':
        return store.unhomePrefix(write.prefixKey);
      default:
        throw new IdnodeError('INTERNAL', `unknown registry write ${(write as { kind: unknown }).kind as string}`);
    }
  }
}
