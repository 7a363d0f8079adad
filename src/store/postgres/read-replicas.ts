// Read replicas (IDNODE_PG_READ_URLS) with read-your-writes: a read goes to a replica only when that replica has
// replayed everything this process committed or was told of (its horizon, a WAL position); otherwise to the primary.

import pg from 'pg';
import { clientConfig, type PoolOptions } from './pool.js';

/** A WAL position (`16/B374D848`) as a number that orders as the positions do. */
export function lsnValue(text: string | null | undefined): bigint | null {
  const match = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(text ?? '');
  if (match === null) return null;
  return (BigInt(`0x${match[1] ?? '0'}`) << 32n) + BigInt(`0x${match[2] ?? '0'}`);
}

interface Replica {
  readonly url: string;
  readonly pool: pg.Pool;
  /** What it has replayed, as of its last poll; null: unknown, unreachable, or not a standby. */
  replayed: bigint | null;
}

export interface ReplicaCounts {
  /** Reads served by a replica. */
  readonly replica: number;
  /** Reads eligible for a replica that went to the primary (no replica caught up, or it failed). */
  readonly primary: number;
}

/**
 * The horizon: at least the WAL position of every commit this process made or heard of. After such a commit it is
 * stale, and the next replica-eligible read first asks the primary `pg_current_wal_lsn()` (one round trip per burst of
 * commits, not per read). Each replica's `pg_last_wal_replay_lsn()` is polled every `pollMs`; a position read earlier
 * is never ahead of the real one, so a replica is taken only when it has surely replayed the horizon.
 */
export class ReadReplicas {
  private readonly replicas: Replica[];
  private horizon: bigint = 0n;
  private stale = true;
  private next = 0;
  /** The poll of the replicas' positions; none without replicas (every bridge thread has a ReadReplicas). */
  private readonly timer: NodeJS.Timeout | undefined;
  counts: ReplicaCounts = { replica: 0, primary: 0 };

  constructor(urls: readonly string[], options: Omit<PoolOptions, 'url'>, pollMs = 20) {
    this.replicas = urls.map((url) => {
      const pool = new pg.Pool({ ...clientConfig({ ...options, url }), max: 2, idleTimeoutMillis: 30_000 });
      pool.on('error', () => undefined);
      return { url, pool, replayed: null };
    });
    if (this.replicas.length === 0) return;
    this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer.unref();
    void this.poll();
  }

  get size(): number {
    return this.replicas.length;
  }

  /** A commit was made here or heard of: no replica is trusted past the horizon until it is read again. */
  noteCommits(): void {
    this.stale = true;
  }

  /** A replica that has replayed the horizon (in turn), or null: read the primary. */
  async pick(primary: pg.Pool): Promise<pg.Pool | null> {
    if (this.replicas.length === 0) return null;
    if (this.stale) {
      // Cleared before the question: a commit heard while it is asked marks it stale again.
      this.stale = false;
      try {
        const result = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        const position = lsnValue(result.rows[0]?.lsn);
        if (position !== null && position > this.horizon) this.horizon = position;
      } catch (error) {
        this.stale = true;
        throw error;
      }
    }
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const replica = this.replicas[(this.next + tried) % this.replicas.length];
      if (replica !== undefined && replica.replayed !== null && replica.replayed >= this.horizon) {
        this.next = (this.next + tried + 1) % this.replicas.length;
        return replica.pool;
      }
    }
    return null;
  }

  /** A replica read failed: that replica is not used again until a poll reaches it. */
  failed(pool: pg.Pool): void {
    const replica = this.replicas.find((one) => one.pool === pool);
    if (replica !== undefined) replica.replayed = null;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.replicas.map((replica) => replica.pool.end().catch(() => undefined)));
  }

  private async poll(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const result = await replica.pool.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
          replica.replayed = lsnValue(result.rows[0]?.lsn);
        } catch {
          replica.replayed = null;
        }
      }),
    );
  }
}
