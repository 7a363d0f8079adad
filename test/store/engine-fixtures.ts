// Both registry engines for the parameterised store tests: a fresh, migrated store per test on SQLite and PostgreSQL.

import { join } from 'node:path';
import test, { type ExecutionContext, type ImplementationFn } from 'ava';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { RegistryEngine } from '../../src/store/registry-engine.js';
import { SqliteRegistry } from '../../src/store/sqlite-registry.js';
import { PostgresRegistry } from '../../src/store/postgres/postgres-registry.js';
import { clusterForFile, postgresTest, type PostgresCluster } from '../support/postgres-cluster.js';
import { tempDir } from './temp-store.js';

export interface EngineOptions {
  /** Runs inside each write transaction just before COMMIT (SQLite: synchronously, not awaited). */
  readonly beforeCommit?: () => void | Promise<void>;
}

/** One store under test: the engine, more instances over the same store, and plain SQL on it for checks. */
export interface EngineUnderTest {
  readonly engine: RegistryEngine;
  /** Another engine instance over the same store (another process, as far as coherence goes); closed in teardown. */
  another(options?: EngineOptions): Promise<RegistryEngine>;
  /** Runs SQL without parameters that both engines understand (a check's read, a setting's write); returns the rows. */
  sql(text: string): Promise<Record<string, unknown>[]>;
}

export interface EngineFixture {
  readonly name: 'sqlite' | 'postgres';
  /** `test`, or `test.skip` with the reason in the title when the engine's server is not installed (never under CI). */
  readonly run: (title: string, fn: ImplementationFn<[]>) => void;
  /** A fresh, empty, migrated store; everything it opens is closed when the test ends. */
  open(t: ExecutionContext, options?: EngineOptions): Promise<EngineUnderTest>;
}

/** How long an idle SQLite instance waits between looks at the change log (another instance's commits). */
const FEED_POLL_MS = 5;

const sqlite: EngineFixture = {
  name: 'sqlite',
  run: (title, fn) => test(title, fn),
  async open(t, options = {}) {
    const path = join(tempDir(t), 'idnode.db');
    const openOne = (opts: EngineOptions): SqliteRegistry => {
      const hook = opts.beforeCommit;
      const registry = SqliteRegistry.open(path, { busyTimeoutMs: 1000, feedPollMs: FEED_POLL_MS, ...(hook === undefined ? {} : { beforeCommit: () => void hook() }) });
      t.teardown(() => registry.close());
      return registry;
    };
    const engine = openOne(options);
    const db = new Database(path);
    t.teardown(() => db.close());
    return {
      engine,
      another: async (opts = {}) => openOne(opts),
      sql: async (text) => {
        const statement = db.prepare(text);
        if (statement.reader) return statement.all() as Record<string, unknown>[];
        statement.run();
        return [];
      },
    };
  },
};

const cluster = clusterForFile();
let template: Promise<string> | undefined;

/** A database with every migration applied and no connections: each test's database is a copy of it (fast). */
function migratedTemplate(server: PostgresCluster): Promise<string> {
  template ??= (async () => {
    const url = await server.createDatabase();
    const registry = await PostgresRegistry.open({ url, poolSize: 1 });
    await registry.close();
    return decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
  })();
  return template;
}

const postgres: EngineFixture = {
  name: 'postgres',
  run: (title, fn) => postgresTest.run(`${title}${postgresTest.note}`, fn),
  async open(t, options = {}) {
    const server = await cluster();
    const url = await server.createDatabase(await migratedTemplate(server));
    const openOne = async (opts: EngineOptions): Promise<PostgresRegistry> => {
      const hook = opts.beforeCommit;
      const registry = await PostgresRegistry.open({ url, poolSize: 4, listenRetryMinMs: 20, ...(hook === undefined ? {} : { beforeCommit: () => hook() }) });
      t.teardown(() => registry.close());
      return registry;
    };
    const engine = await openOne(options);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.teardown(() => client.end());
    return {
      engine,
      another: (opts = {}) => openOne(opts),
      sql: async (text) => (await client.query(text)).rows as Record<string, unknown>[],
    };
  },
};

/** The engines every parameterised test runs on. */
export const ENGINES: readonly EngineFixture[] = [sqlite, postgres];

/** The PostgreSQL cluster of this test file (started by the first test that asks), for PostgreSQL-only checks. */
export const postgresCluster = cluster;

/** Resolves with the first call of `listen`'s listener for which `accept` is true (a test's timeout bounds the wait). */
export function nextCommit(engine: RegistryEngine, accept: (keys: readonly string[] | null) => boolean = () => true): Promise<readonly string[] | null> {
  return new Promise((resolve) => {
    const stop = engine.onCommitted((keys) => {
      if (!accept(keys)) return;
      stop();
      resolve(keys);
    });
  });
}
