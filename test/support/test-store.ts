// The store of a test's node, opened in the test's own process to set it up or look into it: the SQLite file, or on
// the PostgreSQL pass the database that stands for that file (on-postgres.ts).

import { openStoreAt } from '../../src/store-location.js';
import type { Store, StoreOptions } from '../../src/store/store.js';
import { postgresEnv } from './on-postgres.js';

export function openTestStore(path: string, options: StoreOptions): Store {
  const url = postgresEnv(path).IDNODE_PG_URL;
  return openStoreAt(url === undefined ? { engine: 'sqlite', path } : { engine: 'postgres', url, migrate: true }, options);
}
