// Rate limits (rate-limiter-flexible): per client network, per identity, a tighter budget for errors, failed logins.

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitOptions {
  readonly perClientPerSecond: number;
  readonly errorsPerClientPerSecond: number;
  readonly perIdentityPerSecond: number;
  readonly failedLoginsPerMinute: number;
  /** Buckets per limiter; keys are hashed into them so memory stays fixed whatever the number of clients. */
  readonly tableSize: number;
  readonly trustedProxies: readonly string[];
}

/** How long to wait before retrying, in whole seconds (≥ 1), when a limit refuses. */
export type Refusal = number | null;

function limiter(points: number, durationSeconds: number, prefix: string): RateLimiterMemory | null {
  return points > 0 ? new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix: prefix }) : null;
}

// FNV-1a: a cheap, well-spread hash for bucketing.
function bucketOf(text: string, size: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % size;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  return [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
}

/** The network a client address belongs to: its /24 for IPv4 (also IPv4-mapped IPv6), its /64 for IPv6. */
export function clientNetwork(address: string): string {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(plain) === 4) return `${plain.slice(0, plain.lastIndexOf('.'))}.0/24`;
  if (isIP(plain) === 6) return `${expandIPv6(plain.split('%')[0] ?? plain).slice(0, 4).map((h) => h.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
  return address;
}

function refusal(error: unknown): Refusal {
  if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
  throw error;
}

/** Points per bucket gathered during one event-loop turn, and which buckets have any (fixed tables, no allocation). */
class TurnTally {
  private readonly points: Uint32Array;
  private readonly active: Int32Array;
  private activeCount = 0;

  constructor(tableSize: number) {
    this.points = new Uint32Array(tableSize);
    this.active = new Int32Array(tableSize);
  }

  add(index: number): void {
    if ((this.points[index] = (this.points[index] ?? 0) + 1) === 1) this.active[this.activeCount++] = index;
  }

  /** Calls `spend(bucket, points)` once per active bucket and empties the tally. */
  drain(spend: (index: number, points: number) => void): void {
    for (let k = 0; k < this.activeCount; k += 1) {
      const index = this.active[k] ?? 0;
      const points = this.points[index] ?? 0;
      this.points[index] = 0;
      spend(index, points);
    }
    this.activeCount = 0;
  }
}

export class RateLimits {
  private readonly perClient: RateLimiterMemory | null;
  private readonly errors: RateLimiterMemory | null;
  private readonly perIdentity: RateLimiterMemory | null;
  private readonly failedLogins: RateLimiterMemory | null;
  private readonly proxies = new BlockList();
  private readonly socketBuckets = new WeakMap<object, number>();
  /** Per client-network bucket: until when (ms since the epoch) it is refused; a fixed table, like the buckets. */
  private readonly refusedUntil: Float64Array;
  /** Requests and error answers per bucket not yet handed to their limiters. */
  private readonly requestTally: TurnTally;
  private readonly errorTally: TurnTally;
  private flushScheduled = false;
  private readonly anyProxy: boolean;

  constructor(private readonly options: RateLimitOptions) {
    this.refusedUntil = new Float64Array(options.tableSize);
    this.requestTally = new TurnTally(options.tableSize);
    this.errorTally = new TurnTally(options.tableSize);
    this.perClient = limiter(options.perClientPerSecond, 1, 'client');
    this.errors = limiter(options.errorsPerClientPerSecond, 1, 'errors');
    this.perIdentity = limiter(options.perIdentityPerSecond, 1, 'identity');
    this.failedLogins = limiter(options.failedLoginsPerMinute, 60, 'login');
    for (const entry of options.trustedProxies) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.proxies.addAddress(address, family);
      else this.proxies.addSubnet(address, Number(bits), family);
    }
    this.anyProxy = options.trustedProxies.length > 0;
  }

  private trusted(address: string): boolean {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    return this.anyProxy && isIP(plain) !== 0 && this.proxies.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The bucket of the client behind a request. Only a trusted proxy's X-Forwarded-For is read, from the right,
   * skipping trusted proxies; a client cannot pick its own bucket by forging the header.
   */
  clientBucket(req: IncomingMessage): number {
    // A connection's peer never changes: remember its bucket (not behind a proxy, whose header varies per request).
    const known = this.socketBuckets.get(req.socket);
    if (known !== undefined) return known;
    let address = req.socket.remoteAddress ?? '';
    if (!this.trusted(address)) {
      const bucket = bucketOf(clientNetwork(address), this.options.tableSize);
      this.socketBuckets.set(req.socket, bucket);
      return bucket;
    }
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => hop.trim());
    for (let i = hops.length - 1; i >= 0; i -= 1) {
      const hop = hops[i] ?? '';
      if (isIP(hop) === 0) break;
      address = hop;
      if (!this.trusted(hop)) break;
    }
    return bucketOf(clientNetwork(address), this.options.tableSize);
  }

  /**
   * Counts one request of a client and answers at once: the retry delay (seconds) while the client network is
   * refused, else null. Synchronous, so the hot path never waits on a promise: requests are tallied per bucket in a
   * fixed table and handed to the limiter once per event-loop turn, and its verdicts land in a fixed table of
   * refusal deadlines. The turn that spends a budget is still admitted; the following requests are refused.
   */
  admitRequest(index: number): Refusal {
    const until = this.refusedUntil[index] ?? 0;
    if (until > 0) {
      const left = until - Date.now();
      if (left > 0) return Math.max(1, Math.ceil(left / 1000));
      this.refusedUntil[index] = 0;
    }
    if (this.perClient !== null) {
      this.requestTally.add(index);
      this.scheduleFlush();
    }
    return null;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTally);
  }

  /**
   * Hands each bucket's tallies of this turn to the per-client and error limiters: one call per active bucket and
   * turn, not one promise per request.
   */
  private readonly flushTally = (): void => {
    this.flushScheduled = false;
    const { perClient, errors } = this;
    if (perClient !== null) this.requestTally.drain((index, points) => this.spend(perClient, index, points));
    if (errors !== null) this.errorTally.drain((index, points) => this.spend(errors, index, points));
  };

  private spend(limiter: RateLimiterMemory, index: number, points: number): void {
    limiter.consume(String(index), points).catch((result: unknown) => this.refuse(index, result));
  }

  /** Charges a not-found or error answer to the client's tighter error budget; spending it refuses the network. */
  chargeError(bucket: number): void {
    if (this.errors === null) return;
    this.errorTally.add(bucket);
    this.scheduleFlush();
  }

  private refuse(index: number, result: unknown): void {
    if (!(result instanceof RateLimiterRes)) return;
    this.refusedUntil[index] = Math.max(this.refusedUntil[index] ?? 0, Date.now() + Math.max(1, result.msBeforeNext));
  }

  /** Counts one request of an authenticated identity (canonical `index:handle`). */
  async admitIdentity(identityKey: string): Promise<Refusal> {
    if (this.perIdentity === null) return null;
    return this.perIdentity.consume(bucketOf(identityKey, this.options.tableSize)).then(() => null, refusal);
  }

  /** Refuses a login attempt while the client network or the identity has too many recent failures. */
  async admitLogin(bucket: number, identityKey: string): Promise<Refusal> {
    if (this.failedLogins === null) return null;
    for (const key of [`c${bucket}`, `i${bucketOf(identityKey, this.options.tableSize)}`]) {
      const spent = await this.failedLogins.get(key);
      if (spent !== null && spent.consumedPoints >= this.options.failedLoginsPerMinute) return Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
    }
    return null;
  }

  /** Records a failed login against the client network and the identity. */
  chargeFailedLogin(bucket: number, identityKey: string): void {
    if (this.failedLogins === null) return;
    this.failedLogins.consume(`c${bucket}`).catch(() => undefined);
    this.failedLogins.consume(`i${bucketOf(identityKey, this.options.tableSize)}`).catch(() => undefined);
  }
}
