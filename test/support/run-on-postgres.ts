// The PostgreSQL pass: starts a throwaway cluster, migrates a template database, runs ava on the given test files (all
// of them by default) with every node's store on PostgreSQL (on-postgres.ts), stops the cluster, exits as ava did.
//   node dist/test/support/run-on-postgres.js [ava arguments…]   (npm run test:postgres: every test file)
//   node dist/test/support/run-on-postgres.js --core             (npm test: CORE below, 20 s)

import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { migratePostgres } from '../../src/store/postgres/migrations.js';
import { POSTGRES_BIN, PostgresCluster } from './postgres-server.js';

if (POSTGRES_BIN === null) {
  process.stderr.write('run-on-postgres: PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)\n');
  process.exit(process.env.CI === 'true' ? 1 : 0);
}
/**
 * What `npm test` runs on PostgreSQL, kept short (npm test stays under ten minutes): the Handle API, SNMS and the audit
 * log across them and the CLI. Everything else on PostgreSQL is `npm run test:postgres`.
 */
const CORE = [
  'dist/test/http/handles-delete.test.js',
  'dist/test/http/snms/identifiers.test.js',
  'dist/test/audit/audit-log.test.js',
];
const args = process.argv.slice(2);
// `--core` stands for CORE among any other files or ava arguments (ava itself would take it for an option of its own).
const files = args.includes('--core') ? [...CORE, ...args.filter((arg) => arg !== '--core')] : args;
const cluster = await PostgresCluster.start({ settings: { max_connections: '400' } });
let status = 1;
try {
  await cluster.query('CREATE DATABASE idnode_template');
  const pool = new pg.Pool({ connectionString: cluster.url('idnode_template'), max: 1 });
  await migratePostgres(pool);
  await pool.end();
  const ava = spawnSync('npx', ['ava', ...files], {
    stdio: 'inherit',
    env: { ...process.env, TEST_PG_PASS_URL: cluster.url(), TEST_PG_PASS_TEMPLATE: 'idnode_template' },
  });
  status = ava.status ?? 1;
} finally {
  await cluster.stop();
}
process.exit(status);
