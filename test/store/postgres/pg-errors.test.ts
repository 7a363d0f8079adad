// node-postgres failures as catalog codes, and which of them send the engine looking for the primary again.

import { createServer, type Server, type Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import type { ErrorCode } from '../../../src/errors.js';
import { CommitNoticeListener } from '../../../src/store/postgres/commit-notices.js';
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
    new Error('timeout expired'), // a pg.Client's own connectionTimeoutMillis (below)
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

/** A server on 127.0.0.1 that accepts connections and never answers (a hung PostgreSQL, or one on a frozen machine). */
async function silentServer(t: ExecutionContext): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

test('pg errors: a pg.Client whose connection is not made within connectionTimeoutMillis is STORE_UNAVAILABLE, a lost server', async (t) => {
  // The PostgreSQL pass of the suite hit this under load: the LISTEN connection of a starting node timed out, and the
  // node failed to start with INTERNAL (500) instead of STORE_UNAVAILABLE.
  const port = await silentServer(t);
  const config = { host: '127.0.0.1', port, user: 'idnode', database: 'registry', connectionTimeoutMillis: 200 };
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  const error = await client.connect().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  t.true(error instanceof Error);
  const translated = translatePgError(error);
  t.is(translated.code, 'STORE_UNAVAILABLE', String(error));
  t.true(isServerLost(translated));

  // The same through the LISTEN connection's start: refused STORE_UNAVAILABLE, and the engine is told to look again.
  const unreachable: pg.ClientConfig[] = [];
  const listener = new CommitNoticeListener({ target: async () => config, writer: 'w1', onNotice: () => undefined, onUnreachable: (at) => unreachable.push(at) });
  await t.throwsAsync(listener.start(), { code: 'STORE_UNAVAILABLE' });
  t.deepEqual(unreachable, [config]);
  await listener.stop();
});
