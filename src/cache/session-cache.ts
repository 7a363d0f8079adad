// Handle sessions in memory (lru-cache): open challenges and authenticated sessions, each bounded, each expiring.

import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A session; `I` is the identity type of whoever authenticates (this folder need not know it). */
export interface Session<I = unknown> {
  /** Secret, random, 32 bytes base64url; travels only in headers and bodies, never in a URL. */
  readonly id: string;
  /** The current challenge: 16 random bytes, single-use, valid until `nonceExpiresAtMs`. */
  nonce: Buffer;
  nonceExpiresAtMs: number;
  nonceUsed: boolean;
  identity: I | null;
  /** The fingerprint of the key the login proved (see keyFingerprint); null until authenticated. */
  loginKey: string | null;
}

export interface SessionCacheOptions {
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly nonceTtlMs: number;
  readonly nowMs: () => number;
}

/**
 * Sessions that have not authenticated yet live in their own LRU with the nonce's short lifetime, so a flood of
 * challenges can never evict authenticated sessions. Authenticated sessions expire after `idleMs` without use.
 */
export class SessionCache<I> {
  private readonly open: LRUCache<string, Session<I>>;
  private readonly authenticated: LRUCache<string, Session<I>>;

  constructor(private readonly options: SessionCacheOptions) {
    if (!(options.maxSessions > 0) || !(options.idleMs > 0) || !(options.nonceTtlMs > 0)) throw new RangeError('sessions must be bounded');
    const common = { max: options.maxSessions, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.nowMs } } as const;
    // An open session may be answered for as long as a fresh nonce lasts, plus the idle time to re-challenge.
    this.open = new LRUCache<string, Session<I>>({ ...common, ttl: options.nonceTtlMs * 2 });
    this.authenticated = new LRUCache<string, Session<I>>({ ...common, ttl: options.idleMs, updateAgeOnGet: true });
  }

  /** A new unauthenticated session with a fresh nonce. */
  create(): Session<I> {
    const session: Session<I> = { id: randomBytes(32).toString('base64url'), nonce: Buffer.alloc(0), nonceExpiresAtMs: 0, nonceUsed: true, identity: null, loginKey: null };
    this.renewNonce(session);
    this.open.set(session.id, session);
    return session;
  }

  /** The live session with this id (using an authenticated one resets its idle timer), or undefined. */
  get(id: string): Session<I> | undefined {
    return this.authenticated.get(id) ?? this.open.get(id);
  }

  /**
   * Issues a new nonce; the previous one can no longer be answered. An open session's lifetime starts again with it,
   * so every nonce handed out can be answered for its whole lifetime.
   */
  renewNonce(session: Session<I>): void {
    session.nonce = randomBytes(16);
    session.nonceExpiresAtMs = this.options.nowMs() + this.options.nonceTtlMs;
    session.nonceUsed = false;
    if (session.identity === null && this.open.has(session.id)) this.open.set(session.id, session);
  }

  /**
   * The nonce to hand out now: the current one while it is unused with at least half its lifetime left, else a new
   * one — a challenge never names a nonce that is already spent or about to expire.
   */
  currentNonce(session: Session<I>): Buffer {
    if (session.nonceUsed || session.nonceExpiresAtMs - this.options.nowMs() < this.options.nonceTtlMs / 2) this.renewNonce(session);
    return session.nonce;
  }

  /** The session's nonce if it is fresh and unused, marking it used; null otherwise (replay or expiry). */
  takeNonce(session: Session<I>): Buffer | null {
    if (session.nonceUsed || this.options.nowMs() > session.nonceExpiresAtMs) return null;
    session.nonceUsed = true;
    return session.nonce;
  }

  /** Marks the session authenticated as `identity`, which proved the key `loginKey`, and moves it to the authenticated table. */
  authenticate(session: Session<I>, identity: I, loginKey: string): void {
    session.identity = identity;
    session.loginKey = loginKey;
    this.open.delete(session.id);
    this.authenticated.set(session.id, session);
  }

  /** Ends a session; false when it did not exist. */
  delete(id: string): boolean {
    return this.authenticated.delete(id) || this.open.delete(id);
  }

  get size(): { open: number; authenticated: number } {
    return { open: this.open.size, authenticated: this.authenticated.size };
  }
}
