// The PostgreSQL pass of the suite (run-on-postgres.ts): when TEST_PG_PASS_URL names a cluster, every node a test
// starts on a store file gets its own PostgreSQL database instead (a copy of the migrated template), so the same tests
// run on both engines.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { POSTGRES_BIN } from './postgres-server.js';

/** The cluster of the PostgreSQL pass (its `postgres` database, as the superuser), or undefined on the SQLite pass. */
export const PASS_URL = process.env.TEST_PG_PASS_URL;
/** The migrated database each test's database copies. */
const TEMPLATE = process.env.TEST_PG_PASS_TEMPLATE ?? 'idnode_template';

/** True on the PostgreSQL pass. */
export const onPostgres = PASS_URL !== undefined && PASS_URL !== '';

const databases = new Map<string, string>();
let created = 0;

/**
 * On the PostgreSQL pass, the IDNODE_* variables that put the store of `dbPath` on PostgreSQL: one database per store
 * file (the same file again → the same database, as a test that reopens its store expects), made with `createdb` so
 * that the synchronous helpers of child processes (serve-process.ts) can use it too. `{}` on the SQLite pass, for
 * `:memory:`, and when the test chose its engine itself.
 */
export function postgresEnv(dbPath: string, env: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  if (!onPostgres || dbPath === ':memory:' || env.IDNODE_STORE !== undefined) return {};
  let url = databases.get(dbPath);
  if (url === undefined) {
    created += 1;
    const name = `t${process.pid}_${created}`;
    const cluster = new URL(PASS_URL ?? '');
    const bin = POSTGRES_BIN ?? '';
    const result = spawnSync(join(bin, 'createdb'), ['-h', cluster.hostname, '-p', cluster.port, '-U', 'postgres', '-T', TEMPLATE, name], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`createdb ${name} failed: ${result.stderr}`);
    cluster.pathname = `/${name}`;
    url = cluster.toString();
    databases.set(dbPath, url);
  }
  return { IDNODE_STORE: 'postgres', IDNODE_PG_URL: url };
}

/** The PostgreSQL database a node was given for the store of `dbPath` (postgresEnv), or undefined: its store is that SQLite file. */
export function postgresUrlOf(dbPath: string): string | undefined {
  return databases.get(dbPath);
}
