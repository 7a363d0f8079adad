// The RegistryEngine on PostgreSQL: the SQLite store's tables and record encoding over a bounded pool, prepared
// statements, one transaction per batch, and the committed keys told to every process through NOTIFY.

import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { IdnodeError } from '../../errors.js';
import { decodeRecord, encodeRecord } from '../../identifier/record-encoding.js';
import { publicView, type PublicView } from '../../identifier/value-json.js';
import { CommitListeners, homingKey, splitHandleKey, type CommitListener, type ListedHandle, type RegistryEngine, type RegistryWrite, type StoredRecord } from '../registry-engine.js';
import { CommitNoticeListener, commitPayloads, COMMITS_CHANNEL } from './commit-notices.js';
import { migratePostgres } from './migrations.js';
import { checkDurability, DEFAULT_QUERY_TIMEOUT_MS, timedQuery } from './pool.js';
import { isServerLost, translatePgError } from './pg-errors.js';
import { PrimaryLocator, type LocatorOptions } from './primary-locator.js';
import { STATEMENTS, type NamedStatement } from './registry-statements.js';

export interface PostgresRegistryOptions extends LocatorOptions {
  /**
   * Where the cluster's members are: one URL, a URL listing several hosts (`postgresql://u@h1:5432,h2:5432/db`), or an
   * array of single-host URLs. The engine writes to the one member answering pg_is_in_recovery() = false and looks
   * again after losing it (primary-locator.ts).
   */
  readonly url: string | readonly string[];
  /** Reconnection waits of the LISTEN connection (ms); see CommitNoticeListener. */
  readonly listenRetryMinMs?: number;
  readonly listenRetryMaxMs?: number;
  /** How often the LISTEN connection checks that its server still answers (ms); see CommitNoticeListener. */
  readonly listenHeartbeatMs?: number;
  /**
   * This instance's name in the commit notices (default: a random one). A node gives its store's writer name, so the
   * notices of its own writer thread, already reported to it, are not heard again.
   */
  readonly writer?: string;
  /** How long a write waits for another process to answer (peer-barrier.ts); see CommitNoticeListener. */
  readonly peerWaitMs?: number;
  /** Told of the processes a write stopped waiting for. */
  readonly onLatePeers?: (ids: readonly string[]) => void;
  /** Tests only: awaited inside each write transaction just before its COMMIT, with the keys it changed. */
  readonly beforeCommit?: (handleKeys: readonly string[]) => void | Promise<void>;
}

interface KeyRow {
  suffix_key: string;
  spelling: string | null;
}

export class PostgresRegistry implements RegistryEngine {
  readonly engine = 'postgres';
  /** This instance's id in its NOTIFY payloads: its own notices are not news to it. */
  readonly writer: string;
  private readonly listeners = new CommitListeners();
  private readonly inFlight = new Set<Promise<unknown>>();
  private listener: CommitNoticeListener | undefined;
  /** The report's time zone (settings.report_utc_offset_seconds, as the SQLite store's UsageTables reads it). */
  private utcOffsetMs = 0;
  /** How long one answer of the server may take before the member counts as lost (PoolOptions.queryTimeoutMs). */
  private readonly timeoutMs: number;
  private closed = false;

  private constructor(
    private readonly locator: PrimaryLocator,
    private readonly options: PostgresRegistryOptions,
  ) {
    this.timeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    this.writer = options.writer ?? randomBytes(9).toString('base64url');
  }

  /**
   * Connects, refuses a server that does not commit durably, migrates (schema/postgres/, under an advisory lock) and
   * starts listening for other processes' commits. Rejects STORE_UNAVAILABLE when any of it fails (nothing left open).
   */
  static async open(options: PostgresRegistryOptions): Promise<PostgresRegistry> {
    const registry = new PostgresRegistry(new PrimaryLocator(options.url, options), options);
    try {
      await registry.locator.start();
      await checkDurability(registry.locator.pool());
      await migratePostgres(registry.locator.pool());
      const offset = await registry.run<{ value: string }>(STATEMENTS.reportOffset, []);
      registry.utcOffsetMs = Number(offset[0]?.value ?? 0) * 1000;
      registry.listener = new CommitNoticeListener({
        target: async () => {
          await registry.locator.whenAvailable();
          const member = registry.locator.member();
          if (member === null) throw new IdnodeError('STORE_UNAVAILABLE', 'no writable PostgreSQL member');
          return member.config;
        },
        onUnreachable: (config) => {
          const member = registry.locator.member();
          if (member?.config === config) registry.locator.lost(member);
        },
        writer: registry.writer,
        onNotice: (keys) => registry.listeners.emit(keys),
        queryTimeoutMs: registry.timeoutMs,
        heartbeatMs: options.listenHeartbeatMs,
        retryMinMs: options.listenRetryMinMs,
        retryMaxMs: options.listenRetryMaxMs,
        peerWaitMs: options.peerWaitMs,
        onLatePeers: options.onLatePeers,
      });
      await registry.listener.start();
      return registry;
    } catch (error) {
      await registry.close();
      throw translatePgError(error);
    }
  }

  /** Resolves when the engine has a writable member to send calls to (at once while it has one). */
  whenAvailable(): Promise<void> {
    return this.locator.whenAvailable();
  }

  /** The URL of the member taking this instance's calls, or null between losing one and finding the next. */
  get primaryUrl(): string | null {
    return this.locator.member()?.url ?? null;
  }

  /** True while this process hears other processes' commits (false between a lost LISTEN connection and its return). */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /**
   * Resolves once every other process listening on the database has read the notices of every commit this process
   * made (or heard of) before the call, and so dropped what they replaced; a process that does not answer within
   * peerWaitMs is not waited for until it answers again (peer-barrier.ts).
   */
  settle(): Promise<void> {
    return this.listener?.settle() ?? Promise.resolve();
  }

  async getRecord(handleKey: string): Promise<StoredRecord | undefined> {
    const row = (await this.run<{ spelling: string | null; record: string }>(STATEMENTS.getRecord, splitHandleKey(handleKey)))[0];
    return row === undefined ? undefined : { handle: row.spelling ?? handleKey, values: decodeRecord(row.record) };
  }

  async getPublicView(handleKey: string): Promise<PublicView | undefined> {
    const row = (await this.run<{ record: string }>(STATEMENTS.getRecordText, splitHandleKey(handleKey)))[0];
    return row === undefined ? undefined : publicView(decodeRecord(row.record));
  }

  async listHandles(prefixKey: string, limit: number, offset: number): Promise<ListedHandle[]> {
    const rows = await this.run<KeyRow>(STATEMENTS.listPage, [prefixKey, limit, offset]);
    return rows.map((row) => listed(prefixKey, row));
  }

  async listHandlesAfter(prefixKey: string, afterKey: string, limit: number): Promise<ListedHandle[]> {
    const afterSuffix = afterKey === '' ? '' : splitHandleKey(afterKey)[1];
    const rows = await this.run<KeyRow>(STATEMENTS.listAfter, [prefixKey, afterSuffix, limit]);
    return rows.map((row) => listed(prefixKey, row));
  }

  async countHandles(prefixKey: string): Promise<number> {
    return Number((await this.run<{ count: string }>(STATEMENTS.countHandles, [prefixKey]))[0]?.count ?? 0);
  }

  async homedPrefix(prefixKey: string): Promise<string | undefined> {
    return (await this.run<{ prefix: string }>(STATEMENTS.homedPrefix, [prefixKey]))[0]?.prefix;
  }

  async listPrefixes(limit: number, offset: number): Promise<string[]> {
    return (await this.run<{ prefix: string }>(STATEMENTS.listPrefixes, [limit, offset])).map((row) => row.prefix);
  }

  async countPrefixes(): Promise<number> {
    return Number((await this.run<{ count: string }>(STATEMENTS.countPrefixes, []))[0]?.count ?? 0);
  }

  commit(writes: readonly RegistryWrite[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new IdnodeError('STORE_UNAVAILABLE', 'the registry is closed'));
    const done = this.transact(writes);
    this.inFlight.add(done);
    const forget = (): void => void this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  onCommitted(listener: CommitListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.listener?.stop();
    await this.locator.close();
  }

  /**
   * One transaction: the writes in order, the usage counters they move, the NOTIFY payloads, COMMIT. Listeners hear the
   * keys after COMMIT returned and before the promise resolves. When COMMIT was sent but its answer lost, the outcome
   * is unknown: the promise rejects (nothing is acknowledged), and the keys are told anyway — dropping cache entries is
   * always safe, and this instance skips its own notices, so it would not hear them otherwise.
   */
  private async transact(writes: readonly RegistryWrite[]): Promise<boolean[]> {
    let client: pg.PoolClient;
    const pool = this.locator.pool();
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.failed(pool, error);
    }
    // A checked-out client has no 'error' listener of the pool's: a connection lost mid-transaction (a killed primary)
    // would be an uncaught exception. Its queries reject with the error; this keeps it from also crashing the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    const touched: string[] = [];
    let committing = false;
    let broken: IdnodeError | undefined;
    try {
      await client.query(timedQuery({ text: 'BEGIN' }, [], this.timeoutMs));
      const counts = new Map<string, { day: string; prefixKey: string; created: number; updated: number; deleted: number }>();
      const count = (counter: 'created' | 'updated' | 'deleted', prefixKey: string, nowSeconds: number): void => {
        const day = new Date(nowSeconds * 1000 + this.utcOffsetMs).toISOString().slice(0, 10);
        const id = `${day}\u0000${prefixKey}`;
        const entry = counts.get(id) ?? { day, prefixKey, created: 0, updated: 0, deleted: 0 };
        entry[counter] += 1;
        counts.set(id, entry);
      };
      const results: boolean[] = [];
      for (const write of writes) results.push(await this.apply(client, write, touched, count));
      for (const entry of counts.values()) await this.runOn(client, STATEMENTS.countWrites, [entry.day, entry.prefixKey, entry.created, entry.updated, entry.deleted]);
      for (const payload of touched.length > 0 ? commitPayloads(this.writer, touched) : []) await this.runOn(client, STATEMENTS.notify, [COMMITS_CHANNEL, payload]);
      await this.options.beforeCommit?.(touched);
      committing = true;
      await client.query(timedQuery({ text: 'COMMIT' }, [], this.timeoutMs));
      committing = false;
      this.listeners.emit(touched);
      return results;
    } catch (error) {
      broken = this.failed(pool, error);
      if (committing) this.listeners.emit(touched);
      // A lost connection is closed below, which rolls back; a ROLLBACK on it would only wait for another timeout.
      else if (broken.code !== 'STORE_UNAVAILABLE') await client.query(timedQuery({ text: 'ROLLBACK' }, [], this.timeoutMs)).catch(() => undefined);
      throw broken;
    } finally {
      // A connection that failed is closed rather than returned to the pool half-broken.
      client.removeListener('error', ignore);
      client.release(broken?.code === 'STORE_UNAVAILABLE' ? broken : undefined);
    }
  }

  private async apply(
    client: pg.PoolClient,
    write: RegistryWrite,
    touched: string[],
    count: (counter: 'created' | 'updated' | 'deleted', prefixKey: string, nowSeconds: number) => void,
  ): Promise<boolean> {
    switch (write.kind) {
      case 'insert': {
        const [prefixKey, suffixKey] = splitHandleKey(write.handleKey);
        if (prefixKey !== write.prefixKey) throw new IdnodeError('INTERNAL', `handle key ${write.handleKey} is not under prefix key ${write.prefixKey}`);
        touched.push(write.handleKey);
        const spelling = write.handle === write.handleKey ? null : write.handle;
        await this.runOn(client, STATEMENTS.insert, [prefixKey, suffixKey, spelling, encodeRecord(write.values), write.nowSeconds, write.nowSeconds]);
        count('created', prefixKey, write.nowSeconds);
        return true;
      }
      case 'update': {
        const [prefixKey, suffixKey] = splitHandleKey(write.handleKey);
        touched.push(write.handleKey);
        const updated = (await this.runOn(client, STATEMENTS.update, [encodeRecord(write.values), write.nowSeconds, prefixKey, suffixKey])).rowCount === 1;
        if (updated) count('updated', prefixKey, write.nowSeconds);
        return updated;
      }
      case 'delete': {
        const [prefixKey, suffixKey] = splitHandleKey(write.handleKey);
        touched.push(write.handleKey);
        const deleted = (await this.runOn(client, STATEMENTS.delete, [prefixKey, suffixKey])).rowCount === 1;
        if (deleted) count('deleted', prefixKey, write.nowSeconds);
        return deleted;
      }
      case 'home': {
        const homed = (await this.runOn(client, STATEMENTS.home, [write.prefixKey, write.prefix, write.nowSeconds])).rowCount === 1;
        if (homed) touched.push(homingKey(write.prefixKey));
        return homed;
      }
      case 'unhome': {
        const unhomed = (await this.runOn(client, STATEMENTS.unhome, [write.prefixKey])).rowCount === 1;
        if (unhomed) touched.push(homingKey(write.prefixKey));
        return unhomed;
      }
      default:
        throw new IdnodeError('INTERNAL', `unknown registry write ${(write as { kind: unknown }).kind as string}`);
    }
  }

  /** A read on any pooled connection of the writable member. Rejects STORE_*. */
  private async run<R extends pg.QueryResultRow>(statement: NamedStatement, values: unknown[]): Promise<R[]> {
    const pool = this.locator.pool();
    try {
      return (await pool.query<R>(timedQuery(statement, values, this.timeoutMs))).rows;
    } catch (error) {
      throw this.failed(pool, error);
    }
  }

  /** A statement of a transaction on its connection, bounded by queryTimeoutMs. */
  private runOn(client: pg.PoolClient, statement: NamedStatement, values: unknown[]): Promise<pg.QueryResult> {
    return client.query(timedQuery(statement, values, this.timeoutMs));
  }

  /** Translates a failure of `pool`'s member; one that says the member is lost sends the locator looking again. */
  private failed(pool: pg.Pool, error: unknown): IdnodeError {
    const translated = translatePgError(error);
    if (isServerLost(translated)) this.locator.lost(pool);
    return translated;
  }
}


/** A listed row of prefix `prefixKey`: its key and the registrant's spelling (stored only when it differs). */
function listed(prefixKey: string, row: KeyRow): ListedHandle {
  const key = `${prefixKey}/${row.suffix_key}`;
  return { key, handle: row.spelling ?? key };
}
