// The handle registry as either engine offers it (SQLite, PostgreSQL): reads, batched write transactions and the keys
// each commit changed, every call promise-returning so the services need not know which engine runs.

import { PREFIX_NAMESPACE } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';
import type { PublicView } from '../identifier/value-json.js';
import type { ListedHandle, StoredRecord } from './store.js';

export type { ListedHandle, StoredRecord };

/** One write of a batch. Times are Unix seconds (the caller's clock; the engine never reads its own). */
export type RegistryWrite =
  | {
      readonly kind: 'insert';
      readonly handleKey: string;
      /** The registrant's spelling. */
      readonly handle: string;
      readonly prefixKey: string;
      readonly values: readonly HandleValue[];
      readonly nowSeconds: number;
    }
  | { readonly kind: 'update'; readonly handleKey: string; readonly values: readonly HandleValue[]; readonly nowSeconds: number }
  | { readonly kind: 'delete'; readonly handleKey: string; readonly nowSeconds: number }
  | { readonly kind: 'home'; readonly prefixKey: string; readonly prefix: string; readonly nowSeconds: number }
  | { readonly kind: 'unhome'; readonly prefixKey: string };

/**
 * Told, after COMMIT and before the write is acknowledged, the canonical handle keys a commit changed: a record
 * inserted, updated or deleted (its key, also when an update or delete found nothing), a prefix homed or unhomed (its
 * prefix record's key, `0.NA/<prefix key>`). `null` means "more than can be named, or unknown: drop everything" (a
 * bulk load, or a PostgreSQL listener that lost its connection and so may have missed commits).
 */
export type CommitListener = (handleKeys: readonly string[] | null) => void;

export interface RegistryEngine {
  readonly engine: 'sqlite' | 'postgres';

  /** The record of a canonical handle key, or undefined. Rejects STORE_* when the store cannot be read. */
  getRecord(handleKey: string): Promise<StoredRecord | undefined>;
  /** The anonymous view of a handle key (derived from the record), or undefined. Rejects STORE_*. */
  getPublicView(handleKey: string): Promise<PublicView | undefined>;
  /** One page of a prefix's handles in canonical-key order (byte order of the UTF-8 keys, on both engines). */
  listHandles(prefixKey: string, limit: number, offset: number): Promise<ListedHandle[]>;
  /** The handles after `afterKey` (a key under the prefix, or '') in canonical-key order: keyset paging. */
  listHandlesAfter(prefixKey: string, afterKey: string, limit: number): Promise<ListedHandle[]>;
  /** Number of handles under a prefix (a kept counter, never a scan). */
  countHandles(prefixKey: string): Promise<number>;
  /** The spelling of a homed prefix, or undefined when it is not homed here. */
  homedPrefix(prefixKey: string): Promise<string | undefined>;
  /** One page of the homed prefixes in canonical-key order (their spellings). */
  listPrefixes(limit: number, offset: number): Promise<string[]>;
  countPrefixes(): Promise<number>;

  /**
   * Runs the writes in order in one transaction and resolves only after it committed, with one result per write: true
   * when it changed something (insert always; update, delete, unhome false when there was nothing; home false when the
   * prefix was already homed). If any write fails the whole batch is rolled back — nothing of it is committed — and
   * the promise rejects with the catalog error (HANDLE_ALREADY_EXISTS for an insert of an existing key, INTERNAL for
   * an insert whose key is not under its prefix, STORE_* when the store fails). Created, updated and deleted records
   * are counted in the usage counters of the day of their `nowSeconds`, in the same transaction.
   */
  commit(writes: readonly RegistryWrite[]): Promise<boolean[]>;

  /**
   * Calls `listener` after every commit that changed records or homing — this instance's (before its `commit`
   * resolves) and every other process's over the same store. Returns a function that removes the listener.
   */
  onCommitted(listener: CommitListener): () => void;

  /** Waits for writes in flight and releases the connections. */
  close(): Promise<void>;
}

/** The listeners of one engine instance; a listener that throws does not keep the others from hearing. */
export class CommitListeners {
  private readonly listeners = new Set<CommitListener>();

  add(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener; an empty list of keys is not news and tells nobody. */
  emit(handleKeys: readonly string[] | null): void {
    if (handleKeys !== null && handleKeys.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(handleKeys);
      } catch {
        // The commit is done whatever a listener does: one that throws must neither fail an acknowledged write nor keep
        // the other listeners from dropping what they hold.
      }
    }
  }
}

/** The key that stands for a prefix's homing in invalidation: its prefix record's, as the SQLite store reports it. */
export function homingKey(prefixKey: string): string {
  return `${PREFIX_NAMESPACE}/${prefixKey}`;
}

/** A canonical handle key as the table's primary key: (prefix key, suffix key), split at the first `/`. */
export function splitHandleKey(handleKey: string): [string, string] {
  const slash = handleKey.indexOf('/');
  return [handleKey.slice(0, slash), handleKey.slice(slash + 1)];
}
