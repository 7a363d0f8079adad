// The blocking PostgreSQL connection (sync-client.ts, sync-worker.ts): a transaction's connection lost between two
// statements fails that transaction STORE_UNAVAILABLE, and the connection goes on working.

import test from 'ava';
import { IdnodeError } from '../../../src/errors.js';
import { SyncClient } from '../../../src/store/postgres/sync-client.js';
import { clusterForFile, postgresTest } from '../../support/postgres-cluster.js';
import { waitUntil } from '../../support/postgres-replication.js';

const { run, note } = postgresTest;
const cluster = clusterForFile();

/** Whether `call` answered; false on STORE_UNAVAILABLE (the member being looked for again), any other error thrown. */
function answered(call: () => unknown): boolean {
  try {
    call();
    return true;
  } catch (error) {
    if (error instanceof IdnodeError && error.code === 'STORE_UNAVAILABLE') return false;
    throw error;
  }
}

run(`sync client: a transaction whose connection is terminated between two statements fails STORE_UNAVAILABLE, and the next one commits${note}`, async (t) => {
  const server = await cluster();
  const url = await server.createDatabase();
  const client = new SyncClient({ url, locateRetryMinMs: 10, locateRetryMaxMs: 50 });
  t.teardown(() => client.close());
  client.call({ op: 'open', migrate: true }, 120_000);
  client.call({ op: 'query', text: 'CREATE TABLE t (n int)', values: [] });

  client.call({ op: 'begin', text: 'BEGIN' });
  client.call({ op: 'query', text: 'INSERT INTO t VALUES (1)', values: [] });
  const pid = Number(client.call({ op: 'query', text: 'SELECT pg_backend_pid() AS pid', values: [] }).rows[0]?.pid);
  t.true(client.inTransaction);
  // The held connection ends while the caller is between statements: node-postgres reports it as the client's
  // 'error' event, with no statement to fail — before the fix, that ended the bridge's thread.
  await server.query('SELECT pg_terminate_backend($1)', [pid]);
  await waitUntil(async () => (await server.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows.length === 0, 'the backend to end');

  t.throws(() => client.call({ op: 'query', text: 'INSERT INTO t VALUES (2)', values: [] }), { code: 'STORE_UNAVAILABLE' });
  t.false(client.inTransaction);
  t.throws(() => client.call({ op: 'end', text: 'COMMIT' }), { code: 'STORE_UNAVAILABLE' });

  // The thread lives on: once it has found the server again (it looks by itself), the next transaction commits.
  await waitUntil(() => answered(() => client.call({ op: 'begin', text: 'BEGIN' })), 'the bridge to find the server again');
  client.call({ op: 'query', text: 'INSERT INTO t VALUES (3)', values: [] });
  client.call({ op: 'end', text: 'COMMIT' });
  t.deepEqual(client.call({ op: 'query', text: 'SELECT n FROM t ORDER BY n', values: [] }).rows, [{ n: 3 }]);
});

run(`sync client: a statement sent without waiting that fails aborts its transaction, and COMMIT is refused with its error, nothing stored${note}`, async (t) => {
  const server = await cluster();
  const url = await server.createDatabase();
  const client = new SyncClient({ url });
  t.teardown(() => client.close());
  client.call({ op: 'open', migrate: true }, 120_000);
  client.call({ op: 'query', text: 'CREATE TABLE u (n int PRIMARY KEY)', values: [] });
  client.call({ op: 'query', text: 'INSERT INTO u VALUES (1)', values: [] });

  client.call({ op: 'begin', text: 'BEGIN' });
  client.call({ op: 'query', text: 'INSERT INTO u VALUES (2)', values: [] });
  // As PgConnection sends an UNANSWERED_MARK statement: nobody waits; this one breaks the primary key.
  client.post({ op: 'query', text: 'INSERT INTO u VALUES (1)', values: [] });
  // PostgreSQL would answer this COMMIT with ROLLBACK, not an error.
  // Refused with the failed statement's error (a unique violation is HANDLE_ALREADY_EXISTS in pg-errors.ts).
  t.throws(() => client.call({ op: 'end', text: 'COMMIT' }), { code: 'HANDLE_ALREADY_EXISTS' });
  t.false(client.inTransaction);
  t.deepEqual(client.call({ op: 'query', text: 'SELECT n FROM u ORDER BY n', values: [] }).rows, [{ n: 1 }]);

  // A failure taken back to its savepoint does not count: that COMMIT commits.
  client.call({ op: 'begin', text: 'BEGIN' });
  client.call({ op: 'query', text: 'SAVEPOINT s', values: [] });
  t.throws(() => client.call({ op: 'query', text: 'INSERT INTO u VALUES (1)', values: [] }));
  client.call({ op: 'query', text: 'ROLLBACK TO s', values: [] });
  client.call({ op: 'query', text: 'INSERT INTO u VALUES (3)', values: [] });
  client.call({ op: 'end', text: 'COMMIT' });
  t.deepEqual(client.call({ op: 'query', text: 'SELECT n FROM u ORDER BY n', values: [] }).rows, [{ n: 1 }, { n: 3 }]);
});
