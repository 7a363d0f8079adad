// node-postgres failures as catalog codes, and which of them send the engine looking for the primary again.

import test from 'ava';
import pg from 'pg';
import type { ErrorCode } from '../../../src/errors.js';
import { isServerLost, translatePgError } from '../../../src/store/postgres/pg-errors.js';

function databaseError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('server said no', 0, 'error');
  error.code = code;
  return error;
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

test('pg errors: a lost, refused, read-only, crashed or unanswering server is STORE_UNAVAILABLE and sends the engine looking', (t) => {
  const lost = [
    networkError('ECONNREFUSED'),
    networkError('ECONNRESET'),
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated due to connection timeout'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('Cannot use a pool after calling end on the pool'),
    new Error('Query read timeout'),
    databaseError('57P01'), // admin_shutdown
    databaseError('57P02'), // crash_shutdown
    databaseError('57P03'), // cannot_connect_now (starting, in recovery)
    databaseError('08006'), // connection_failure
    databaseError('25006'), // read_only_sql_transaction: a standby
  ];
  for (const error of lost) {
    const translated = translatePgError(error);
    t.is(translated.code, 'STORE_UNAVAILABLE', error.message);
    t.true(isServerLost(translated), error.message);
  }
});

test('pg errors: a busy pool or server, or a refused write, is not a lost server', (t) => {
  const cases: [Error, ErrorCode][] = [
    [new Error('timeout exceeded when trying to connect'), 'STORE_UNAVAILABLE'], // pg-pool's wait for a free connection
    [databaseError('53300'), 'STORE_BUSY'], // too_many_connections
    [databaseError('40001'), 'STORE_BUSY'],
    [databaseError('57014'), 'STORE_BUSY'], // statement_timeout
    [databaseError('53100'), 'STORE_FULL'],
    [databaseError('53200'), 'STORE_UNAVAILABLE'], // out_of_memory
    [databaseError('23505'), 'HANDLE_ALREADY_EXISTS'],
    [databaseError('42601'), 'INTERNAL'],
    [new Error('something else'), 'INTERNAL'],
  ];
  for (const [error, code] of cases) {
    const translated = translatePgError(error);
    t.is(translated.code, code, `${error.message} ${(error as { code?: string }).code ?? ''}`);
    t.false(isServerLost(translated), `${error.message} ${(error as { code?: string }).code ?? ''}`);
  }
});
