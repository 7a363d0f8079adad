// Opens the node's Store on PostgreSQL (IDNODE_STORE=postgres): the blocking connection to the cluster's writable
// member, migrated, with each write transaction's changed keys told to every other process by NOTIFY before COMMIT.

import { randomBytes } from 'node:crypto';
import type { ChangeRecorder } from '../change-log.js';
import { Store, type StoreOptions } from '../store.js';
import { commitPayloads, COMMITS_CHANNEL } from './commit-notices.js';
import { PgConnection } from './pg-connection.js';
import { APPLICATION_NAME } from './pool.js';
import { SyncClient } from './sync-client.js';
import type { BridgeOptions } from './sync-protocol.js';

export interface PostgresStoreOptions extends BridgeOptions {
  /** Apply schema/postgres/ migrations at open (under their advisory lock). */
  readonly migrate: boolean;
}

/** How a store names itself in messages: the members' hosts, never a password. */
export function describeMembers(url: string | readonly string[]): string {
  const urls = typeof url === 'string' ? [url] : url;
  return urls.map((one) => one.replace(/\/\/[^@/]*@/, '//')).join(' ');
}

/**
 * Connects to the writable member (primary-locator.ts), refuses one that does not commit durably, migrates, and
 * returns the Store over it. Blocks the calling thread while it does (startup only). Throws STORE_UNAVAILABLE.
 */
export function openPostgresStore(options: PostgresStoreOptions, storeOptions: StoreOptions): Store {
  const client = new SyncClient(options);
  try {
    const opened = client.call({ op: 'open', migrate: options.migrate }, 10 * 60_000);
    const sql = new PgConnection(client, opened.identities ?? {});
    const notify = sql.prepare<[string, string]>('SELECT pg_notify(?, ?)');
    const writer = storeOptions.changeWriter ?? randomBytes(9).toString('base64url');
    const changes: ChangeRecorder = {
      writer,
      append(handleKeys) {
        if (handleKeys !== null && handleKeys.length === 0) return;
        const payloads = handleKeys === null ? [`{"writer":${JSON.stringify(writer)},"keys":null}`] : commitPayloads(writer, handleKeys);
        for (const payload of payloads) notify.run(COMMITS_CHANNEL, payload);
      },
    };
    const size = sql.prepare<[], number>('SELECT pg_database_size(current_database())').pluck();
    const others = sql
      .prepare<[string], number>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'idnode %' AND application_name <> ?")
      .pluck();
    return new Store({ engine: 'postgres', sql, changes, sizeBytes: () => size.get() ?? 0, otherConnections: () => others.get(APPLICATION_NAME) ?? 0 }, describeMembers(options.url), storeOptions);
  } catch (error) {
    client.close();
    throw error;
  }
}
