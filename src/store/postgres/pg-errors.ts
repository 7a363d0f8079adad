// Translates node-postgres errors into catalog codes, keeping the original as `cause` (as sqlite-errors.ts does for SQLite).

import pg from 'pg';
import { IdnodeError } from '../../errors.js';

/** SQLSTATEs of a store that cannot take the work now but will: retry later. */
const BUSY = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
]);

/** Socket errors of a server that is down, restarting or unreachable. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * node-postgres reports a lost or unobtainable connection with a plain Error and no code: these are its messages
 * (pg 8.x: client.js, pg-pool), "Query read timeout" for a server that did not answer within queryTimeoutMs, and
 * "timeout expired" for a connection not made within connectionTimeoutMillis by a pg.Client of its own (the LISTEN
 * connection, the primary locator's probes; pg-pool words the same as "Connection terminated due to connection
 * timeout"). Any other code-less error is a bug, INTERNAL.
 */
const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool|Query read timeout|timeout expired$)/;

/** pg-pool's own wait for a free connection ran out: the pool is busy, the server is not lost. */
const POOL_WAIT = /^timeout exceeded when trying to connect/;

/**
 * Maps a PostgreSQL failure to HANDLE_ALREADY_EXISTS (a unique key taken), STORE_BUSY (conflicts, timeouts, no free
 * connection slot), STORE_FULL (disk full), STORE_UNAVAILABLE (connection lost or refused, server shutting down or in
 * recovery, a read-only standby) or INTERNAL.
 */
export function translatePgError(error: unknown): IdnodeError {
  if (error instanceof IdnodeError) return error;
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    if (code === '23505') return new IdnodeError('HANDLE_ALREADY_EXISTS', undefined, { cause: error });
    if (BUSY.has(code)) return new IdnodeError('STORE_BUSY', undefined, { cause: error });
    if (code === '53100') return new IdnodeError('STORE_FULL', undefined, { cause: error });
    // 08 connection exception, 57P0x shutdown / cannot connect now, 25006 read-only transaction (a standby), 53 resources.
    if (/^(08|57P0|53)/.test(code) || code === '25006') return new IdnodeError('STORE_UNAVAILABLE', undefined, { cause: error });
    return new IdnodeError('INTERNAL', undefined, { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK.has(code)) return new IdnodeError('STORE_UNAVAILABLE', undefined, { cause: error });
  if (error instanceof Error && CONNECTION_LOST.test(error.message)) return new IdnodeError('STORE_UNAVAILABLE', undefined, { cause: error });
  return new IdnodeError('INTERNAL', undefined, { cause: error });
}

/**
 * Whether `error` (translated) says the server itself is lost, gone read-only or shutting down — a reason to look for
 * the writable member again — rather than busy, out of resources or waited for too long in the pool.
 */
export function isServerLost(error: IdnodeError): boolean {
  if (error.code !== 'STORE_UNAVAILABLE') return false;
  const cause = error.cause;
  if (cause instanceof pg.DatabaseError) return /^(08|57P0)/.test(cause.code ?? '') || cause.code === '25006';
  if (cause instanceof Error) return !POOL_WAIT.test(cause.message);
  return false;
}
