// Open challenges of the Handle protocol: the request a client must authenticate, its nonce and digest, until answered once.

import { randomBytes, randomInt } from 'node:crypto';
import { NONCE_BYTES, responseVersion } from './protocol.js';
import type { WireRequest } from './requests.js';
import { requestDigest, type RequestDigest } from './signature.js';

export interface PendingChallenge {
  /** The session id the challenge was sent with; the answer must name it (HandleServer.pendingAuthorizations). */
  readonly sessionId: number;
  readonly request: WireRequest;
  readonly nonce: Buffer;
  /** The digest of the request the client signs along with the nonce. */
  readonly digest: RequestDigest;
  readonly expiresAtMs: number;
}

export interface PendingChallengesOptions {
  readonly maxEntries: number;
  /** Bound on the held requests' octets together (a request may be 256 KiB). */
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly nowMs: () => number;
}

// Per entry beyond the request's octets: the objects, nonce and digest.
const ENTRY_OVERHEAD_BYTES = 512;

/**
 * A bounded table of open challenges, oldest first: when a new one does not fit (entries or bytes), the oldest are
 * dropped, and their answers then fail as expired ones do. Each challenge can be taken once.
 */
export class PendingChallenges {
  private readonly open = new Map<number, PendingChallenge>();
  private bytes = 0;

  constructor(private readonly options: PendingChallengesOptions) {
    if (!(options.maxEntries > 0 && options.maxBytes > 0)) throw new RangeError('pending challenges must be bounded');
  }

  private sizeOf(challenge: PendingChallenge): number {
    return challenge.request.headerAndBody.length + ENTRY_OVERHEAD_BYTES;
  }

  private drop(sessionId: number): void {
    const challenge = this.open.get(sessionId);
    if (challenge === undefined) return;
    this.open.delete(sessionId);
    this.bytes -= this.sizeOf(challenge);
  }

  /**
   * Opens a challenge for `request` under `sessionId` — the request's session, whose earlier open challenge it replaces
   * (HandleServer.createChallenge) — or, outside a session, under a fresh random id (never 0, never one in use).
   */
  create(request: WireRequest, sessionId = 0): PendingChallenge {
    const now = this.options.nowMs();
    this.drop(sessionId);
    while (sessionId === 0 || this.open.has(sessionId)) sessionId = randomInt(1, 2 ** 31 - 1);
    const challenge: PendingChallenge = {
      sessionId,
      request,
      nonce: randomBytes(NONCE_BYTES),
      digest: requestDigest(responseVersion(request.suggested), request.headerAndBody),
      expiresAtMs: now + this.options.ttlMs,
    };
    const size = this.sizeOf(challenge);
    // Oldest first, so expired ones (all with the same lifetime) are at the front: drop those, then as many as needed.
    for (const [oldest, open] of this.open) {
      const fits = this.open.size < this.options.maxEntries && this.bytes + size <= this.options.maxBytes;
      if (fits && open.expiresAtMs > now) break;
      this.drop(oldest);
    }
    this.open.set(sessionId, challenge);
    this.bytes += size;
    return challenge;
  }

  /** The open challenge of `sessionId`, removed so it cannot be answered twice; undefined when unknown or expired. */
  take(sessionId: number): PendingChallenge | undefined {
    const challenge = this.open.get(sessionId);
    if (challenge === undefined) return undefined;
    this.drop(sessionId);
    return challenge.expiresAtMs > this.options.nowMs() ? challenge : undefined;
  }

  /** True while `sessionId` names an open challenge (expired or not). */
  has(sessionId: number): boolean {
    return this.open.has(sessionId);
  }

  get size(): number {
    return this.open.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }
}
