// The throwaway PostgreSQL cluster of the tests: durable settings, loopback only, its own folder, gone after stop.

import { existsSync, statSync } from 'node:fs';
import pg from 'pg';
import { PostgresCluster, postgresTest } from '../../support/postgres-cluster.js';

const { run, note } = postgresTest;

run(`postgres cluster: starts on 127.0.0.1 with fsync and synchronous_commit on, as an unprivileged user, and stop removes it${note}`, async (t) => {
  const cluster = await PostgresCluster.start();
  t.teardown(() => cluster.stop());
  const settings = await cluster.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'listen_addresses', 'port') ORDER BY name",
  );
  t.deepEqual(settings.rows, [
    { name: 'fsync', setting: 'on' },
    { name: 'listen_addresses', setting: '127.0.0.1' },
    { name: 'port', setting: String(cluster.port) },
    { name: 'synchronous_commit', setting: 'on' },
  ]);
  // PostgreSQL refuses to run as root: the folder belongs to the user the server runs as.
  const owner = statSync(cluster.data).uid;
  if (process.getuid?.() === 0) t.not(owner, 0);
  else t.is(owner, process.getuid?.() ?? owner);

  const url = await cluster.createDatabase();
  t.regex(url, new RegExp(`^postgresql://postgres@127\\.0\\.0\\.1:${cluster.port}/test_\\d+$`));
  const listed = await cluster.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [url.slice(url.lastIndexOf('/') + 1)]);
  t.is(listed.rows.length, 1);

  await cluster.stop();
  t.false(existsSync(cluster.dir));
  // Nothing listens on its port any more.
  const client = new pg.Client({ connectionString: url });
  await t.throwsAsync(client.connect(), { code: 'ECONNREFUSED' });
});
