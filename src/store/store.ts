// The SQLite store: opening with the required pragmas, migrations, and every statement idnode runs (prepared once).

import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { IdnodeError } from '../errors.js';
import type { HandleValue } from '../identifier/value.js';
import { PREFIX_NAMESPACE } from '../identifier/handle.js';
import { decodeRecord, encodeRecord } from '../identifier/record-encoding.js';
import { publicView, type PublicView } from '../identifier/value-json.js';
import { ChangeLog, type ChangeRecorder } from './change-log.js';
import { applyMigrations } from './migrations.js';
import { createPrivateFile, makePrivateFolders, refuseExposedStore } from './private-files.js';
import { asSqlConnection, type SqlConnection, type Statement } from './sql-connection.js';
import { translateSqliteError } from './sqlite-errors.js';
import { HierarchyTables } from './hierarchy-tables.js';
import { OutboxTables } from './outbox-tables.js';
import { UsageTables } from './usage-tables.js';
import { WriteQueue, type StreamPart, type WriteOp } from './write-queue.js';

export interface StoreOptions {
  readonly busyTimeoutMs: number;
  /** Open a store that group or others may read (IDNODE_STORE_ALLOW_READABLE); refused otherwise. */
  readonly allowReadable?: boolean;
  /** Cap on the database size in bytes (PRAGMA max_page_count); 0 or absent = none. */
  readonly maxBytes?: number;
  /** Called synchronously, inside the transaction, whenever a record is inserted, updated or deleted. */
  readonly onRecordWritten?: (handleKey: string) => void;
  /**
   * Called synchronously after every commit that changed records (group commits and writeNow alike), with the
   * handle keys it changed, before any write of it is acknowledged. The store records the keys itself, so no caller
   * can forget one.
   */
  readonly onCommitted?: (handleKeys: readonly string[]) => void;
  /** Tests only: runs just before each group COMMIT (see WriterThreadData.commitGate). */
  readonly beforeCommit?: () => void;
  /**
   * The name this connection's transactions carry in the change log (default: its own). The writer thread takes its
   * node's, so the node's change feed does not read back what the thread's commit messages already reported.
   */
  readonly changeWriter?: string;
}

/**
 * Reads a record's values by canonical handle key (undefined when there is none): how the services and the
 * authorization code see the store, usually through a cache of parsed records.
 */
export type RecordLookup = (handleKey: string) => readonly HandleValue[] | undefined;

export interface StoredRecord {
  /** The registrant's spelling. */
  readonly handle: string;
  readonly values: HandleValue[];
}

export interface ListedHandle {
  readonly key: string;
  readonly handle: string;
}

interface RecordRow {
  spelling: string | null;
  record: string;
}

interface KeyRow {
  suffix_key: string;
  spelling: string | null;
}

/** A canonical handle key as the table's primary key: (prefix key, suffix key), split at the first `/`. */
function splitKey(handleKey: string): [string, string] {
  const slash = handleKey.indexOf('/');
  return [handleKey.slice(0, slash), handleKey.slice(slash + 1)];
}

/** A listed row of prefix `prefixKey`: its key and the registrant's spelling (stored only when it differs). */
function listed(prefixKey: string, row: KeyRow): ListedHandle {
  const key = `${prefixKey}/${row.suffix_key}`;
  return { key, handle: row.spelling ?? key };
}

/** Opens (creating the folder 0700 and the file 0600 if needed) and migrates a store. Throws STORE_UNAVAILABLE when it cannot. */
export function openStore(path: string, options: StoreOptions): Store {
  let db: Db | undefined;
  let created = false;
  try {
    if (path !== ':memory:') {
      makePrivateFolders(dirname(path));
      if (existsSync(path)) {
        // SQLite opens a file this process may not write read-only and creates -wal and -shm beside it (owned by this
        // user, so they can lock out the file's owner) before the first write fails: refuse before it touches anything.
        accessSync(path, constants.R_OK | constants.W_OK);
        refuseExposedStore(path, options.allowReadable === true);
      } else {
        createPrivateFile(path);
        created = true;
      }
    }
    db = new Database(path);
    return new Store({ engine: 'sqlite', db }, path, options);
  } catch (error) {
    db?.close();
    // A store this call created and could not open is removed, so a failed first start leaves nothing behind.
    if (created) for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    if (error instanceof IdnodeError) throw error;
    throw new IdnodeError('STORE_UNAVAILABLE', `cannot open store ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The connection a Store runs on: a better-sqlite3 one (its pragmas set and checked, and migrated, here), or another
 * engine's SqlConnection already migrated, with what tells that engine's other processes what a commit changed.
 */
export type StoreConnection =
  | { readonly engine: 'sqlite'; readonly db: Db }
  | {
      readonly engine: 'postgres';
      readonly sql: SqlConnection;
      readonly changes: ChangeRecorder;
      readonly sizeBytes: () => number;
      /** Connections of other idnode processes to the database. */
      readonly otherConnections: () => number;
      /** A commit made or heard of: read replicas must replay past it before they answer this process again. */
      readonly noteCommits: () => void;
      /** Replica-eligible reads so far: how many a replica served, how many the primary. */
      readonly replicaCounts: () => { readonly replica: number; readonly primary: number };
    };

export class Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly writes: WriteQueue;
  /** Daily counters and node runs for the monthly report; every record write below counts itself there. */
  readonly usage: UsageTables;
  /** A secondary node's reports to its upstream (schema/004-hierarchy.sql). */
  readonly outbox: OutboxTables;
  /** A top-level node's secondary nodes, filings, statistics and escrow (schema/004-hierarchy.sql). */
  readonly hierarchy: HierarchyTables;
  /** Where each write transaction says what it changed, for the other processes over the store. */
  readonly changes: ChangeRecorder;
  /** SQLite's change log (schema/008-change-log.sql), which other processes read; null on PostgreSQL (NOTIFY instead). */
  readonly changeLog: ChangeLog | null;
  /**
   * The size cap in force (bytes), or null without one. SQLite never sets max_page_count below the pages the file
   * already has, so a cap smaller than the store holds it at its current size: larger than `maxBytes` asked for.
   */
  readonly capBytes: number | null = null;
  private readonly onRecordWritten: (handleKey: string) => void;
  private readonly onCommitted: (handleKeys: readonly string[]) => void;
  /** Handle keys written in the open transaction (drained by the write queue or writeNow at commit). */
  private readonly touched: string[] = [];
  private readonly selectRecord: Statement<[string, string], RecordRow>;
  private readonly selectRecordText: Statement<[string, string], { record: string }>;
  private readonly insertRow: Statement;
  private readonly updateRow: Statement;
  private readonly deleteRow: Statement;
  private readonly selectPage: Statement<[string, number, number], KeyRow>;
  private readonly selectAfter: Statement<[string, string, number], KeyRow>;
  private readonly selectCount: Statement<[string], { count: number }>;
  private readonly selectHomed: Statement<[string], { prefix: string }>;
  private readonly insertPrefix: Statement;
  private readonly deletePrefix: Statement;
  private readonly selectPrefixPage: Statement<[number, number], { prefix: string }>;
  private readonly selectPrefixCount: Statement<[], { count: number }>;
  private readonly selectPing: Statement<[], { one: number }>;
  private readonly insertSetting: Statement;
  private readonly insertNodeKey: Statement;
  private readonly selectNodeKey: Statement<[string], { private_pem: string }>;
  private readonly selectSetting: Statement<[string], { value: string }>;
  private readonly savepointItem: Statement;
  private readonly releaseItem: Statement;
  private readonly rollbackItem: Statement;

  private readonly db: SqlConnection;
  /** The better-sqlite3 connection on SQLite (pragmas, sizes, data_version); null on PostgreSQL. */
  private readonly sqlite: Db | null;
  private readonly connection: StoreConnection;

  constructor(
    connection: StoreConnection,
    readonly path: string,
    options: StoreOptions,
  ) {
    this.connection = connection;
    this.engine = connection.engine;
    this.sqlite = connection.engine === 'sqlite' ? connection.db : null;
    this.db = connection.engine === 'sqlite' ? asSqlConnection(connection.db) : connection.sql;
    if (connection.engine === 'sqlite') this.capBytes = Store.prepareSqlite(connection.db, path, options);
    const db = this.db;
    // `/* replica */`: on PostgreSQL with IDNODE_PG_READ_URLS these reads may go to a replica that has replayed every
    // commit this process made or heard of (postgres/read-replicas.ts). SQLite reads it as a comment.
    this.selectRecord = db.prepare('/* replica */ SELECT spelling, record FROM handles WHERE prefix_key = ? AND suffix_key = ?');
    this.selectRecordText = db.prepare('/* replica */ SELECT record FROM handles WHERE prefix_key = ? AND suffix_key = ?');
    this.insertRow = db.prepare('INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.updateRow = db.prepare('UPDATE handles SET record = ?, updated_at = ? WHERE prefix_key = ? AND suffix_key = ?');
    this.deleteRow = db.prepare('DELETE FROM handles WHERE prefix_key = ? AND suffix_key = ?');
    this.selectPage = db.prepare('/* replica */ SELECT suffix_key, spelling FROM handles WHERE prefix_key = ? ORDER BY suffix_key LIMIT ? OFFSET ?');
    this.selectAfter = db.prepare('/* replica */ SELECT suffix_key, spelling FROM handles WHERE prefix_key = ? AND suffix_key > ? ORDER BY suffix_key LIMIT ?');
    this.selectCount = db.prepare('/* replica */ SELECT count FROM handle_counts WHERE prefix_key = ?');
    this.selectHomed = db.prepare('/* replica */ SELECT prefix FROM prefixes WHERE prefix_key = ?');
    this.insertPrefix = db.prepare('INSERT INTO prefixes (prefix_key, prefix, homed_at) VALUES (?, ?, ?) ON CONFLICT (prefix_key) DO NOTHING');
    this.deletePrefix = db.prepare('DELETE FROM prefixes WHERE prefix_key = ?');
    this.selectPrefixPage = db.prepare('/* replica */ SELECT prefix FROM prefixes ORDER BY prefix_key LIMIT ? OFFSET ?');
    this.selectPrefixCount = db.prepare('/* replica */ SELECT count(*) AS count FROM prefixes');
    this.selectPing = db.prepare('SELECT 1 AS one');
    this.insertNodeKey = db.prepare('INSERT INTO node_keys (name, private_pem, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING');
    this.selectNodeKey = db.prepare('SELECT private_pem FROM node_keys WHERE name = ?');
    this.insertSetting = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING');
    this.selectSetting = db.prepare('SELECT value FROM settings WHERE name = ?');
    this.savepointItem = db.prepare('SAVEPOINT write_item');
    this.releaseItem = db.prepare('RELEASE write_item');
    this.rollbackItem = db.prepare('ROLLBACK TO write_item');
    this.usage = new UsageTables(db);
    this.outbox = new OutboxTables(db, connection.engine);
    this.hierarchy = new HierarchyTables(db);
    this.onCommitted = options.onCommitted ?? (() => {});
    this.onRecordWritten = options.onRecordWritten ?? (() => {});
    this.changeLog = connection.engine === 'sqlite' ? new ChangeLog(db, options.changeWriter) : null;
    this.changes = connection.engine === 'sqlite' ? (this.changeLog as ChangeLog) : connection.changes;
    const { beforeCommit } = options;
    // Every transaction names what it changed in the same transaction, so other processes can drop exactly that.
    this.writes = new WriteQueue(db, this.touched, this.onCommitted, (keys) => {
      this.changes.append(keys);
      beforeCommit?.();
    });
  }

  /** SQLite's required pragmas, checked, and its migrations; returns the size cap in force (bytes) or null. */
  private static prepareSqlite(db: Db, path: string, options: StoreOptions): number | null {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    db.pragma('temp_store = MEMORY');
    // An acknowledged write must be durable: refuse to run if that durability is not in force.
    const synchronous = db.pragma('synchronous', { simple: true });
    if (synchronous !== 2) throw new IdnodeError('STORE_UNAVAILABLE', `PRAGMA synchronous is ${String(synchronous)}, expected 2 (FULL)`);
    const journal = db.pragma('journal_mode', { simple: true });
    if (path !== ':memory:' && journal !== 'wal') throw new IdnodeError('STORE_UNAVAILABLE', `journal_mode is ${String(journal)}, expected wal`);
    applyMigrations(db);
    if ((options.maxBytes ?? 0) <= 0) return null;
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`max_page_count = ${Math.max(1, Math.floor((options.maxBytes ?? 0) / pageSize))}`);
    return Number(db.pragma('max_page_count', { simple: true })) * pageSize;
  }

  /** The record of a handle key, or undefined. Throws STORE_* on SQLite failure. */
  getRecord(handleKey: string): StoredRecord | undefined {
    const row = this.read(() => this.selectRecord.get(...splitKey(handleKey)));
    return row === undefined ? undefined : { handle: row.spelling ?? handleKey, values: decodeRecord(row.record) };
  }

  /**
   * The anonymous view of a handle key, or undefined: derived from the stored record (one primary-key lookup), never
   * stored beside it. Throws STORE_* on SQLite failure.
   */
  getPublicView(handleKey: string): PublicView | undefined {
    const row = this.read(() => this.selectRecordText.get(...splitKey(handleKey)));
    return row === undefined ? undefined : publicView(decodeRecord(row.record));
  }

  /** Inserts a new record; throws HANDLE_ALREADY_EXISTS if the key exists. Call inside a write. */
  insertRecord(handleKey: string, handle: string, prefixKey: string, values: readonly HandleValue[], nowSeconds: number): void {
    this.insertStored(handleKey, handle, prefixKey, encodeRecord(values), nowSeconds);
  }

  /** insertRecord with the values already in their stored form (encodeRecord's output, not checked again). */
  insertStored(handleKey: string, handle: string, prefixKey: string, stored: string, nowSeconds: number): void {
    const [keyPrefix, suffixKey] = splitKey(handleKey);
    if (keyPrefix !== prefixKey) throw new IdnodeError('INTERNAL', `handle key ${handleKey} is not under prefix key ${prefixKey}`);
    this.written(handleKey);
    this.insertRow.run(prefixKey, suffixKey, handle === handleKey ? null : handle, stored, nowSeconds, nowSeconds);
    this.usage.countWrite('created', prefixKey, nowSeconds);
  }

  /** Replaces the values of an existing record; returns false if it does not exist. Call inside a write. */
  updateRecord(handleKey: string, values: readonly HandleValue[], nowSeconds: number): boolean {
    return this.updateStored(handleKey, encodeRecord(values), nowSeconds);
  }

  /** updateRecord with the values already in their stored form (encodeRecord's output, not checked again). */
  updateStored(handleKey: string, stored: string, nowSeconds: number): boolean {
    const [prefixKey, suffixKey] = splitKey(handleKey);
    this.written(handleKey);
    const updated = this.updateRow.run(stored, nowSeconds, prefixKey, suffixKey).changes === 1;
    if (updated) this.usage.countWrite('updated', prefixKey, nowSeconds);
    return updated;
  }

  /** Deletes a record (counted on the day of `nowSeconds`); returns false if it did not exist. Call inside a write. */
  deleteRecord(handleKey: string, nowSeconds: number): boolean {
    const [prefixKey, suffixKey] = splitKey(handleKey);
    this.written(handleKey);
    const deleted = this.deleteRow.run(prefixKey, suffixKey).changes === 1;
    if (deleted) this.usage.countWrite('deleted', prefixKey, nowSeconds);
    return deleted;
  }

  /** One page of a prefix's handles in canonical-key order (a range of the primary key, no table scan). */
  listHandles(prefixKey: string, limit: number, offset: number): ListedHandle[] {
    return this.read(() => this.selectPage.all(prefixKey, limit, offset).map((row) => listed(prefixKey, row)));
  }

  /** Handles after `afterKey` (a key under the prefix, or '') in canonical-key order (keyset paging for whole listings). */
  listHandlesAfter(prefixKey: string, afterKey: string, limit: number): ListedHandle[] {
    const afterSuffix = afterKey === '' ? '' : splitKey(afterKey)[1];
    return this.read(() => this.selectAfter.all(prefixKey, afterSuffix, limit).map((row) => listed(prefixKey, row)));
  }

  /** Number of handles under a prefix, from the trigger-kept counter. */
  countHandles(prefixKey: string): number {
    return this.read(() => this.selectCount.get(prefixKey)?.count ?? 0);
  }

  /** The spelling of a homed prefix, or undefined if it is not homed here. */
  homedPrefix(prefixKey: string): string | undefined {
    return this.read(() => this.selectHomed.get(prefixKey)?.prefix);
  }

  /** Homes a prefix (idempotent). Call inside a write. */
  homePrefix(prefixKey: string, prefix: string, nowSeconds: number): void {
    if (this.insertPrefix.run(prefixKey, prefix, nowSeconds).changes === 1) this.homingChanged(prefixKey);
  }

  /** Unhomes a prefix; returns false if it was not homed. Call inside a write. */
  unhomePrefix(prefixKey: string): boolean {
    const changed = this.deletePrefix.run(prefixKey).changes === 1;
    if (changed) this.homingChanged(prefixKey);
    return changed;
  }

  /**
   * Whether a prefix's handles live here changed: reported at commit as its prefix record's key (`0.NA/<prefix key>`),
   * which is what drops every decision derived from prefixes.
   */
  private homingChanged(prefixKey: string): void {
    this.touched.push(`${PREFIX_NAMESPACE}/${prefixKey}`);
  }

  listPrefixes(limit: number, offset: number): string[] {
    return this.read(() => this.selectPrefixPage.all(limit, offset).map((row) => row.prefix));
  }

  countPrefixes(): number {
    return this.read(() => this.selectPrefixCount.get()?.count ?? 0);
  }

  /** Queues a write into the next group-commit transaction (as a `part`, into its stream's: write-queue.ts). */
  write<T>(op: WriteOp<T>, part?: StreamPart): Promise<T> {
    return this.writes.enqueue(op, part);
  }

  /** Runs `fn` in its own IMMEDIATE transaction now (CLI and first-start bootstrap; never on the request path). */
  writeNow<T>(fn: () => T): T {
    this.touched.length = 0;
    let result: T;
    try {
      result = this.db
        .transaction(() => {
          const value = fn();
          this.changes.append(this.touched);
          return value;
        })
        .immediate();
    } catch (error) {
      this.touched.length = 0;
      throw translateSqliteError(error);
    }
    if (this.touched.length > 0) this.onCommitted(this.touched.splice(0));
    return result;
  }

  /** Records `value` for `name` the first time and returns what the store holds (the first value ever given). */
  pinSetting(name: string, value: string): string {
    return this.writeNow(() => {
      this.insertSetting.run(name, value);
      return this.selectSetting.get(name)?.value ?? value;
    });
  }

  /** The node's private key `name` (PKCS#8 PEM); stores `create()`'s when there is none yet. */
  nodeKey(name: string, create: () => string, nowSeconds: number): string {
    return this.writeNow(() => {
      const existing = this.selectNodeKey.get(name)?.private_pem;
      if (existing !== undefined) return existing;
      const pem = create();
      this.insertNodeKey.run(name, pem, nowSeconds);
      return pem;
    });
  }

  /**
   * Inside a write: runs `fn` in a nested savepoint. If it throws, what it wrote is rolled back (and forgotten by the
   * invalidation) and the error is rethrown; the rest of the transaction goes on. One item of a batch.
   */
  attempt<T>(fn: () => T): T {
    const mark = this.touched.length;
    this.savepointItem.run();
    try {
      const result = fn();
      this.releaseItem.run();
      return result;
    } catch (error) {
      this.touched.length = mark;
      if (this.db.inTransaction) {
        this.rollbackItem.run();
        this.releaseItem.run();
      }
      throw translateSqliteError(error);
    }
  }

  /**
   * The connection itself, for a table that lives beside the registry on PostgreSQL (the shared Handle sessions); null
   * on SQLite, where such tables keep files of their own.
   */
  get sharedConnection(): SqlConnection | null {
    return this.connection.engine === 'postgres' ? this.db : null;
  }

  /** Prepares a statement on this store's connection: for the statement modules in src/store/ only. */
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return this.db.prepare<P, R>(sql);
  }

  /** Runs a read of a statement module, SQLite failures translated into the catalog (STORE_*). */
  guard<T>(fn: () => T): T {
    return this.read(fn);
  }

  /** Replaces the node's private key `name` (key rotation, `idnode secret --rotate-all`). Call inside a write. */
  replaceNodeKey(name: string, pem: string, nowSeconds: number): void {
    this.db
      .prepare('INSERT INTO node_keys (name, private_pem, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET private_pem = excluded.private_pem, created_at = excluded.created_at')
      .run(name, pem, nowSeconds);
  }

  /** Every record whose stored text contains `text` (a full scan, prepared per call: operator commands only). */
  scanRecords(text: string): (StoredRecord & { readonly key: string })[] {
    const rows = this.read(() =>
      this.db
        .prepare<[string], RecordRow & { prefix_key: string; suffix_key: string }>('SELECT prefix_key, suffix_key, spelling, record FROM handles WHERE instr(record, ?) > 0 ORDER BY prefix_key, suffix_key')
        .all(text),
    );
    return rows.map((row) => {
      const key = `${row.prefix_key}/${row.suffix_key}`;
      return { key, handle: row.spelling ?? key, values: decodeRecord(row.record) };
    });
  }

  /** True while a write transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * Connections of other idnode processes to a PostgreSQL store (a command that must run alone refuses when there are
   * any); 0 on SQLite, where backup.ts's assertNotInUse asks the file instead.
   */
  otherConnections(): number {
    const { connection } = this;
    return connection.engine === 'postgres' ? this.read(() => connection.otherConnections()) : 0;
  }

  /**
   * A commit this process was told of — its writer thread's, or another process's — before anything depending on it
   * is answered: reads from PostgreSQL replicas wait until a replica has replayed it (read-your-writes). No-op on SQLite.
   */
  noteCommits(): void {
    if (this.connection.engine === 'postgres') this.connection.noteCommits();
  }

  /** Replica-eligible reads so far on PostgreSQL with read replicas (zeros otherwise). */
  replicaCounts(): { readonly replica: number; readonly primary: number } {
    const { connection } = this;
    return connection.engine === 'postgres' ? this.read(() => connection.replicaCounts()) : { replica: 0, primary: 0 };
  }

  /** True when the store answers a query (readiness). */
  ping(): boolean {
    try {
      return this.selectPing.get()?.one === 1;
    } catch {
      return false;
    }
  }

  /** Bytes on disk: the database file plus its WAL (on PostgreSQL, the database's size as the server reports it). */
  sizeBytes(): number {
    if (this.connection.engine === 'postgres') return this.connection.sizeBytes();
    if (this.path === ':memory:' && this.sqlite !== null) {
      return Number(this.sqlite.pragma('page_count', { simple: true })) * Number(this.sqlite.pragma('page_size', { simple: true }));
    }
    let total = 0;
    for (const file of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(file).size;
      } catch {
        // A missing WAL file is size 0.
      }
    }
    return total;
  }


  /** Changes whenever another connection commits (PRAGMA data_version); used to notice CLI writes. */
  dataVersion(): number {
    if (this.sqlite === null) throw new IdnodeError('INTERNAL', 'data_version is SQLite\'s');
    return Number(this.sqlite.pragma('data_version', { simple: true }));
  }

  /** Inside a transaction: a record changed. Its parsed copies go now; the keys go to onCommitted at commit. */
  private written(handleKey: string): void {
    this.touched.push(handleKey);
    this.onRecordWritten(handleKey);
  }

  /** Runs queued writes and closes the connection. */
  close(): void {
    this.writes.drain();
    if (this.db.open) this.db.close();
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }
}
