// The ava side of the throwaway PostgreSQL clusters (postgres-server.ts): tests that need PostgreSQL, one cluster per file.

import test, { type ImplementationFn } from 'ava';
import { POSTGRES_BIN, PostgresCluster, type ClusterOptions } from './postgres-server.js';

export * from './postgres-server.js';

/**
 * `test` when PostgreSQL is installed. Otherwise: under CI (CI=true, where .ci/run installs it) still `test`, so the run
 * fails on the missing server instead of passing without it; elsewhere `test.skip`, the reason in the title.
 */
export const postgresTest: { run: (title: string, fn: ImplementationFn<[]>) => void; note: string } =
  POSTGRES_BIN !== null || process.env.CI === 'true'
    ? { run: (title, fn) => test(title, fn), note: '' }
    : { run: (title, fn) => test.skip(title, fn), note: ' — SKIPPED: PostgreSQL is not installed here (apt-get install postgresql; .ci/run installs it)' };

/**
 * One cluster for a test file (ava runs each file in its own process), started by the first test that asks and stopped
 * after the file's last test. Each test then takes a fresh database from it.
 */
export function clusterForFile(options: ClusterOptions = {}): () => Promise<PostgresCluster> {
  let started: Promise<PostgresCluster> | undefined;
  test.after.always('stop the file’s PostgreSQL cluster', async () => {
    if (started !== undefined) await (await started.catch(() => undefined))?.stop();
  });
  return () => {
    started ??= PostgresCluster.start(options);
    return started;
  };
}

