// Rate limits: per client network, per identity, a tighter budget for error answers, and failed logins (FailedLogins).

import { FailedLogins, type LoginEvents, type Refusal } from './failed-logins.js';

export type { Refusal } from './failed-logins.js';

export interface RateLimitOptions {
  readonly perClientPerSecond: number;
  readonly errorsPerClientPerSecond: number;
  readonly perIdentityPerSecond: number;
  readonly failedLoginsPerMinute: number;
  /** Buckets per limiter; keys are hashed into them so memory stays fixed whatever the number of clients. */
  readonly tableSize: number;
  /** Clock (ms since the epoch) of every window and refusal; tests inject their own. */
  readonly nowMs?: () => number;
  /** Told of login outcomes and lockouts (metrics, the log). */
  readonly loginEvents?: LoginEvents;
}

const WINDOW_MS = 1000;

// FNV-1a: a cheap, well-spread hash for bucketing.
function bucketOf(text: string, size: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % size;
}

/**
 * A budget of `perWindow` points per bucket in fixed one-second windows, in two typed arrays of `tableSize` slots:
 * synchronous, no allocation and no promise per request, and its memory fixed however many clients appear. (A
 * library limiter answers through a promise and reads the wall clock, which the hot path and the tests cannot afford.)
 */
class WindowBudget {
  private readonly used: Uint32Array;
  private readonly windowEnds: Float64Array;

  constructor(
    private readonly perWindow: number,
    tableSize: number,
  ) {
    this.used = new Uint32Array(tableSize);
    this.windowEnds = new Float64Array(tableSize);
  }

  /** Spends one point of the bucket at `nowMs`: 0 while it fits, else when the bucket's window ends (ms since the epoch). */
  spend(index: number, nowMs: number): number {
    if ((this.windowEnds[index] ?? 0) <= nowMs) {
      this.windowEnds[index] = nowMs + WINDOW_MS;
      this.used[index] = 0;
    }
    const used = (this.used[index] = (this.used[index] ?? 0) + 1);
    return used <= this.perWindow ? 0 : (this.windowEnds[index] ?? nowMs);
  }
}

function budget(perSecond: number, tableSize: number): WindowBudget | null {
  return perSecond > 0 ? new WindowBudget(perSecond, tableSize) : null;
}

export class RateLimits {
  /** Per client network: every request, and the tighter budget of not-found and error answers. */
  private readonly requests: WindowBudget | null;
  private readonly errors: WindowBudget | null;
  private readonly perIdentity: WindowBudget | null;
  private readonly failedLogins: FailedLogins;
  private readonly nowMs: () => number;
  /** Per client-network bucket: until when (ms since the epoch) it is refused; a fixed table, like the buckets. */
  private readonly refusedUntil: Float64Array;

  constructor(private readonly options: RateLimitOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    this.refusedUntil = new Float64Array(options.tableSize);
    this.requests = budget(options.perClientPerSecond, options.tableSize);
    this.errors = budget(options.errorsPerClientPerSecond, options.tableSize);
    this.perIdentity = budget(options.perIdentityPerSecond, options.tableSize);
    this.failedLogins = new FailedLogins({
      perMinute: options.failedLoginsPerMinute,
      tableSize: options.tableSize,
      nowMs: this.nowMs,
      events: options.loginEvents,
    });
  }

  /** The bucket of a client network (see network/addresses.ts clientNetwork): its slot in every per-network table. */
  bucketOf(network: string): number {
    return bucketOf(network, this.options.tableSize);
  }

  /**
   * Counts one request of a client network and answers at once: the retry delay (seconds) while the network is
   * refused — its request budget spent, or its error budget overdrawn — else null. Even a burst of pipelined requests
   * parsed in one turn stops exactly at the budget.
   */
  admitRequest(bucket: number): Refusal {
    const nowMs = this.nowMs();
    const until = this.refusedUntil[bucket] ?? 0;
    if (until > nowMs) return Math.max(1, Math.ceil((until - nowMs) / 1000));
    const over = this.requests?.spend(bucket, nowMs) ?? 0;
    return over === 0 ? null : this.refuseUntil(bucket, over, nowMs);
  }

  /** Charges a not-found or error answer to the client network's tighter error budget; overdrawing it refuses the network. */
  chargeError(bucket: number): void {
    const nowMs = this.nowMs();
    const over = this.errors?.spend(bucket, nowMs) ?? 0;
    if (over !== 0) this.refuseUntil(bucket, over, nowMs);
  }

  /** Refuses a client network until `until` (ms since the epoch) and answers the retry delay in seconds. */
  private refuseUntil(bucket: number, until: number, nowMs: number): number {
    this.refusedUntil[bucket] = Math.max(this.refusedUntil[bucket] ?? 0, until);
    return Math.max(1, Math.ceil(((this.refusedUntil[bucket] ?? 0) - nowMs) / 1000));
  }

  /** Counts one request of an authenticated identity (canonical `index:handle`): null, or the retry delay in seconds. */
  admitIdentity(identityKey: string): Refusal {
    const nowMs = this.nowMs();
    const over = this.perIdentity?.spend(bucketOf(identityKey, this.options.tableSize), nowMs) ?? 0;
    return over === 0 ? null : Math.max(1, Math.ceil((over - nowMs) / 1000));
  }

  /**
   * Whether a login attempt for `identityKey` (canonical `index:handle`) from client `network` may be checked now:
   * null, or the retry delay in seconds. Policy: FailedLogins.
   */
  admitLogin(network: string, identityKey: string): Refusal {
    return this.failedLogins.admit(network, identityKey);
  }

  /** Records a failed login for the identity from the client network. */
  chargeFailedLogin(network: string, identityKey: string): void {
    this.failedLogins.charge(network, identityKey);
  }

  /** Records a successful login: that network's failures on the identity are forgotten. */
  loginSucceeded(network: string, identityKey: string): void {
    this.failedLogins.succeeded(network, identityKey);
  }
}
