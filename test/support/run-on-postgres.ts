// The PostgreSQL pass: starts a throwaway cluster, migrates a template database, runs ava on the given test files (all
// of them by default) with every node's store on PostgreSQL (on-postgres.ts), stops the cluster, exits as ava did.
//   node dist/test/support/run-on-postgres.js [ava arguments…]

import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { migratePostgres } from '../../src/store/postgres/migrations.js';
import { POSTGRES_BIN, PostgresCluster } from './postgres-server.js';

if (POSTGRES_BIN === null) {
  process.stderr.write('run-on-postgres: PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)\n');
  process.exit(process.env.CI === 'true' ? 1 : 0);
}
const cluster = await PostgresCluster.start({ settings: { max_connections: '400' } });
let status = 1;
try {
  await cluster.query('CREATE DATABASE idnode_template');
  const pool = new pg.Pool({ connectionString: cluster.url('idnode_template'), max: 1 });
  await migratePostgres(pool);
  await pool.end();
  const ava = spawnSync('npx', ['ava', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TEST_PG_PASS_URL: cluster.url(), TEST_PG_PASS_TEMPLATE: 'idnode_template' },
  });
  status = ava.status ?? 1;
} finally {
  await cluster.stop();
}
process.exit(status);
