// Failed logins (issue 17 item 1): counted per (identity, client network), per network and per identity on an
// injected clock, so an attacker's network is refused and an identity slowed, but no stranger can lock an owner out.

/** How long to wait before retrying, in whole seconds (≥ 1), when a limit refuses; null when it does not. */
export type Refusal = number | null;

/** The fixed window of the per-(identity, network) and per-network counts. */
export const LOGIN_WINDOW_MS = 60_000;
/** A network may fail this many times the per-(identity, network) limit per window, over all identities (spraying). */
export const NETWORK_FACTOR = 5;
/** How long failures stay recent: a network with a failure for an identity this recently is subject to its delay. */
export const RECENT_MS = 15 * 60_000;
/** The longest an identity's delay grows to (the per-(identity, network) refusal lasts at most LOGIN_WINDOW_MS). */
export const MAX_DELAY_MS = 15 * 60_000;

/** Every login attempt ends one way (the `outcome` label of idnode_login_attempts_total). */
export type LoginOutcome = 'succeeded' | 'failed' | 'refused';
/** What a lockout holds back: one network's attempts on one identity, one network's on all, or an identity's delay. */
export type LockoutScope = 'identity_network' | 'network' | 'identity';

export interface Lockout {
  readonly scope: LockoutScope;
  /** The canonical `index:handle` claimed ('' when unparsable); never a secret. */
  readonly identity: string;
  /** The client network whose failure began the lockout (`203.0.113.0/24`, `2001:db8:1:2::/64`). */
  readonly network: string;
  /** Failures counted in that scope when it began. */
  readonly failures: number;
  readonly retryAfterSeconds: number;
}

/** Told of every outcome and of each lockout once, when it begins (metrics and the log). */
export interface LoginEvents {
  outcome(outcome: LoginOutcome): void;
  lockout(lockout: Lockout): void;
}

export interface FailedLoginOptions {
  /** Failed logins allowed per minute per (identity, network); the other limits derive from it. 0 = off. */
  readonly perMinute: number;
  /** Most entries kept per table; beyond it the least recently failed entry is forgotten. */
  readonly tableSize: number;
  readonly nowMs: () => number;
  readonly events?: LoginEvents;
}

interface Windowed {
  windowStartMs: number;
  failures: number;
  lastFailureMs: number;
}

interface Slowed {
  /** Failures over all networks since the identity was last quiet for RECENT_MS. */
  failures: number;
  lastFailureMs: number;
  reported: boolean;
}

/** A Map with a fixed bound: entries are kept in order of their last failure, and the oldest goes first. */
class Table<T extends { lastFailureMs: number }> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly max: number) {}

  /** The entry of `key` while it has a failure within RECENT_MS of `nowMs`. */
  get(key: string, nowMs: number): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.lastFailureMs + RECENT_MS > nowMs) return entry;
    this.entries.delete(key);
    return undefined;
  }

  /** Stores `entry` as the most recently failed. */
  put(key: string, entry: T): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The identity's delay after `failures` recent failures over all networks: none up to `perMinute`, then 1 s,
 * doubling with each further failure, at most MAX_DELAY_MS.
 */
export function identityDelayMs(failures: number, perMinute: number): number {
  const excess = failures - perMinute;
  return excess <= 0 ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(excess - 1, 30));
}

/**
 * The policy (docs/security.md, "Failed logins"), with N = `perMinute`:
 * - (identity, network): N failures in a minute refuse that network's attempts on that identity until the minute ends;
 * - network: N × NETWORK_FACTOR failures in a minute, over all identities, refuse that network's attempts on any;
 * - identity: after N recent failures over all networks, a network with a recent failure on it waits a delay that
 *   doubles with each further failure (1 s … MAX_DELAY_MS) after the identity's last failure;
 * - a network with no recent failure on the identity (and not over its own limit) is always admitted;
 * - a success clears its (identity, network) failures.
 * Attempts are refused before the credential is checked, so a refusal says nothing about whether it was right.
 */
export class FailedLogins {
  private readonly pairs: Table<Windowed>;
  private readonly networks: Table<Windowed>;
  private readonly identities: Table<Slowed>;
  private readonly networkLimit: number;

  constructor(private readonly options: FailedLoginOptions) {
    this.pairs = new Table(options.tableSize);
    this.networks = new Table(options.tableSize);
    this.identities = new Table(options.tableSize);
    this.networkLimit = options.perMinute * NETWORK_FACTOR;
  }

  /** Whether a login attempt for `identity` from `network` may be checked now: null, or the retry delay in seconds. */
  admit(network: string, identity: string): Refusal {
    // The common case on every Basic-authenticated request: no recent failure anywhere, nothing to look up.
    if (this.options.perMinute <= 0 || (this.pairs.size === 0 && this.networks.size === 0)) return null;
    const now = this.options.nowMs();
    const refusal = this.refusal(network, identity, now);
    if (refusal !== null) this.options.events?.outcome('refused');
    return refusal;
  }

  private refusal(network: string, identity: string, now: number): Refusal {
    const spraying = this.networks.get(network, now);
    if (spraying !== undefined && this.overLimit(spraying, this.networkLimit, now)) return seconds(spraying.windowStartMs + LOGIN_WINDOW_MS - now);
    const pair = this.pairs.get(pairKey(identity, network), now);
    if (pair === undefined) return null;
    if (this.overLimit(pair, this.options.perMinute, now)) return seconds(pair.windowStartMs + LOGIN_WINDOW_MS - now);
    // This network failed on this identity recently: it waits out the identity's delay.
    const slowed = this.identities.get(identity, now);
    if (slowed === undefined) return null;
    const until = slowed.lastFailureMs + identityDelayMs(slowed.failures, this.options.perMinute);
    return until > now ? seconds(until - now) : null;
  }

  private overLimit(count: Windowed, limit: number, now: number): boolean {
    return count.windowStartMs + LOGIN_WINDOW_MS > now && count.failures >= limit;
  }

  /** Records a failed login for `identity` from `network`; reports each lockout once, when it begins. */
  charge(network: string, identity: string): void {
    const events = this.options.events;
    events?.outcome('failed');
    if (this.options.perMinute <= 0) return;
    const now = this.options.nowMs();
    const pair = this.count(this.pairs, pairKey(identity, network), now);
    if (pair.failures === this.options.perMinute) {
      events?.lockout({ scope: 'identity_network', identity, network, failures: pair.failures, retryAfterSeconds: seconds(pair.windowStartMs + LOGIN_WINDOW_MS - now) });
    }
    const spraying = this.count(this.networks, network, now);
    if (spraying.failures === this.networkLimit) {
      events?.lockout({ scope: 'network', identity, network, failures: spraying.failures, retryAfterSeconds: seconds(spraying.windowStartMs + LOGIN_WINDOW_MS - now) });
    }
    const slowed = this.identities.get(identity, now) ?? { failures: 0, lastFailureMs: now, reported: false };
    slowed.failures += 1;
    slowed.lastFailureMs = now;
    this.identities.put(identity, slowed);
    const delay = identityDelayMs(slowed.failures, this.options.perMinute);
    if (delay > 0 && !slowed.reported) {
      slowed.reported = true;
      events?.lockout({ scope: 'identity', identity, network, failures: slowed.failures, retryAfterSeconds: seconds(delay) });
    }
  }

  /** Records a successful login: the network's failures on that identity are forgotten. */
  succeeded(network: string, identity: string): void {
    this.options.events?.outcome('succeeded');
    if (this.options.perMinute > 0 && this.pairs.size > 0) this.pairs.delete(pairKey(identity, network));
  }

  /** Entries held per table (pairs, networks, identities): bounded by the table size. */
  sizes(): { pairs: number; networks: number; identities: number } {
    return { pairs: this.pairs.size, networks: this.networks.size, identities: this.identities.size };
  }

  private count(table: Table<Windowed>, key: string, now: number): Windowed {
    const entry = table.get(key, now) ?? { windowStartMs: now, failures: 0, lastFailureMs: now };
    if (entry.windowStartMs + LOGIN_WINDOW_MS <= now) {
      entry.windowStartMs = now;
      entry.failures = 0;
    }
    entry.failures += 1;
    entry.lastFailureMs = now;
    table.put(key, entry);
    return entry;
  }
}

function pairKey(identity: string, network: string): string {
  return `${network} ${identity}`;
}
