// Which member of a PostgreSQL cluster takes writes: the candidate URLs, the one answering pg_is_in_recovery() = false,
// its bounded pool, and looking again (with backoff) after that member is lost, as a failover needs.

import pg from 'pg';
import { IdnodeError } from '../../errors.js';
import { translatePgError } from './pg-errors.js';
import { clientConfig, createPool, durabilityProblem, type PoolOptions } from './pool.js';

/** One candidate: the single-host URL node-postgres takes, and the client settings built from it. */
export interface Member {
  readonly url: string;
  readonly config: pg.ClientConfig;
}

/**
 * The candidate URLs of `url`: an array is taken as it is; a string may list hosts as libpq does,
 * `postgresql://user@host1:5432,host2:5433/db?…`, and becomes one URL per host with the same user, database and
 * parameters (node-postgres 8 takes one host per URL). A host without a port keeps the URL's default (5432).
 */
export function candidateUrls(url: string | readonly string[]): string[] {
  if (typeof url !== 'string') return [...url];
  const match = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/s.exec(url);
  if (match === null) return [url];
  const [, scheme, user = '', hosts = '', rest = ''] = match;
  // No host in the authority (`postgresql:///db?host=/run/postgresql`, a Unix socket): node-postgres reads it whole.
  if (!hosts.includes(',')) return [url];
  const list = hosts.split(',');
  if (list.some((host) => host === '')) throw new IdnodeError('INTERNAL', 'a PostgreSQL URL lists an empty host');
  return list.map((host) => `${scheme}${user}${host}${rest}`);
}

export interface LocatorOptions extends Omit<PoolOptions, 'url'> {
  /** First wait before looking again after a look found no writable member (ms), doubled up to `locateRetryMaxMs`. */
  readonly locateRetryMinMs?: number;
  readonly locateRetryMaxMs?: number;
}

/**
 * Holds the pool of the writable member. At start every candidate is asked `pg_is_in_recovery()` at once; the one
 * answering false gets the pool. When a call finds that member lost (`lost`), its pool is dropped and the candidates are
 * asked again — at once, then after locateRetryMinMs doubling to locateRetryMaxMs — until one answers writable. Until
 * then `pool()` throws STORE_UNAVAILABLE without waiting. Two members answering writable at once (an old primary back
 * beside the promoted one) is refused as no primary: writing to the wrong one would lose writes. So is a writable
 * member with fsync or synchronous_commit off: it could lose what it acknowledges.
 */
export class PrimaryLocator {
  readonly members: readonly Member[];
  private current: { member: Member; pool: pg.Pool } | null = null;
  private looking = false;
  private retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];
  /** Whether the last look failed only because a member could not be reached. */
  private unreachable = false;
  /** Why the last look found no writable member (for the STORE_UNAVAILABLE message). */
  private reason = 'no writable PostgreSQL member found yet';
  /** Times a writable member was found after one was lost. */
  failovers = 0;

  constructor(
    url: string | readonly string[],
    private readonly options: LocatorOptions = {},
  ) {
    const urls = candidateUrls(url);
    if (urls.length === 0) throw new IdnodeError('INTERNAL', 'no PostgreSQL URL given');
    this.members = urls.map((one) => ({ url: one, config: clientConfig({ ...options, url: one }) }));
    this.retryMs = options.locateRetryMinMs ?? 100;
  }

  /**
   * The first look. A member that could not be reached is asked twice more, 100 and 400 ms later (a server briefly out of
   * connection slots or still starting, as when many processes start together); a standby, two writable members or a
   * member that is not durable are refused at once. Rejects STORE_UNAVAILABLE when no candidate answers as the one
   * writable member.
   */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const found = await this.look();
      if (found !== null) {
        this.use(found);
        return;
      }
      if (!this.unreachable || attempt >= 2 || this.closed) throw new IdnodeError('STORE_UNAVAILABLE', this.reason);
      await new Promise((resolve) => setTimeout(resolve, 100 * 4 ** attempt));
    }
  }

  /** The writable member's pool; throws STORE_UNAVAILABLE (at once) while there is none. */
  pool(): pg.Pool {
    if (this.current === null) throw new IdnodeError('STORE_UNAVAILABLE', this.reason);
    return this.current.pool;
  }

  /** The writable member, or null while there is none. */
  member(): Member | null {
    return this.current?.member ?? null;
  }

  /** Resolves when a writable member is in use (at once if one is). */
  whenAvailable(): Promise<void> {
    if (this.current !== null || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Says a connection of `pool` (or of `member`) failed as a lost server does: if it is the one in use, drop it and look
   * again. A stale report (about a pool already replaced) changes nothing.
   */
  lost(which: pg.Pool | Member): void {
    const { current } = this;
    if (current === null || (current.pool !== which && current.member !== which)) return;
    this.current = null;
    this.reason = `lost the writable PostgreSQL member ${redact(current.member.url)}`;
    current.pool.end().catch(() => undefined);
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const waiter of this.waiters.splice(0)) waiter();
    const { current } = this;
    this.current = null;
    await current?.pool.end().catch(() => undefined);
  }

  private use(member: Member): void {
    this.current = { member, pool: createPool({ ...this.options, url: member.url }) };
    this.retryMs = this.options.locateRetryMinMs ?? 100;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.looking) return;
    this.looking = true;
    this.timer = setTimeout(() => {
      this.look().then((found) => {
        this.looking = false;
        if (this.closed) return;
        if (found !== null) {
          this.failovers += 1;
          this.use(found);
          return;
        }
        const wait = this.retryMs;
        this.retryMs = Math.min(this.retryMs * 2, this.options.locateRetryMaxMs ?? 2000);
        this.schedule(wait);
      }, () => undefined);
    }, delayMs);
    this.timer.unref();
  }

  /** Asks every candidate at once; the one writable member, or null (with `reason` said). */
  private async look(): Promise<Member | null> {
    const answers = await Promise.allSettled(this.members.map((member) => ask(member.config)));
    this.unreachable = false;
    const writable = this.members.filter((_, i) => {
      const answer = answers[i];
      return answer?.status === 'fulfilled' && !answer.value.recovery;
    });
    const only = writable[0];
    if (writable.length === 1 && only !== undefined) {
      const answer = answers[this.members.indexOf(only)];
      const problem = answer?.status === 'fulfilled' ? durabilityProblem(answer.value.fsync, answer.value.commit) : 'unknown';
      if (problem === undefined) return only;
      // A promoted member that could lose acknowledged commits is refused, as at open (pool.ts checkDurability).
      this.reason = `${problem} on ${redact(only.url)}`;
    } else if (writable.length > 1) {
      this.reason = `more than one PostgreSQL member takes writes (${writable.map((m) => redact(m.url)).join(', ')})`;
    } else {
      const standbys = answers.filter((answer) => answer.status === 'fulfilled').length;
      const failure = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
      const cause = (failure?.reason as IdnodeError | undefined)?.cause;
      const why = cause instanceof Error ? `: ${cause.message}` : '';
      this.unreachable = standbys < this.members.length;
      this.reason = `no writable PostgreSQL member among ${this.members.length} (${standbys} in recovery, ${this.members.length - standbys} unreachable${why})`;
    }
    return null;
  }
}

interface MemberAnswer {
  recovery: boolean;
  fsync: string;
  commit: string;
}

/** Whether the server behind `config` is in recovery (a standby), and its durability settings; rejects STORE_*. */
async function ask(config: pg.ClientConfig): Promise<MemberAnswer> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<MemberAnswer>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS commit",
    );
    const row = result.rows[0];
    if (row === undefined) throw new IdnodeError('STORE_UNAVAILABLE', 'no answer to pg_is_in_recovery()');
    return row;
  } catch (error) {
    throw translatePgError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}
