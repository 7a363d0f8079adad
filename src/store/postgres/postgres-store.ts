// Opens the node's Store on PostgreSQL (IDNODE_STORE=postgres), and the bulk tables of import/export: the blocking
// connection to the cluster's writable member, with each write transaction's changed keys told to every other process
// by NOTIFY before COMMIT.

import { randomBytes } from 'node:crypto';
import { BulkTables, type BulkRecord } from '../bulk-tables.js';
import type { ChangeRecorder } from '../change-log.js';
import { UNANSWERED_MARK } from '../sql-connection.js';
import { Store, type StoreOptions } from '../store.js';
import { commitPayloads, COMMITS_CHANNEL } from './commit-notices.js';
import { PgConnection } from './pg-connection.js';
import { APPLICATION_NAME } from './pool.js';
import { redact } from './primary-locator.js';
import { SyncClient } from './sync-client.js';
import type { BridgeOptions } from './sync-protocol.js';

export interface PostgresStoreOptions extends BridgeOptions {
  /** Apply schema/postgres/ migrations at open (under their advisory lock); false: refuse a database without them. */
  readonly migrate: boolean;
}

/** How a store names itself in messages: the members' URLs, never a password (primary-locator.ts redact). */
export function describeMembers(url: string | readonly string[]): string {
  return (typeof url === 'string' ? [url] : url).map(redact).join(' ');
}

/** Rows per INSERT of a bulk batch (one round trip each). */
const ROWS_PER_INSERT = 1000;

/** The blocking connection, migrated (or checked), and what tells other processes a transaction's keys. */
function connect(options: PostgresStoreOptions, writer: string): { sql: PgConnection; changes: ChangeRecorder } {
  const client = new SyncClient(options);
  try {
    const opened = client.call({ op: 'open', migrate: options.migrate }, 10 * 60_000);
    const sql = new PgConnection(client, opened.identities ?? {});
    const notify = sql.prepare<[string, string]>(`${UNANSWERED_MARK}SELECT pg_notify(?, ?)`);
    const changes: ChangeRecorder = {
      writer,
      append(handleKeys) {
        if (handleKeys !== null && handleKeys.length === 0) return;
        const payloads = handleKeys === null ? [`{"writer":${JSON.stringify(writer)},"keys":null}`] : commitPayloads(writer, handleKeys);
        for (const payload of payloads) notify.run(COMMITS_CHANNEL, payload);
      },
    };
    return { sql, changes };
  } catch (error) {
    client.close();
    throw error;
  }
}

/**
 * Connects to the writable member (primary-locator.ts), refuses one that does not commit durably, migrates, and
 * returns the Store over it. Blocks the calling thread while it does (startup only). Throws STORE_UNAVAILABLE.
 */
export function openPostgresStore(options: PostgresStoreOptions, storeOptions: StoreOptions): Store {
  const { sql, changes } = connect(options, storeOptions.changeWriter ?? randomBytes(9).toString('base64url'));
  try {
    const size = sql.prepare<[], number>('SELECT pg_database_size(current_database())').pluck();
    const others = sql
      .prepare<[string], number>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'idnode %' AND application_name <> ?")
      .pluck();
    return new Store({ engine: 'postgres', sql, changes, sizeBytes: () => size.get() ?? 0, otherConnections: () => others.get(APPLICATION_NAME) ?? 0, noteCommits: () => sql.noteCommits(), replicaCounts: () => sql.replicaCounts() }, describeMembers(options.url), storeOptions);
  } catch (error) {
    sql.close();
    throw error;
  }
}

/**
 * The bulk tables of `idnode import` / `export` on PostgreSQL: batches insert ROWS_PER_INSERT rows per statement
 * (`INSERT … SELECT … FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING` the keys inserted), an export reads one
 * REPEATABLE READ snapshot in keyset pages. The database must be migrated already (the node's first start).
 */
export function openPostgresBulkTables(options: Omit<PostgresStoreOptions, 'migrate'>): BulkTables {
  const { sql, changes } = connect({ ...options, migrate: false }, randomBytes(9).toString('base64url'));
  const insert = sql.prepare<[number, number, string[], string[], (string | null)[], string[]], { prefix_key: string; suffix_key: string }>(
    `INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at)
     SELECT p, s, sp, r, CAST(? AS BIGINT), CAST(? AS BIGINT) FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])) AS t(p, s, sp, r)
     ON CONFLICT DO NOTHING RETURNING prefix_key, suffix_key`,
  );
  const insertRows = (records: readonly BulkRecord[], nowSeconds: number): boolean[] => {
    const inserted: boolean[] = [];
    for (let at = 0; at < records.length; at += ROWS_PER_INSERT) {
      const chunk = records.slice(at, at + ROWS_PER_INSERT);
      const rows = insert.all(
        nowSeconds,
        nowSeconds,
        chunk.map((r) => r.prefixKey),
        chunk.map((r) => r.suffixKey),
        chunk.map((r) => r.spelling),
        chunk.map((r) => r.record),
      );
      const fresh = new Set(rows.map((row) => `${row.prefix_key}/${row.suffix_key}`));
      // A key twice in one batch is inserted once: the first of them.
      for (const record of chunk) inserted.push(fresh.delete(`${record.prefixKey}/${record.suffixKey}`));
    }
    return inserted;
  };
  return new BulkTables({ engine: 'postgres', sql, changes, insertRows });
}
