// Throwaway PostgreSQL clusters for the tests and the PostgreSQL pass of the suite: initdb into a temp folder, a free
// loopback port, a fresh database per test. No ava here: scripts start clusters too (test/support/run-on-postgres.ts).

import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The folder of initdb, pg_ctl and postgres: `pg_config --bindir`, else the newest /usr/lib/postgresql/<n>/bin; null when absent. */
export function postgresBinDir(): string | null {
  const probe = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromConfig = probe.status === 0 ? probe.stdout.trim() : '';
  if (fromConfig !== '' && existsSync(join(fromConfig, 'initdb'))) return fromConfig;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  return null;
}

export const POSTGRES_BIN = postgresBinDir();

/** Whether the server processes run as the `postgres` user: PostgreSQL refuses to run as root. */
const AS_POSTGRES = process.getuid?.() === 0;

function command(bin: string, args: readonly string[]): [string, string[]] {
  if (POSTGRES_BIN === null) throw new Error('PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)');
  const path = join(POSTGRES_BIN, bin);
  return AS_POSTGRES ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
}

/** Runs a PostgreSQL program to its end; throws with its output when it fails. */
export function runPostgresProgram(bin: string, args: readonly string[]): string {
  const [file, argv] = command(bin, args);
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${result.status ?? result.signal}): ${output}${result.error?.message ?? ''}`);
  return output;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Stops the server and removes the folder when the process that started it is gone without stopping it (a test worker
 * killed by a timeout): a detached shell that waits for our pid, then sends the postmaster SIGQUIT (immediate stop) and
 * SIGCONT (a test may have frozen it).
 */
function startWatchdog(dir: string, data: string): number | undefined {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'pid=$(head -n 1 "$2/postmaster.pid" 2>/dev/null) && kill -QUIT "$pid" 2>/dev/null && kill -CONT "$pid" 2>/dev/null; ' +
    'while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; rm -rf "$3"';
  const child = spawn('sh', ['-c', script, 'idnode-pg-watchdog', String(process.pid), data, dir], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

/** A new temp folder for a cluster (owned by `postgres` when this process is root), with its watchdog. */
export function clusterDir(): { dir: string; data: string; watchdog: number | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-pg-'));
  const data = join(dir, 'data');
  if (AS_POSTGRES) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  return { dir, data, watchdog: startWatchdog(dir, data) };
}

/** Removes a cluster folder that never got a running server, and throws why. */
export function abandon(dir: string, watchdog: number | undefined, error: unknown): never {
  if (watchdog !== undefined) process.kill(watchdog, 'SIGKILL');
  const log = readLog(dir);
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`cannot start a PostgreSQL cluster: ${(error as Error).message}\n${log}`);
}

export interface ClusterOptions {
  /** Lines added to postgresql.conf (e.g. replication settings), as `name = value`. */
  readonly settings?: Readonly<Record<string, string>>;
}

export class PostgresCluster {
  private admin: pg.Client | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private databases = 0;
  private stopped = false;

  private constructor(
    /** The temp folder: data directory, socket and log. */
    readonly dir: string,
    readonly data: string,
    readonly port: number,
    private readonly watchdog: number | undefined,
  ) {}

  /**
   * initdb (as `postgres` when this process is root) into a new temp folder and start the server on a free port of
   * 127.0.0.1, fsync and synchronous_commit on. The default collation is ICU's English on purpose: text sorts
   * linguistically unless a column says COLLATE "C", so a query whose order differs from SQLite's fails the tests here.
   */
  static async start(options: ClusterOptions = {}): Promise<PostgresCluster> {
    const { dir, data, watchdog } = clusterDir();
    try {
      // --no-sync only skips syncing initdb's own files (the folder is thrown away); the server runs with fsync on.
      runPostgresProgram('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions', '--locale-provider=icu', '--icu-locale=en-US', '--locale=C.UTF-8']);
    } catch (error) {
      abandon(dir, watchdog, error);
    }
    return PostgresCluster.launch(dir, data, watchdog, options);
  }

  /**
   * Starts the server of the data directory `data` (made by initdb or pg_basebackup) in `dir` on a free port of 127.0.0.1,
   * the settings appended to postgresql.conf after any already there (the last one wins). On failure removes `dir`.
   */
  static async launch(dir: string, data: string, watchdog: number | undefined, options: ClusterOptions = {}): Promise<PostgresCluster> {
    try {
      for (let attempt = 1; ; attempt += 1) {
        const port = await freePort();
        const settings: Record<string, string> = {
          listen_addresses: "'127.0.0.1'",
          port: String(port),
          unix_socket_directories: `'${dir}'`,
          fsync: 'on',
          synchronous_commit: 'on',
          shared_buffers: '16MB',
          max_connections: '100',
          ...options.settings,
        };
        appendFileSync(join(data, 'postgresql.conf'), `\n# test/support/postgres-cluster.ts\n${Object.entries(settings).map(([name, value]) => `${name} = ${value}`).join('\n')}\n`);
        try {
          runPostgresProgram('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log')]);
          return new PostgresCluster(dir, data, port, watchdog);
        } catch (error) {
          // Another process may have taken the port between the probe and the start: try another (the last setting wins).
          if (attempt >= 3 || !readLog(dir).includes('could not bind')) throw error;
        }
      }
    } catch (error) {
      return abandon(dir, watchdog, error);
    }
  }

  /** A connection URL for `database` on this cluster (trust authentication, loopback only). */
  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Runs SQL as the superuser on the `postgres` database: one connection, statements one after another in call order. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const result = this.queue.then(async () => {
      if (this.admin === null) {
        const admin = new pg.Client({ connectionString: this.url() });
        // A killed server (postgres-replication.ts) ends the connection: the next query opens another.
        admin.on('error', () => {
          if (this.admin === admin) this.admin = null;
        });
        this.admin = admin;
        await admin.connect();
      }
      return this.admin.query<R>(sql, values);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Creates a new, empty database (or a copy of `template`, which must have no connections) and returns its URL. */
  async createDatabase(template = 'template0'): Promise<string> {
    this.databases += 1;
    const name = `test_${this.databases}`;
    await this.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    return this.url(name);
  }

  /** The server's log so far (for a failing test's message). */
  log(): string {
    return readLog(this.dir);
  }

  /** Stops the server at once (`pg_ctl stop -m immediate`) and removes the folder. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.admin?.end().catch(() => undefined);
    try {
      // A server killed by the test (postgres-replication.ts) has nothing to stop.
      if (existsSync(join(this.data, 'postmaster.pid')) && postmasterAlive(this.data)) runPostgresProgram('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', this.data]);
    } finally {
      if (this.watchdog !== undefined) {
        try {
          process.kill(this.watchdog, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** The postmaster's pid from `data`/postmaster.pid, or undefined when there is none. */
export function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the postmaster of `data` is running (a zombie left by SIGKILL is not). */
function postmasterAlive(data: string): boolean {
  const pid = postmasterPid(data);
  if (pid === undefined) return false;
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8').slice(-8192);
  } catch {
    return '';
  }
}

