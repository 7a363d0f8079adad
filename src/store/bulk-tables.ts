// The statements of bulk import and export (issue 13 target 5) on a connection of their own: many records per
// transaction with the import's checkpoint in the same transaction, and one snapshot read of a whole store or prefix.

import Database, { type Database as Db } from 'better-sqlite3';
import { asSqlConnection, type SqlConnection, type Statement } from './sql-connection.js';
import { IdnodeError } from '../errors.js';
import { PREFIX_NAMESPACE } from '../identifier/handle.js';
import { ChangeLog, type ChangeRecorder } from './change-log.js';
import { applyMigrations } from './migrations.js';
import { refuseExposedStore } from './private-files.js';
import { translateSqliteError } from './sqlite-errors.js';
import { UsageTables } from './usage-tables.js';

/** One record as stored: the columns of `handles` (schema/004). */
export interface BulkRecord {
  readonly prefixKey: string;
  readonly suffixKey: string;
  /** The registrant's spelling, or null when it is the key. */
  readonly spelling: string | null;
  /** The values in the stored form (src/identifier/record-encoding.ts). */
  readonly record: string;
  /** Set for a prefix record 0.NA/P: P in its spelling, homed by the same transaction (as creating it through the API does). */
  readonly homes?: { readonly prefixKey: string; readonly prefix: string };
}

/** Where an import of one file got to; committed with the records it counts. */
export interface ImportCheckpoint {
  readonly file: string;
  readonly fingerprint: string;
  readonly offset: number;
  readonly line: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly rejectsBytes: number;
  readonly state: string;
  readonly done: boolean;
}

export interface BulkOptions {
  readonly busyTimeoutMs: number;
  readonly allowReadable?: boolean;
  /**
   * PRAGMA synchronous for this connection: FULL (the default) for imports into a live store; OFF only for a store
   * nobody else uses yet (the bench's seeding), where a crash means starting again.
   */
  readonly synchronous?: 'FULL' | 'OFF';
}

interface CheckpointRow {
  file: string;
  fingerprint: string;
  offset: number;
  line: number;
  loaded: number;
  rejected: number;
  rejects_bytes: number;
  state: string;
  done: number;
}

export interface ExportedRow {
  prefix_key: string;
  suffix_key: string;
  spelling: string | null;
  record: string;
}

/** The connection bulk work runs on, and the engine's own ways where it has faster ones. */
export interface BulkConnection {
  readonly engine: 'sqlite' | 'postgres';
  readonly sql: SqlConnection;
  /** Where each batch says it changed everything, for the other processes over the store. */
  readonly changes: ChangeRecorder;
  /** Inserts many rows at once (an existing key left as it is) and says which were inserted; default: one INSERT each. */
  readonly insertRows?: (records: readonly BulkRecord[], nowSeconds: number) => boolean[];
}

/** Opens a second connection to an existing SQLite store for bulk work (WAL, so a serving node keeps reading meanwhile). */
export function openBulkTables(path: string, options: BulkOptions): BulkTables {
  let db: Db | undefined;
  try {
    refuseExposedStore(path, options.allowReadable === true);
    db = new Database(path, { fileMustExist: true });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    // A batch dirties thousands of pages: held in a 64 MiB page cache they reach the WAL once, at COMMIT, instead of
    // spilling mid-transaction (the default cache is 2 MiB). A bound, so memory stays constant however big the file.
    db.pragma('cache_size = -65536');
    applyMigrations(db);
    const sql = asSqlConnection(db);
    return new BulkTables({ engine: 'sqlite', sql, changes: new ChangeLog(sql) });
  } catch (error) {
    db?.close();
    if (error instanceof IdnodeError) throw error;
    throw new IdnodeError('STORE_UNAVAILABLE', `cannot open store ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export class BulkTables {
  private readonly usage: UsageTables;
  private readonly insertRow: Statement;
  private readonly insertPrefix: Statement;
  private readonly addCreated: Statement<[string, string, number]>;
  private readonly changes: ChangeRecorder;
  private readonly db: SqlConnection;
  private readonly selectHomed: Statement<[], { prefix_key: string }>;
  private readonly selectCheckpoint: Statement<[string], CheckpointRow>;
  private readonly upsertCheckpoint: Statement;
  private readonly deleteCheckpoint: Statement<[string]>;

  constructor(private readonly connection: BulkConnection) {
    const db = connection.sql;
    this.db = db;
    this.usage = new UsageTables(db);
    this.changes = connection.changes;
    // An existing key is not replaced: the caller learns of it from `changes` and rejects the line.
    this.insertRow = db.prepare(
      'INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.insertPrefix = db.prepare('INSERT INTO prefixes (prefix_key, prefix, homed_at) VALUES (?, ?, ?) ON CONFLICT (prefix_key) DO NOTHING');
    this.addCreated = db.prepare(
      'INSERT INTO daily_counts (day, prefix_key, created) VALUES (?, ?, ?) ON CONFLICT (day, prefix_key) DO UPDATE SET created = daily_counts.created + excluded.created',
    );
    this.selectHomed = db.prepare('SELECT prefix_key FROM prefixes');
    this.selectCheckpoint = db.prepare('SELECT * FROM import_checkpoints WHERE file = ?');
    this.upsertCheckpoint = db.prepare(
      `INSERT INTO import_checkpoints (file, fingerprint, "offset", line, loaded, rejected, rejects_bytes, state, done, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (file) DO UPDATE SET fingerprint = excluded.fingerprint, "offset" = excluded."offset", line = excluded.line,
         loaded = excluded.loaded, rejected = excluded.rejected, rejects_bytes = excluded.rejects_bytes, state = excluded.state,
         done = excluded.done, updated_at = excluded.updated_at`,
    );
    this.deleteCheckpoint = db.prepare('DELETE FROM import_checkpoints WHERE file = ?');
  }

  /** A setting the store was created with (e.g. `suffix_case_sensitive`), or undefined. */
  setting(name: string): string | undefined {
    return this.read(() => this.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?').get(name)?.value);
  }

  /** The keys of every prefix homed here now. */
  homedPrefixKeys(): Set<string> {
    return this.read(() => new Set(this.selectHomed.all().map((row) => row.prefix_key)));
  }

  checkpoint(file: string): ImportCheckpoint | undefined {
    const row = this.read(() => this.selectCheckpoint.get(file));
    if (row === undefined) return undefined;
    return {
      file: row.file,
      fingerprint: row.fingerprint,
      offset: row.offset,
      line: row.line,
      loaded: row.loaded,
      rejected: row.rejected,
      rejectsBytes: row.rejects_bytes,
      state: row.state,
      done: row.done === 1,
    };
  }

  forgetCheckpoint(file: string): void {
    this.write(() => this.deleteCheckpoint.run(file));
  }

  /**
   * In one IMMEDIATE transaction: inserts `records` (an existing key is left as it is), homes the prefixes of the
   * prefix records among them, counts the created identifiers for the monthly report, then calls `beforeCommit` with
   * which records were inserted and stores the checkpoint it returns (null: none). Returns the inserted flags.
   */
  insertBatch(records: readonly BulkRecord[], nowSeconds: number, beforeCommit: (inserted: readonly boolean[]) => ImportCheckpoint | null): boolean[] {
    return this.write(() => {
      const inserted =
        this.connection.insertRows?.(records, nowSeconds) ??
        records.map((record) => this.insertRow.run(record.prefixKey, record.suffixKey, record.spelling, record.record, nowSeconds, nowSeconds).changes === 1);
      const created = new Map<string, number>();
      records.forEach((record, i) => {
        if (inserted[i] !== true) return;
        created.set(record.prefixKey, (created.get(record.prefixKey) ?? 0) + 1);
        if (record.homes !== undefined) this.insertPrefix.run(record.homes.prefixKey, record.homes.prefix, nowSeconds);
      });
      const day = this.usage.dayOf(nowSeconds * 1000);
      for (const [prefixKey, count] of created) this.addCreated.run(day, prefixKey, count);
      const checkpoint = beforeCommit(inserted);
      if (checkpoint !== null) this.saveCheckpoint(checkpoint, nowSeconds);
      return inserted;
    });
  }

  /** Stores a checkpoint on its own (an import that ends with rejected lines only). */
  saveCheckpointNow(checkpoint: ImportCheckpoint, nowSeconds: number): void {
    this.write(() => this.saveCheckpoint(checkpoint, nowSeconds));
  }

  /**
   * Every record, or those of one prefix, in one read snapshot: prefix records (0.NA/…) first, so an import of the
   * output homes each prefix before it meets that prefix's handles, then the others in key order.
   */
  *exportRows(prefixKey: string | null): Generator<ExportedRow> {
    const columns = 'SELECT prefix_key, suffix_key, spelling, record FROM handles';
    // A read snapshot (SQLite: a deferred transaction; PostgreSQL: REPEATABLE READ), which holds no writer off.
    this.db.exec('BEGIN DEFERRED');
    try {
      if (this.connection.engine === 'postgres') {
        // Its rows come whole over the connection: in pages along the primary key, so memory stays bounded.
        yield* this.pages(prefixKey);
      } else if (prefixKey !== null) {
        yield* this.db.prepare<[string], ExportedRow>(`${columns} WHERE prefix_key = ? ORDER BY suffix_key`).iterate(prefixKey);
      } else {
        yield* this.db.prepare<[string], ExportedRow>(`${columns} WHERE prefix_key = ? ORDER BY suffix_key`).iterate(PREFIX_NAMESPACE);
        yield* this.db.prepare<[string], ExportedRow>(`${columns} WHERE prefix_key <> ? ORDER BY prefix_key, suffix_key`).iterate(PREFIX_NAMESPACE);
      }
    } finally {
      this.db.exec('COMMIT');
    }
  }

  /** exportRows' order in keyset pages: the prefix records, then the other prefixes' handles by (prefix_key, suffix_key). */
  private *pages(prefixKey: string | null): Generator<ExportedRow> {
    const columns = 'SELECT prefix_key, suffix_key, spelling, record FROM handles';
    const within = this.db.prepare<[string, string, number], ExportedRow>(`${columns} WHERE prefix_key = ? AND suffix_key > ? ORDER BY suffix_key LIMIT ?`);
    const across = this.db.prepare<[string, string, string, string, number], ExportedRow>(
      `${columns} WHERE prefix_key <> ? AND (prefix_key > ? OR (prefix_key = ? AND suffix_key > ?)) ORDER BY prefix_key, suffix_key LIMIT ?`,
    );
    const page = 5000;
    for (const key of prefixKey === null ? [PREFIX_NAMESPACE] : [prefixKey]) {
      for (let after = ''; ; ) {
        const rows = within.all(key, after, page);
        yield* rows;
        if (rows.length < page) break;
        after = rows.at(-1)?.suffix_key ?? '';
      }
    }
    if (prefixKey !== null) return;
    for (let last = { prefix: '', suffix: '' }; ; ) {
      const rows = across.all(PREFIX_NAMESPACE, last.prefix, last.prefix, last.suffix, page);
      yield* rows;
      if (rows.length < page) break;
      const end = rows.at(-1);
      last = { prefix: end?.prefix_key ?? '', suffix: end?.suffix_key ?? '' };
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private saveCheckpoint(c: ImportCheckpoint, nowSeconds: number): void {
    this.upsertCheckpoint.run(c.file, c.fingerprint, c.offset, c.line, c.loaded, c.rejected, c.rejectsBytes, c.state, c.done ? 1 : 0, nowSeconds);
  }

  private write<T>(fn: () => T): T {
    try {
      return this.db
        .transaction(() => {
          const result = fn();
          // A serving node drops every cached answer for it (src/store/change-feed.ts): a batch is thousands of keys.
          this.changes.append(null);
          return result;
        })
        .immediate();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }
}
