// The thread behind a blocking PostgreSQL connection (sync-client.ts): it holds the pool of the cluster's writable
// member, runs each request in order (a transaction on one held connection) and wakes the blocked caller.

import { workerData, type MessagePort } from 'node:worker_threads';
import type pg from 'pg';
import { IdnodeError } from '../../errors.js';
import { migratePostgres, postgresSchemaVersion } from './migrations.js';
import { checkDurability, DEFAULT_QUERY_TIMEOUT_MS, timedQuery } from './pool.js';
import { isServerLost, translatePgError } from './pg-errors.js';
import { PrimaryLocator } from './primary-locator.js';
import { ReadReplicas } from './read-replicas.js';
import type { BridgeData, BridgeReply, BridgeRequest } from './sync-protocol.js';

const data = workerData as BridgeData;
const port: MessagePort = data.port;
const woken = new Int32Array(data.signal);
const locator = new PrimaryLocator(data.options.url, { ...data.options, numericTypes: true });
const timeoutMs = data.options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
const replicas = new ReadReplicas(data.options.readUrls ?? [], { ...data.options, numericTypes: true });
/** The connection of the open transaction, if any; null again at COMMIT, ROLLBACK or its loss. */
let held: pg.PoolClient | null = null;
/** True when the open transaction's connection was lost: every statement fails until the caller ends it. */
let heldLost = false;
let chain: Promise<void> = Promise.resolve();

function reply(message: BridgeReply): void {
  port.postMessage(message);
  Atomics.add(woken, 0, 1);
  Atomics.notify(woken, 0);
}

/** The tables whose integer key PostgreSQL generates (an identity column): an INSERT into them returns it. */
async function identityColumns(pool: pg.Pool): Promise<Record<string, string>> {
  const result = await pool.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
  );
  return Object.fromEntries(result.rows.map((row) => [row.table_name, row.column_name]));
}

async function schemaVersion(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    return await postgresSchemaVersion(client);
  } finally {
    client.release();
  }
}

/**
 * A held connection is checked out of the pool, so the pool no longer hears its errors; one that fails between two
 * statements (the server killed while the caller works on its side of the transaction) emits 'error' on the client,
 * which unheard would end this thread — and leave every later call to wait out its deadline. Heard, it marks the
 * transaction lost and the member lost, as a failing statement does.
 */
function onHeldError(error: Error): void {
  heldLost = true;
  if (isServerLost(translatePgError(error))) {
    const member = locator.member();
    if (member !== null) locator.lost(member);
  }
}

/** The first error of a statement in the held transaction: what its COMMIT is refused with, if it was never waited for. */
let abortedBy: IdnodeError | null = null;

function dropHeld(destroy: boolean): void {
  abortedBy = null;
  held?.off('error', onHeldError);
  held?.release(destroy);
  held = null;
}

async function run(request: BridgeRequest): Promise<BridgeReply> {
  const seq = request.seq;
  switch (request.op) {
    case 'open': {
      await locator.start();
      await checkDurability(locator.pool());
      if (request.migrate) await migratePostgres(locator.pool());
      else if ((await schemaVersion(locator.pool())) === 0) {
        throw new IdnodeError('STORE_UNAVAILABLE', 'the PostgreSQL database has no idnode tables: start the node once to create them, or check IDNODE_PG_URL');
      }
      return { seq, ok: true, rows: [], rowCount: 0, identities: await identityColumns(locator.pool()), inTransaction: false };
    }
    case 'begin': {
      // A transaction still held here was given up by its caller (its call ran past the deadline): it never commits.
      dropHeld(true);
      heldLost = false;
      held = await locator.pool().connect();
      held.on('error', onHeldError);
      await held.query(timedQuery({ text: request.text }, [], timeoutMs));
      return { seq, ok: true, rows: [], rowCount: 0, inTransaction: true };
    }
    case 'end': {
      const client = held;
      if (client === null || heldLost) {
        dropHeld(true);
        if (request.text === 'ROLLBACK') return { seq, ok: true, rows: [], rowCount: 0, inTransaction: false };
        throw new IdnodeError('STORE_UNAVAILABLE', 'the connection of this transaction was lost; nothing of it is acknowledged');
      }
      try {
        const result = await client.query(timedQuery({ text: request.text }, [], timeoutMs));
        // PostgreSQL answers COMMIT of a transaction a statement aborted (one sent without waiting) with ROLLBACK, not
        // an error: nothing of it was stored, and nothing of it may be acknowledged.
        if (request.text === 'COMMIT' && result.command === 'ROLLBACK') {
          throw abortedBy ?? new IdnodeError('INTERNAL', 'PostgreSQL rolled the transaction back at COMMIT; nothing of it is stored');
        }
      } finally {
        dropHeld(false);
        // Committed here (or maybe, when COMMIT's answer was lost): replicas must replay past it before they are read.
        replicas.noteCommits();
      }
      return { seq, ok: true, rows: [], rowCount: 0, inTransaction: false };
    }
    case 'query': {
      if (heldLost) throw new IdnodeError('STORE_UNAVAILABLE', 'the connection of this transaction was lost');
      const config = timedQuery(request.name === undefined ? { text: request.text } : { text: request.text, name: request.name }, request.values, timeoutMs);
      const result = held === null && request.replica === true && replicas.size > 0 ? await fromReplica(config) : await (held ?? locator.pool()).query(config);
      // Back to a savepoint: the failure before it no longer aborts the transaction.
      if (held !== null && /^\s*ROLLBACK TO\b/i.test(request.text)) abortedBy = null;
      const many = Array.isArray(result) ? (result as pg.QueryResult[]) : [result];
      const last = many.at(-1);
      return { seq, ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0, inTransaction: held !== null };
    }
    case 'commits': {
      replicas.noteCommits();
      return { seq, ok: true, rows: [], rowCount: 0, inTransaction: held !== null };
    }
    case 'stats': {
      return { seq, ok: true, rows: [{ ...replicas.counts }], rowCount: 1, inTransaction: held !== null };
    }
    case 'close': {
      dropHeld(true);
      await replicas.close();
      await locator.close();
      return { seq, ok: true, rows: [], rowCount: 0, inTransaction: false };
    }
  }
}

/** A replica-eligible read: on a replica that has replayed the horizon, else (or when that replica fails) on the primary. */
async function fromReplica(config: pg.QueryConfig): Promise<pg.QueryResult> {
  const primary = locator.pool();
  const replica = await replicas.pick(primary);
  if (replica !== null) {
    try {
      const result = await replica.query(config);
      replicas.counts = { ...replicas.counts, replica: replicas.counts.replica + 1 };
      return result;
    } catch {
      replicas.failed(replica);
    }
  }
  replicas.counts = { ...replicas.counts, primary: replicas.counts.primary + 1 };
  return primary.query(config);
}

async function answer(request: BridgeRequest): Promise<void> {
  try {
    reply(await run(request));
  } catch (error) {
    const translated = translatePgError(error);
    if (request.op === 'query' && held !== null) abortedBy ??= translated;
    if (isServerLost(translated)) {
      // The member is gone: its pool goes, the writable member is looked for again, and an open transaction is over.
      if (held !== null) {
        heldLost = true;
      }
      const member = locator.member();
      if (member !== null) locator.lost(member);
    }
    const cause = translated.cause as { code?: unknown; message?: unknown } | undefined;
    reply({
      seq: request.seq,
      ok: false,
      code: translated.code,
      message: translated.message,
      detail: typeof cause?.message === 'string' ? cause.message : undefined,
      sqlState: typeof cause?.code === 'string' ? cause.code : undefined,
      inTransaction: held !== null && !heldLost,
    });
  }
}

port.on('message', (request: BridgeRequest) => {
  chain = chain.then(() => answer(request));
});
