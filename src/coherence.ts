// Wiring only: how a node hears what other processes over its store committed — SQLite's change log, checked before
// each answer from memory, or PostgreSQL's NOTIFY, heard as it comes.

import type { Config } from './config.js';
import type { Logger } from './log/logger.js';
import { ChangeFeed, pollChanges, type ChangeHandlers } from './store/change-feed.js';
import { PostgresRegistry } from './store/postgres/postgres-registry.js';
import type { Store } from './store/store.js';

export interface Coherence {
  /**
   * Before any answer from memory. SQLite: one look at data_version. PostgreSQL: the notices come by themselves; while
   * the LISTEN connection is away nothing remembered is trusted (`unreadable`).
   */
  check(): void;
  /**
   * After a write committed, before it is acknowledged: resolves once every other process has dropped what it replaced.
   * SQLite: at once (their check() reads the change log before they answer). PostgreSQL: PostgresRegistry.settle.
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts hearing other processes' commits over `store`. On SQLite a feed reads the change log whenever data_version
 * moved (checked per request and every `pollMs`); on PostgreSQL one LISTEN connection hears every commit's keys
 * (commit-notices.ts), skipping the notices of this node's own writer, whose commits it was told of already. After a
 * lost LISTEN connection everything is dropped. Rejects STORE_UNAVAILABLE when PostgreSQL cannot be reached.
 */
export async function hearOtherProcesses(store: Store, config: Config, handlers: ChangeHandlers, options: { readonly nowMs: () => number; readonly pollMs: number; readonly logger: Logger; readonly unreadable: () => void; readonly onLatePeers?: () => void }): Promise<Coherence> {
  if (store.engine === 'postgres' && config.pgUrl !== null) {
    const registry = await PostgresRegistry.open({
      url: config.pgUrl,
      writer: store.changes.writer,
      poolSize: 1,
      onLatePeers: (ids) => {
        options.onLatePeers?.();
        options.logger.warn({ peers: ids }, 'a write was acknowledged without the answer of other idnode processes over the database (they may answer from memory until they hear it)');
      },
    });
    const off = registry.onCommitted((keys) => (keys === null ? handlers.all() : handlers.keys(keys)));
    return {
      check() {
        if (!registry.listening) options.unreadable();
      },
      settle: () => registry.settle(),
      async stop() {
        off();
        await registry.close();
      },
    };
  }
  const feed = new ChangeFeed(store, handlers, options.nowMs);
  const stopPolling = pollChanges(feed, options.pollMs);
  return {
    check() {
      try {
        feed.check();
      } catch (error) {
        // When the log cannot be read, nothing remembered is trusted (the store answers, or 503s).
        options.unreadable();
        options.logger.warn({ err: error }, 'could not read the change log');
      }
    },
    settle: () => Promise.resolve(),
    stop() {
      stopPolling();
      return Promise.resolve();
    },
  };
}
