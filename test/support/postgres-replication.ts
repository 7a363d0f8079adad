// A throwaway primary with a synchronous standby for the failover tests: pg_basebackup -R, SIGKILL, pg_ctl promote.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IdnodeError } from '../../src/errors.js';
import type { PostgresRegistry } from '../../src/store/postgres/postgres-registry.js';
import { abandon, clusterDir, PostgresCluster, postmasterPid, runPostgresProgram } from './postgres-cluster.js';

/** The standby's name: its application_name, the primary's synchronous_standby_names and its replication slot. */
export const STANDBY_NAME = 'idnode_standby';

/**
 * Two clusters on 127.0.0.1, each in its own temp folder on its own free port: a primary (wal_level replica) that waits
 * for STANDBY_NAME's flush before acknowledging any commit (synchronous_standby_names, synchronous_commit on), and that
 * standby, made with `pg_basebackup -R` through a replication slot and streaming from it. The standby itself names no
 * synchronous standby, so once promoted it commits alone (as Patroni's non-strict synchronous mode does).
 */
export class ReplicatedPair {
  private frozen = false;

  private constructor(
    readonly primary: PostgresCluster,
    readonly standby: PostgresCluster,
  ) {}

  static async start(): Promise<ReplicatedPair> {
    const primary = await PostgresCluster.start({
      settings: { wal_level: 'replica', max_wal_senders: '4', max_replication_slots: '4', synchronous_standby_names: `'${STANDBY_NAME}'` },
    });
    const { dir, data, watchdog } = clusterDir();
    try {
      const source = `host=127.0.0.1 port=${primary.port} user=postgres application_name=${STANDBY_NAME}`;
      runPostgresProgram('pg_basebackup', ['-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync', '-C', '-S', STANDBY_NAME, '-d', source]);
    } catch (error) {
      await primary.stop();
      abandon(dir, watchdog, error);
    }
    try {
      const standby = await PostgresCluster.launch(dir, data, watchdog, { settings: { synchronous_standby_names: "''", hot_standby: 'on' } });
      return new ReplicatedPair(primary, standby);
    } catch (error) {
      await primary.stop();
      throw error;
    }
  }

  /** The two members as one URL with a host list, as IDNODE_PG_URL takes them (the primary first). */
  hostListUrl(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.primary.port},127.0.0.1:${this.standby.port}/${encodeURIComponent(database)}`;
  }

  /**
   * Kills every process of the primary with SIGKILL — postmaster, backends, WAL sender — as a lost machine would, and
   * resolves once none of them runs. Nothing gets to finish: a commit not yet acknowledged never will be.
   */
  async killPrimary(): Promise<void> {
    const postmaster = postmasterPid(this.primary.data);
    if (postmaster === undefined) throw new Error('the primary has no postmaster.pid');
    // Stopped first, so it forks no backend between listing its children and killing them.
    process.kill(postmaster, 'SIGSTOP');
    const pids = [postmaster, ...childrenOf(postmaster)];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await waitUntil(() => pids.every((pid) => !running(pid)), 'the killed primary’s processes to end');
    this.frozen = false;
    // Its stale pid must never lead a later stop (or the watchdog) to signal whatever process gets that pid next.
    rmSync(join(this.primary.data, 'postmaster.pid'), { force: true });
  }

  /**
   * Stops every process of the primary with SIGSTOP: its sockets stay open and nothing answers, as when its machine
   * vanished from the network. `stop()` kills it afterwards.
   */
  freezePrimary(): void {
    const postmaster = postmasterPid(this.primary.data);
    if (postmaster === undefined) throw new Error('the primary has no postmaster.pid');
    process.kill(postmaster, 'SIGSTOP');
    for (const pid of childrenOf(postmaster)) process.kill(pid, 'SIGSTOP');
    this.frozen = true;
  }

  /**
   * Stops (SIGSTOP) the primary's WAL sender: from now on nothing reaches the standby. A commit waiting for the
   * synchronous standby waits on; a commit that does not wait is acknowledged with the standby behind.
   */
  async pauseShipping(): Promise<void> {
    const senders = await this.primary.query<{ pid: number }>('SELECT pid FROM pg_stat_replication WHERE application_name = $1', [STANDBY_NAME]);
    const pid = senders.rows[0]?.pid;
    if (pid === undefined || senders.rows.length !== 1) throw new Error('the primary has no WAL sender for the standby');
    process.kill(pid, 'SIGSTOP');
    this.frozen = true;
  }

  /** `pg_ctl promote -w`: resolves once the standby has left recovery and takes writes. */
  promoteStandby(): void {
    runPostgresProgram('pg_ctl', ['promote', '-w', '-t', '60', '-D', this.standby.data]);
  }

  /** Stops both (a killed primary needs no stop, a frozen one is killed) and removes their folders. */
  async stop(): Promise<void> {
    // A frozen server would never handle pg_ctl's stop signal (nor close its sockets): kill it first.
    if (this.frozen) await this.killPrimary().catch(() => undefined);
    await Promise.allSettled([this.standby.stop(), this.primary.stop()]);
  }
}

/** The pids whose parent is `parent` (Linux /proc). */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses: read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(name));
    } catch {
      // Ended meanwhile.
    }
  }
  return children;
}

/** Whether `pid` runs (a zombie, dead but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Waits for a state the test cannot be told of (processes ending, a server's view of its sessions), looking every
 * 10 ms, 10 s at most.
 */
export async function waitUntil(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i += 1) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * Runs `call` until it answers, as a client retries a 503: a STORE_UNAVAILABLE (a new primary still warming up on a
 * loaded machine) waits for the engine to have a member and tries again, 20 times at most; any other error fails.
 */
export async function retryUnavailable<T>(registry: PostgresRegistry, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof IdnodeError) || error.code !== 'STORE_UNAVAILABLE' || attempt >= 20) throw error;
      await registry.whenAvailable();
    }
  }
}
