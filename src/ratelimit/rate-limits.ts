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

/** A per-second budget checked per event-loop turn, or null when the limit is off (0). */
function turnBudget(perSecond: number, prefix: string, tableSize: number): TurnBudget | null {
  const per = limiter(perSecond, 1, prefix);
  return per === null ? null : new TurnBudget(per, perSecond, 1000, tableSize);
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

/** An X-Forwarded-For hop without the port some proxies add (`203.0.113.7:5123`, `[2001:db8::1]:5123`). */
function hopAddress(hop: string): string {
  if (hop.startsWith('[')) return hop.slice(1, hop.indexOf(']') >>> 0);
  const colon = hop.indexOf(':');
  return colon > 0 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}

function refusal(error: unknown): Refusal {
  if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
  throw error;
}

/**
 * One limiter's budget as seen between its flushes: points per bucket gathered during this event-loop turn (handed
 * to the limiter once per turn), and what the limiter said was left in each bucket's window at the last flush, so a
 * turn that overdraws a bucket (a burst of pipelined requests parsed together) is refused at once, not a turn later.
 * Fixed tables, no allocation per request.
 */
class TurnBudget {
  private readonly points: Uint32Array;
  private readonly active: Int32Array;
  private activeCount = 0;
  /** Points left in the bucket's current window at the last flush; the full budget until a flush says otherwise. */
  private readonly left: Float64Array;
  /** When that window ends (ms since the epoch); 0 while unknown. */
  private readonly windowEnds: Float64Array;

  constructor(
    readonly limiter: RateLimiterMemory,
    private readonly budget: number,
    private readonly windowMs: number,
    tableSize: number,
  ) {
    this.points = new Uint32Array(tableSize);
    this.active = new Int32Array(tableSize);
    this.left = new Float64Array(tableSize).fill(budget);
    this.windowEnds = new Float64Array(tableSize);
  }

  /** True while one more point fits the bucket's budget this turn. */
  fits(index: number): boolean {
    const used = (this.points[index] ?? 0) + 1;
    if (used <= (this.left[index] ?? 0)) return true;
    // Only on the rare overdraw path: the window the limiter reported may have ended since.
    if ((this.windowEnds[index] ?? 0) > Date.now()) return false;
    this.left[index] = this.budget;
    this.windowEnds[index] = 0;
    return used <= this.budget;
  }

  /** When a bucket that no longer fits may try again (ms since the epoch). */
  refusedUntil(index: number): number {
    const end = this.windowEnds[index] ?? 0;
    return end > Date.now() ? end : Date.now() + this.windowMs;
  }

  add(index: number): void {
    if ((this.points[index] = (this.points[index] ?? 0) + 1) === 1) this.active[this.activeCount++] = index;
  }

  /** Hands each active bucket's points to the limiter (one call per bucket and turn); `refuse` hears of overdraws. */
  flush(refuse: (index: number, result: unknown) => void): void {
    for (let k = 0; k < this.activeCount; k += 1) {
      const index = this.active[k] ?? 0;
      const points = this.points[index] ?? 0;
      this.points[index] = 0;
      this.limiter.consume(String(index), points).then(
        (result) => this.remember(index, result),
        (result: unknown) => {
          if (result instanceof RateLimiterRes) this.remember(index, result);
          refuse(index, result);
        },
      );
    }
    this.activeCount = 0;
  }

  private remember(index: number, result: RateLimiterRes): void {
    this.left[index] = Math.max(0, result.remainingPoints);
    this.windowEnds[index] = Date.now() + result.msBeforeNext;
  }
}

export class RateLimits {
  /** Per client network: every request, and the tighter budget of not-found and error answers. */
  private readonly requests: TurnBudget | null;
  private readonly errors: TurnBudget | null;
  private readonly perIdentity: RateLimiterMemory | null;
  private readonly failedLogins: RateLimiterMemory | null;
  private readonly proxies = new BlockList();
  private readonly socketBuckets = new WeakMap<object, number>();
  /** Per client-network bucket: until when (ms since the epoch) it is refused; a fixed table, like the buckets. */
  private readonly refusedUntil: Float64Array;
  private flushScheduled = false;
  private readonly anyProxy: boolean;

  constructor(private readonly options: RateLimitOptions) {
    this.refusedUntil = new Float64Array(options.tableSize);
    this.requests = turnBudget(options.perClientPerSecond, 'client', options.tableSize);
    this.errors = turnBudget(options.errorsPerClientPerSecond, 'errors', options.tableSize);
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

  /** The bucket of a client address seen directly (no proxy header to read): its network's. */
  bucketOfAddress(address: string): number {
    return bucketOf(clientNetwork(address), this.options.tableSize);
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
      const hop = hopAddress(hops[i] ?? '');
      if (isIP(hop) === 0) break;
      address = hop;
      if (!this.trusted(hop)) break;
    }
    return bucketOf(clientNetwork(address), this.options.tableSize);
  }

  /**
   * Counts one request of a client and answers at once: the retry delay (seconds) while the client network is
   * refused, else null. Synchronous, so the hot path never waits on a promise: requests are tallied per bucket in a
   * fixed table and handed to the limiter once per event-loop turn; between flushes the tally is checked against
   * what the limiter last said was left, so even a burst parsed in one turn (pipelining) stops at the budget.
   */
  admitRequest(index: number): Refusal {
    const until = this.refusedUntil[index] ?? 0;
    if (until > 0) {
      const left = until - Date.now();
      if (left > 0) return Math.max(1, Math.ceil(left / 1000));
      this.refusedUntil[index] = 0;
    }
    const requests = this.requests;
    if (requests === null) return null;
    if (!requests.fits(index)) return this.refuseUntil(index, requests.refusedUntil(index));
    requests.add(index);
    this.scheduleFlush();
    return null;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTally);
  }

  /** Hands this turn's tallies to the limiters: one call per active bucket and turn, not one promise per request. */
  private readonly flushTally = (): void => {
    this.flushScheduled = false;
    this.requests?.flush(this.refuse);
    this.errors?.flush(this.refuse);
  };

  /** Charges a not-found or error answer to the client's tighter error budget; overdrawing it refuses the network. */
  chargeError(bucket: number): void {
    const errors = this.errors;
    if (errors === null) return;
    if (!errors.fits(bucket)) this.refuseUntil(bucket, errors.refusedUntil(bucket));
    errors.add(bucket);
    this.scheduleFlush();
  }

  private readonly refuse = (index: number, result: unknown): void => {
    if (result instanceof RateLimiterRes) this.refuseUntil(index, Date.now() + Math.max(1, result.msBeforeNext));
  };

  /** Refuses a client network until `until` (ms since the epoch) and answers the retry delay in seconds. */
  private refuseUntil(index: number, until: number): number {
    this.refusedUntil[index] = Math.max(this.refusedUntil[index] ?? 0, until);
    return Math.max(1, Math.ceil(((this.refusedUntil[index] ?? 0) - Date.now()) / 1000));
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
