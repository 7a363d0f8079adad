// The PostgreSQL pass of the suite (run-on-postgres.ts): when IDNODE_TEST_PG_URL names a cluster, every node a test
// starts on a store file gets its own PostgreSQL database instead (a copy of the migrated template), so the same tests
// run on both engines.

import pg from 'pg';

/** The cluster of the PostgreSQL pass (its `postgres` database, as the superuser), or undefined on the SQLite pass. */
export const PASS_URL = process.env.IDNODE_TEST_PG_URL;
/** The migrated database each test's database copies. */
const TEMPLATE = process.env.IDNODE_TEST_PG_TEMPLATE ?? 'idnode_template';

/** True on the PostgreSQL pass. */
export const onPostgres = PASS_URL !== undefined && PASS_URL !== '';

const databases = new Map<string, Promise<string>>();
let created = 0;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PASS_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(PASS_URL ?? '');
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * On the PostgreSQL pass, the IDNODE_* variables that put the store of `dbPath` on PostgreSQL: one database per store
 * file (the same file again → the same database, as a test that reopens its store expects). `{}` on the SQLite pass,
 * for `:memory:`, and when the test chose its engine itself.
 */
export async function postgresEnv(dbPath: string, env: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  if (!onPostgres || dbPath === ':memory:' || env.IDNODE_STORE !== undefined) return {};
  let url = databases.get(dbPath);
  if (url === undefined) {
    created += 1;
    const name = `t${process.pid}_${created}`;
    url = admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE}"`)).then(() => databaseUrl(name));
    databases.set(dbPath, url);
  }
  return { IDNODE_STORE: 'postgres', IDNODE_PG_URL: await url };
}
