// Handle sessions in memory (lru-cache): open challenges and authenticated sessions, each bounded, each expiring.

import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Wrong answers a session may get; the next one closes it (issue 10: the nonce no longer changes after each). */
export const MAX_WRONG_ANSWERS = 5;

/** A session; `I` is the identity type of whoever authenticates (this folder need not know it). */
export interface Session<I = unknown> {
  /** Secret, random, 32 bytes base64url; travels only in headers and bodies, never in a URL. */
  readonly id: string;
  /**
   * The current challenge: 16 random bytes, valid until `nonceExpiresAtMs`. It stays the same until an answer to it
   * succeeds (then it is spent and replaced), as Handle.net keeps one nonce per session.
   */
  nonce: Buffer;
  nonceExpiresAtMs: number;
  nonceUsed: boolean;
  /** Wrong answers so far; past MAX_WRONG_ANSWERS the session is closed. */
  wrongAnswers: number;
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
 * Where a node keeps its Handle sessions: this process's memory (SessionCache) or a table every worker shares
 * (src/store/shared-sessions.ts, IDNODE_WORKERS > 1). The methods that change a session also save it.
 */
export interface SessionTable<I> {
  create(): Session<I>;
  get(id: string): Session<I> | undefined;
  renewNonce(session: Session<I>): void;
  currentNonce(session: Session<I>): Buffer;
  answerableNonce(session: Session<I>): Buffer | null;
  spendNonce(session: Session<I>): void;
  wrongAnswer(session: Session<I>): boolean;
  authenticate(session: Session<I>, identity: I, loginKey: string): void;
  delete(id: string): boolean;
  readonly size: { open: number; authenticated: number };
  close?(): void;
}

/**
 * The Handle session rules every session table follows — nonce lifetimes, spending, wrong answers — over two hooks
 * that keep a changed session wherever the table keeps sessions.
 */
export abstract class SessionRules<I> implements SessionTable<I> {
  constructor(protected readonly options: SessionCacheOptions) {
    if (!(options.maxSessions > 0) || !(options.idleMs > 0) || !(options.nonceTtlMs > 0)) throw new RangeError('sessions must be bounded');
  }

  abstract create(): Session<I>;
  abstract get(id: string): Session<I> | undefined;
  abstract authenticate(session: Session<I>, identity: I, loginKey: string): void;
  abstract delete(id: string): boolean;
  abstract get size(): { open: number; authenticated: number };
  /** Keeps a session whose nonce or nonce lifetime just changed. */
  protected abstract keepNonce(session: Session<I>): void;
  /** Keeps a session whose wrong answers were just counted (it stays open). */
  protected abstract keepWrongAnswer(session: Session<I>): void;

  /** A new unauthenticated session with a fresh nonce (kept by keepNonce). */
  protected newSession(): Session<I> {
    const session: Session<I> = { id: randomBytes(32).toString('base64url'), nonce: Buffer.alloc(0), nonceExpiresAtMs: 0, nonceUsed: true, wrongAnswers: 0, identity: null, loginKey: null };
    this.renewNonce(session);
    return session;
  }

  /**
   * Issues a new nonce; the previous one can no longer be answered. An open session's lifetime starts again with it,
   * so every nonce handed out can be answered for its whole lifetime.
   */
  renewNonce(session: Session<I>): void {
    session.nonce = randomBytes(16);
    session.nonceExpiresAtMs = this.options.nowMs() + this.options.nonceTtlMs;
    session.nonceUsed = false;
    this.keepNonce(session);
  }

  /**
   * The nonce to hand out now, never one that is spent or about to expire. A session that has not authenticated keeps
   * its nonce (two concurrent logins answer the same one) and handing it out starts its lifetime again; a logged-in
   * session's nonce is renewed once spent or past half its lifetime.
   */
  currentNonce(session: Session<I>): Buffer {
    const nowMs = this.options.nowMs();
    if (session.identity === null && !session.nonceUsed && nowMs <= session.nonceExpiresAtMs) {
      session.nonceExpiresAtMs = nowMs + this.options.nonceTtlMs;
      this.keepNonce(session);
    } else if (session.nonceUsed || session.nonceExpiresAtMs - nowMs < this.options.nonceTtlMs / 2) {
      this.renewNonce(session);
    }
    return session.nonce;
  }

  /** The nonce an answer must sign: the session's, unless it is spent or expired (then null). */
  answerableNonce(session: Session<I>): Buffer | null {
    return session.nonceUsed || this.options.nowMs() > session.nonceExpiresAtMs ? null : session.nonce;
  }

  /** Spends the nonce an answer signed and issues the next one, so that answer can never be replayed. */
  spendNonce(session: Session<I>): void {
    session.nonceUsed = true;
    this.renewNonce(session);
  }

  /** Counts a wrong answer; past MAX_WRONG_ANSWERS the session is closed and true is returned. */
  wrongAnswer(session: Session<I>): boolean {
    session.wrongAnswers += 1;
    if (session.wrongAnswers <= MAX_WRONG_ANSWERS) {
      this.keepWrongAnswer(session);
      return false;
    }
    this.delete(session.id);
    return true;
  }
}

/**
 * Sessions that have not authenticated yet live in their own LRU for as long as their nonce does (each time the nonce
 * is handed out its lifetime starts again), so a flood of challenges can never evict authenticated sessions.
 * Authenticated sessions expire after `idleMs` without use.
 */
export class SessionCache<I> extends SessionRules<I> {
  private readonly open: LRUCache<string, Session<I>>;
  private readonly authenticated: LRUCache<string, Session<I>>;

  constructor(options: SessionCacheOptions) {
    super(options);
    const common = { max: options.maxSessions, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.nowMs } } as const;
    this.open = new LRUCache<string, Session<I>>({ ...common, ttl: options.nonceTtlMs });
    this.authenticated = new LRUCache<string, Session<I>>({ ...common, ttl: options.idleMs, updateAgeOnGet: true });
  }

  /** A new unauthenticated session with a fresh nonce. */
  create(): Session<I> {
    const session = this.newSession();
    this.open.set(session.id, session);
    return session;
  }

  /** The live session with this id (using an authenticated one resets its idle timer), or undefined. */
  get(id: string): Session<I> | undefined {
    return this.authenticated.get(id) ?? this.open.get(id);
  }

  /** An open session's LRU lifetime starts again with its nonce's. */
  protected keepNonce(session: Session<I>): void {
    if (session.identity === null && this.open.has(session.id)) this.open.set(session.id, session);
  }

  /** The session object is the cached one: nothing more to keep. */
  protected keepWrongAnswer(): void {}

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
