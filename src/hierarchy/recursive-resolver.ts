// Recursive resolution (docs/hierarchy.md): when a client asks for it, a handle this node does not serve is resolved
// through the hierarchy — the upstream's referral to the serving node, then that node's answer — each step cached for
// its TTL, with a hop limit, a timeout and a circuit breaker per peer, and stale answers while a source is down.

import type { RemoteCache } from '../cache/remote-cache.js';
import { IdnodeError } from '../errors.js';
import { asciiUpper, parentPrefix, prefixOfPrefixRecord, type Handle } from '../identifier/handle.js';
import type { ValueJson } from '../identifier/value-json.js';
import type { HierarchyInstruments } from '../metrics/hierarchy-instruments.js';
import { filtered, type ResolveRequest, type ResolveResult } from '../resolve/resolve-service.js';
import type { CircuitBreakers } from './circuit-breakers.js';
import { PeerFailure, type PeerClient } from './peer-client.js';
import { originsOfValues } from './sites.js';

/** The header a recursive request sends with the referrals followed so far (the Handle protocol's recursionCount). */
export const RECURSION_COUNT_HEADER = 'handle-recursion-count';

/** A remote answer as cached: its public values, or that the serving node does not have it. */
export type RemoteAnswer = { readonly kind: 'found'; readonly valuesJson: string } | { readonly kind: 'not-found' } | { readonly kind: 'not-homed' };

export interface RecursiveResolverOptions {
  readonly peer: PeerClient;
  readonly breakers: CircuitBreakers;
  /** Answers by canonical handle key. */
  readonly answers: RemoteCache<RemoteAnswer>;
  /** Origins of the node serving a prefix, by canonical prefix key (learned from service referrals). */
  readonly sites: RemoteCache<readonly string[]>;
  readonly metrics: HierarchyInstruments;
  /** A secondary node's upstream origin, asked when nothing nearer is known; null on a top-level node. */
  readonly upstreamUrl: string | null;
  readonly maxHops: number;
  readonly timeoutMs: number;
  readonly cacheMaxTtlSeconds: number;
  readonly negativeTtlSeconds: number;
}

/** Seconds a stale answer may be kept downstream (RFC 8767 §4 recommends 30). */
const STALE_ANSWER_TTL_SECONDS = 30;

/** The smallest relative TTL (seconds) among output-form values; absolute expiries count from now. */
function ttlOf(values: readonly ValueJson[], nowMs: number, capSeconds: number): number {
  let ttl = capSeconds;
  for (const value of values) {
    const seconds = typeof value.ttl === 'string' ? Math.floor((Date.parse(value.ttl) - nowMs) / 1000) : value.ttl;
    if (Number.isFinite(seconds)) ttl = Math.min(ttl, Math.max(0, seconds));
  }
  return ttl;
}

interface Step {
  readonly origins: readonly string[];
  /** The prefix whose serving node these origins are (cached under it), or null for a first step. */
  readonly fromCache: string | null;
}

export class RecursiveResolver {
  constructor(
    private readonly options: RecursiveResolverOptions,
    private readonly nowMs: () => number,
  ) {}

  /**
   * Resolves `request` through the hierarchy when this node's own answer `local` is a referral or "not homed here";
   * any other answer is returned as it is. `hops` is the recursion count the request came with. Resolves with a
   * found or not-found answer marked as recursive, possibly stale; throws RECURSION_LIMIT, UPSTREAM_TIMEOUT,
   * UPSTREAM_UNAVAILABLE.
   */
  async resolve(request: ResolveRequest, local: ResolveResult, hops: number): Promise<ResolveResult> {
    if (local.kind !== 'referral' && local.kind !== 'service-referral' && local.kind !== 'not-homed') return local;
    const { metrics } = this.options;
    if (hops >= this.options.maxHops) {
      metrics.recursion('loop');
      throw new IdnodeError('RECURSION_LIMIT', `the request came with ${hops} referrals followed; at most ${this.options.maxHops - 1} more may be`);
    }
    const key = request.handle.key;
    const cached = this.options.answers.get(key);
    if (cached?.fresh === true) {
      metrics.recursion('cached');
      return this.answer(request, cached.value, Math.floor((cached.freshUntilMs - this.nowMs()) / 1000), false);
    }
    const first = this.firstStep(request.handle, local);
    if (first === null) return local;
    try {
      const { answer, ttlSeconds } = await this.walk(request.handle, first, hops);
      this.options.answers.set(key, answer, ttlSeconds * 1000);
      metrics.recursion(answer.kind === 'found' ? 'found' : 'not_found');
      return this.answer(request, answer, ttlSeconds, false);
    } catch (error) {
      if (error instanceof IdnodeError && error.code === 'RECURSION_LIMIT') {
        metrics.recursion('loop');
        throw error;
      }
      if (cached !== undefined) {
        // Serve-stale (RFC 8767): the source cannot be reached and an expired answer is at hand; say so.
        metrics.recursion('stale');
        metrics.stale();
        return this.answer(request, cached.value, STALE_ANSWER_TTL_SECONDS, true);
      }
      metrics.recursion('failed');
      if (error instanceof PeerFailure) {
        throw new IdnodeError(error.reason === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', error.message, { cause: error });
      }
      throw error;
    }
  }

  private answer(request: ResolveRequest, answer: RemoteAnswer, maxAgeSeconds: number, stale: boolean): ResolveResult {
    const maxAge = Math.max(0, maxAgeSeconds);
    if (answer.kind === 'not-homed') return { kind: 'not-homed', maxAgeSeconds: maxAge };
    if (answer.kind === 'not-found') return { kind: 'not-found', maxAgeSeconds: maxAge, source: 'recursive' };
    const found = { kind: 'found' as const, valuesJson: answer.valuesJson, empty: answer.valuesJson === '[]', maxAgeSeconds: maxAge, source: 'recursive' as const, ...(stale ? { stale: true } : {}) };
    return filtered(found, request);
  }

  /**
   * Where to ask first: the serving node learned earlier for the prefix or an ancestor; else the site a prefix referral
   * of this node's own records names; else the upstream, as this node is configured to reach it (a secondary node's
   * service referrals all point there); else the site a top-level node's referral names.
   */
  private firstStep(handle: Handle, local: ResolveResult): Step | null {
    for (let at: string | null = asciiUpper(prefixOfPrefixRecord(handle) ?? handle.prefix); at !== null; at = parentPrefix(at)) {
      const known = this.options.sites.get(at);
      if (known?.fresh === true) return { origins: known.value, fromCache: at };
    }
    const referred = (): Step => ({ origins: originsOfValues(JSON.parse((local as { valuesJson: string }).valuesJson) as ValueJson[]), fromCache: null });
    if (local.kind === 'referral') return referred();
    if (this.options.upstreamUrl !== null) return { origins: [this.options.upstreamUrl], fromCache: null };
    return local.kind === 'service-referral' ? referred() : null;
  }

  /** Follows referrals from `step` until an answer, within the hop limit and twice the per-call timeout in all. */
  private async walk(handle: Handle, start: Step, hops: number): Promise<{ answer: RemoteAnswer; ttlSeconds: number }> {
    const deadline = performance.now() + 2 * this.options.timeoutMs;
    let step = start;
    let retriedFromUpstream = false;
    for (let count = hops + 1; ; count += 1) {
      if (count > this.options.maxHops) throw new IdnodeError('RECURSION_LIMIT', `more than ${this.options.maxHops} referrals were followed for ${handle.display}`);
      let reply: { status: number; json: unknown };
      try {
        reply = await this.ask(step.origins, handle, count, deadline);
      } catch (error) {
        // The node learned for this prefix is gone: the upstream may know better (a new address, or its escrow).
        if (step.fromCache !== null && !retriedFromUpstream && this.options.upstreamUrl !== null) {
          this.options.sites.delete(step.fromCache);
          retriedFromUpstream = true;
          step = { origins: [this.options.upstreamUrl], fromCache: null };
          continue;
        }
        throw error;
      }
      const body = reply.json as { responseCode?: unknown; values?: unknown; referralHandle?: unknown } | undefined;
      const nowMs = this.nowMs();
      if (reply.status === 200 && Array.isArray(body?.values)) {
        const values = body.values as ValueJson[];
        return { answer: { kind: 'found', valuesJson: JSON.stringify(values) }, ttlSeconds: ttlOf(values, nowMs, this.options.cacheMaxTtlSeconds) };
      }
      if (reply.status === 404) return { answer: { kind: 'not-found' }, ttlSeconds: this.options.negativeTtlSeconds };
      // That node does not serve the prefix either, and refers nowhere: no one does.
      if (reply.status === 400 && body?.responseCode === 301) return { answer: { kind: 'not-homed' }, ttlSeconds: this.options.negativeTtlSeconds };
      if (reply.status === 300 && Array.isArray(body?.values)) {
        const values = body.values as ValueJson[];
        const origins = originsOfValues(values);
        if (origins.length === 0) throw new PeerFailure('answer', `a referral for ${handle.display} names no HTTP interface`);
        // A service referral names the prefix record its site came from: later handles under it go straight there.
        if (body.responseCode === 302 && typeof body.referralHandle === 'string' && /^0\.NA\//i.test(body.referralHandle)) {
          this.options.sites.set(asciiUpper(body.referralHandle.slice(5)), origins, ttlOf(values, nowMs, this.options.cacheMaxTtlSeconds) * 1000);
        }
        step = { origins, fromCache: null };
        continue;
      }
      throw new PeerFailure('answer', `unexpected answer for ${handle.display}: HTTP ${reply.status}`);
    }
  }

  /** Asks the origins of one step in turn (the next when one fails), each through its circuit breaker. */
  private async ask(origins: readonly string[], handle: Handle, count: number, deadline: number): Promise<{ status: number; json: unknown }> {
    const { breakers, metrics, peer } = this.options;
    let failure: PeerFailure = new PeerFailure('answer', `no node to ask for ${handle.display}`);
    for (const origin of origins) {
      if (!breakers.admit(origin)) {
        metrics.upstreamFailure('circuit_open');
        failure = new PeerFailure('circuit_open', `the circuit to ${origin} is open`);
        continue;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new PeerFailure('timeout', `no answer for ${handle.display} within ${2 * this.options.timeoutMs} ms`);
      const started = performance.now();
      try {
        const reply = await peer.call(`${origin}/api/handles/${encodeHandlePath(handle.display)}`, { method: 'GET', headers: { [RECURSION_COUNT_HEADER]: String(count) }, timeoutMs: remaining });
        if (reply.status >= 500) throw new PeerFailure('answer', `${origin} answered HTTP ${reply.status}`);
        breakers.succeeded(origin);
        return reply;
      } catch (error) {
        breakers.failed(origin);
        failure = error instanceof PeerFailure ? error : new PeerFailure('connection', String(error), { cause: error });
        metrics.upstreamFailure(failure.reason);
      } finally {
        metrics.upstream('resolve', (performance.now() - started) / 1000);
      }
    }
    throw failure;
  }
}

/** A handle as a path: every character that is not unreserved in a path segment percent-encoded, `/` kept. */
function encodeHandlePath(handle: string): string {
  return handle.split('/').map(encodeURIComponent).join('/');
}
