// Wiring only: where the node's store is (the SQLite file, or PostgreSQL) as plain data a thread can be given, and
// opening it there.

import type { Config } from './config.js';
import { openBulkTables, type BulkOptions, type BulkTables } from './store/bulk-tables.js';
import { describeMembers, openPostgresBulkTables, openPostgresStore } from './store/postgres/postgres-store.js';
import { openStore, type Store, type StoreOptions } from './store/store.js';

export type StoreLocation =
  | { readonly engine: 'sqlite'; readonly path: string }
  | {
      readonly engine: 'postgres';
      readonly url: string;
      /** Apply schema/postgres/ migrations at open; once per process is enough (the writer thread does not). */
      readonly migrate: boolean;
      /** How long one statement may go unanswered before the member counts as lost (ms). */
      readonly queryTimeoutMs?: number;
      /** Read replicas for the registry's reads outside transactions (the event loop's; never the writer thread's). */
      readonly readUrls?: readonly string[];
    };

/** Where `config` puts the store; `replicas` for the connection that may read from IDNODE_PG_READ_URLS. */
export function storeLocation(config: Config, migrate = true, replicas = false): StoreLocation {
  if (config.store === 'postgres' && config.pgUrl !== null) return { engine: 'postgres', url: config.pgUrl, migrate, ...(replicas ? { readUrls: config.pgReadUrls } : {}) };
  return { engine: 'sqlite', path: config.dbPath };
}

/** How messages name the store: its file, or its PostgreSQL members without a password. */
export function describeLocation(location: StoreLocation): string {
  return location.engine === 'sqlite' ? location.path : `PostgreSQL ${describeMembers(location.url)}`;
}

/** Opens (and migrates) the store at `location`. Throws STORE_UNAVAILABLE. */
export function openStoreAt(location: StoreLocation, options: StoreOptions): Store {
  if (location.engine === 'sqlite') return openStore(location.path, options);
  return openPostgresStore(
    {
      url: location.url,
      migrate: location.migrate,
      ...(location.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: location.queryTimeoutMs }),
      ...(location.readUrls === undefined ? {} : { readUrls: location.readUrls }),
    },
    options,
  );
}

/** The bulk tables of import/export over the existing store at `location` (a second connection). Throws STORE_UNAVAILABLE. */
export function openBulkTablesAt(location: StoreLocation, options: BulkOptions): BulkTables {
  if (location.engine === 'sqlite') return openBulkTables(location.path, options);
  return openPostgresBulkTables({ url: location.url, ...(location.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: location.queryTimeoutMs }) });
}
