// Resolution: canonical key → cache → store → serialized values, with the public-read rule applied everywhere.

import type { AccessPolicy } from '../auth/access-policy.js';
import type { RecordLookup } from '../store/store.js';
import type { Identity } from '../auth/identity.js';
import type { PrefixMemo } from '../cache/prefix-memo.js';
import type { CachedResolution, ResolveCache } from '../cache/resolve-cache.js';
import { IdnodeError } from '../errors.js';
import { asciiUpper, parentPrefix, prefixKeyOf, prefixOfPrefixRecord, prefixRecordHandle, type CaseRule, type Handle } from '../identifier/handle.js';
import { isPubliclyReadable, matchesTypeFilter } from '../identifier/value.js';
import { publicView, publicViewExpiryMs, valueToJson, type PublicView, type ValueJson } from '../identifier/value-json.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import type { ResolutionTally } from '../usage/resolution-tally.js';

export interface ResolveRequest {
  readonly handle: Handle;
  /** Only values with these indexes or these types (reference §3.2); both empty = all values. */
  readonly indexes: readonly number[];
  readonly types: readonly string[];
  /** undefined = the default: true for anonymous callers, false for authenticated ones. */
  readonly publicOnly: boolean | undefined;
  readonly identity: Identity | null;
  /** `doNotRefer` (reference §3.2): answer not-found rather than a prefix referral. */
  readonly doNotRefer?: boolean;
}

/**
 * Where an answer that is not this node's own came from (docs/hierarchy.md): another node, through recursion, or the
 * escrow of a secondary node a top-level node took over. Such answers are not authoritative.
 */
export type AnswerSource = 'recursive' | 'escrow';

export type ResolveResult =
  | {
      readonly kind: 'found';
      readonly valuesJson: string;
      readonly empty: boolean;
      readonly maxAgeSeconds: number | null;
      readonly source?: AnswerSource;
      /** A recursive answer served past its TTL because its source could not be reached (serve-stale). */
      readonly stale?: boolean;
    }
  | { readonly kind: 'not-found'; readonly maxAgeSeconds: number | null; readonly source?: AnswerSource }
  /** Issue 19: HTTP 400 / responseCode 301 "That prefix doesn't live here" — neither stored here nor referred. */
  | { readonly kind: 'not-homed'; readonly maxAgeSeconds: number | null }
  /** Reference §5: HTTP 300 / responseCode 303 with the public referral values of the nearest ancestor prefix record. */
  | { readonly kind: 'referral'; readonly valuesJson: string; readonly maxAgeSeconds: number | null }
  /** HTTP 300 / responseCode 302: another node serves the prefix; `valuesJson` holds its HS_SITE values, `referralHandle` names their record. */
  | { readonly kind: 'service-referral'; readonly referralHandle: string; readonly valuesJson: string; readonly maxAgeSeconds: number | null };

/**
 * What lies beyond this node (src/hierarchy/), asked about a handle this node does not store: an answer on behalf of a
 * node it took over (before any referral), and a service referral for a handle whose prefix does not live here.
 */
export interface Beyond {
  takenOver(handle: Handle): ResolveResult | null;
  refer(handle: Handle): ResolveResult | null;
}

export interface ResolveServiceOptions {
  readonly rule: CaseRule;
  /**
   * Record lookup for the referral walk: served from the record cache when there, but never filling it, so requests
   * for made-up deep prefixes cannot push the records authentication needs out of it.
   */
  readonly peekRecord: RecordLookup;
  /** Referral decisions by prefix key (see referralBelow), cleared by their owner whenever a prefix record is written. */
  readonly referrals: PrefixMemo<PublicView | null>;
  /** Whether a prefix is homed here, by prefix key; cleared by their owner whenever a prefix is homed or unhomed. */
  readonly homed: PrefixMemo<boolean>;
  readonly cacheMaxTtlSeconds: number;
  readonly cacheNegativeTtlSeconds: number;
  readonly nowMs: () => number;
  /** Prefixes whose handles do not resolve (disabled or pending deletion through the SNMS API); none when absent. */
  readonly stopped?: { has(prefixKey: string): boolean };
  /** Resolutions answered with values, counted per prefix for the monthly report. */
  readonly usage: ResolutionTally;
  /** The hierarchy's answers for handles not stored here; none on a node on its own. */
  readonly beyond?: Beyond;
}


/** Value types that refer a derived prefix's record to another service (reference §2.2, §5). */
const REFERRAL_TYPES = new Set(['HS_SITE.PREFIX', 'HS_SERV.PREFIX', 'HS_NA_DELEGATE']);

export class ResolveService {
  constructor(
    private readonly store: Store,
    private readonly cache: ResolveCache,
    private readonly policy: AccessPolicy,
    private readonly metrics: Metrics,
    private readonly options: ResolveServiceOptions,
    private readonly lookup: RecordLookup,
  ) {}

  /**
   * Resolves a handle. Anonymous callers (and `publicOnly=true`) are answered from the cache of public values;
   * callers asking for non-public values go to the store and need READ_VALUE. Throws PREFIX_DISABLED, AUTHENTICATION_NEEDED
   * (anonymous, publicOnly=false, a value asked for is non-public), INSUFFICIENT_PERMISSIONS, STORE_*.
   */
  resolve(request: ResolveRequest): ResolveResult {
    // A disabled prefix answers as a prefix this server is not responsible for (Handle responseCode 301), not as a
    // missing handle: its identifiers exist and come back when it is enabled again (docs/snms.md).
    if (this.options.stopped?.has(request.handle.prefixKey) === true) throw new IdnodeError('PREFIX_DISABLED', `prefix ${request.handle.prefix} is disabled on this node`);
    const publicOnly = request.publicOnly ?? request.identity === null;
    if (!publicOnly && request.identity !== null) return this.resolveAll(request, request.identity);
    const cached = this.cachedPublic(request.handle);
    if (!publicOnly && cached.kind === 'found' && cached.hasPrivate) this.checkAnonymousFullRead(request);
    // Shared caches may keep a public answer as long as this node's cache does, never beyond the smallest TTL.
    const maxAgeSeconds = Math.max(0, Math.floor((cached.expiresAtMs - this.options.nowMs()) / 1000));
    if (cached.kind !== 'found') return this.notFound(request, maxAgeSeconds, cached.kind === 'not-found');
    cached.usage.count += 1;
    if (request.indexes.length === 0 && request.types.length === 0) {
      return { kind: 'found', valuesJson: cached.publicValuesJson, empty: cached.publicValuesJson === '[]', maxAgeSeconds };
    }
    const values = (JSON.parse(cached.publicValuesJson) as ValueJson[]).filter((value) => matches(value, request));
    return { kind: 'found', valuesJson: JSON.stringify(values), empty: values.length === 0, maxAgeSeconds };
  }

  private resolveAll(request: ResolveRequest, identity: Identity): ResolveResult {
    const record = this.store.getRecord(request.handle.key);
    if (record === undefined) {
      this.metrics.resolution('not_found');
      return this.notFound(request, null, this.livesHere(request.handle));
    }
    this.metrics.resolution('cache_miss');
    const values = record.values.map(valueToJson).filter((value) => request.indexes.length + request.types.length === 0 || matches(value, request));
    const needsRead = values.some((value) => (value.permissions ?? '1110')[2] !== '1');
    if (needsRead && !this.policy.allows(identity, request.handle, { kind: 'read' }, record.values, this.lookup)) {
      throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'identity may not read the non-public values of this handle');
    }
    this.options.usage.resolved(request.handle.prefixKey);
    return { kind: 'found', valuesJson: JSON.stringify(values), empty: values.length === 0, maxAgeSeconds: null };
  }

  /**
   * Not stored here: the escrow's answer for a node this one took over; a prefix referral when there is one to give
   * (reference §5); not-found when the handle's prefix lives here; a service referral to the node that serves it, when
   * the hierarchy knows one; else not-homed (issue 19).
   */
  private notFound(request: ResolveRequest, maxAgeSeconds: number | null, livesHere: boolean): ResolveResult {
    const { beyond } = this.options;
    const taken = beyond?.takenOver(request.handle) ?? null;
    if (taken !== null) return taken.kind === 'found' ? filtered(taken, request) : taken;
    const referral = request.doNotRefer === true ? null : this.referral(request.handle);
    if (referral === null) {
      const service = livesHere || request.doNotRefer === true ? null : (beyond?.refer(request.handle) ?? null);
      if (service === null) return { kind: livesHere ? 'not-found' : 'not-homed', maxAgeSeconds };
      this.metrics.hierarchy.referral('service');
      return { ...service, maxAgeSeconds: minAge(service.maxAgeSeconds, maxAgeSeconds) };
    }
    this.metrics.hierarchy.referral('prefix');
    // A referral may be kept no longer than the absence it reports, nor than the smallest TTL of the values it carries.
    if (maxAgeSeconds !== null) {
      const nowMs = this.options.nowMs();
      const valuesMaxAge = Math.max(0, Math.floor((publicViewExpiryMs(referral, nowMs, maxAgeSeconds * 1000) - nowMs) / 1000));
      maxAgeSeconds = Math.min(maxAgeSeconds, valuesMaxAge);
    }
    return { kind: 'referral', valuesJson: referral.valuesJson, maxAgeSeconds };
  }

  /**
   * For `0.NA/<derived prefix>` not stored here, the referral its parent's line gives (see referralBelow) as the
   * public view of its values, whose TTLs bound how long the answer may be kept; else null.
   */
  private referral(handle: Handle): PublicView | null {
    const prefix = prefixOfPrefixRecord(handle);
    const parent = prefix === null ? null : parentPrefix(prefix);
    return parent === null ? null : this.referralBelow(parent);
  }

  /**
   * The referral for prefixes derived from `prefix`: if `0.NA/<prefix>` is stored here, its public HS_SITE.PREFIX,
   * HS_SERV.PREFIX and HS_NA_DELEGATE values (the service holding its derived prefixes) as a public view, or null when it has
   * none; if it is not stored, the answer for its parent. Memoized per prefix, so a flood of made-up names under one
   * prefix costs one lookup; lookups never fill the record cache.
   */
  private referralBelow(prefix: string): PublicView | null {
    let key: string;
    try {
      key = prefixKeyOf(prefix);
    } catch {
      return null;
    }
    const known = this.options.referrals.get(key);
    if (known !== undefined) return known;
    const values = this.options.peekRecord(prefixRecordHandle(prefix, this.options.rule).key);
    let referral: PublicView | null;
    if (values === undefined) {
      const parent = parentPrefix(prefix);
      referral = parent === null ? null : this.referralBelow(parent);
    } else {
      const referrals = values.filter((value) => isPubliclyReadable(value) && REFERRAL_TYPES.has(asciiUpper(value.type)));
      referral = referrals.length === 0 ? null : publicView(referrals);
    }
    this.options.referrals.set(key, referral);
    return referral;
  }

  /**
   * Anonymous `publicOnly=false` on a record with non-public values: as Handle.net does, the index and type filters
   * apply first, and only a non-public value among those asked for needs credentials (a request that matches public
   * values only, or nothing, is answered from the public view).
   */
  private checkAnonymousFullRead(request: ResolveRequest): void {
    const all = request.indexes.length === 0 && request.types.length === 0;
    const values = this.store.getRecord(request.handle.key)?.values ?? [];
    const asked = all ? values : values.filter((value) => request.indexes.includes(value.index) || request.types.some((type) => matchesTypeFilter(value.type, type)));
    if (asked.some((value) => !isPubliclyReadable(value))) throw new IdnodeError('AUTHENTICATION_NEEDED', 'non-public values need credentials');
  }

  /**
   * True when the handle's prefix lives here, as Handle.net decides it (HandleServer.errorIfNotHaveHandle,
   * storageHaveDerivedPrefixesOnly): `P/S` when P is homed; a prefix record `0.NA/P` when P or one of its ancestors
   * is. Memoized per prefix; lookups never fill the record cache.
   */
  private livesHere(handle: Handle): boolean {
    const prefix = prefixOfPrefixRecord(handle);
    if (prefix === null) return this.isHomed(handle.prefixKey);
    for (let at: string | null = prefix; at !== null; at = parentPrefix(at)) {
      if (this.isHomed(asciiUpper(at))) return true;
    }
    return false;
  }

  private isHomed(prefixKey: string): boolean {
    const memo = this.options.homed.get(prefixKey);
    if (memo !== undefined) return memo;
    const homed = this.store.homedPrefix(prefixKey) !== undefined;
    this.options.homed.set(prefixKey, homed);
    return homed;
  }

  /** The cached public view of a handle, filled from the store on a miss. */
  private cachedPublic(handle: Handle): CachedResolution {
    const hit = this.cache.get(handle.key);
    if (hit !== undefined) {
      this.metrics.resolution(hit.kind === 'found' ? 'cache_hit' : 'negative_hit');
      return hit;
    }
    const token = this.cache.readToken();
    const homingEpoch = this.cache.homingEpoch;
    const view = this.store.getPublicView(handle.key);
    const nowMs = this.options.nowMs();
    if (view === undefined) {
      this.metrics.resolution('not_found');
      const expiresAtMs = nowMs + this.options.cacheNegativeTtlSeconds * 1000;
      // Not "not found" when this node cannot know (issue 19); kept as its own kind, so a repeat stays cheap.
      const entry: CachedResolution = { kind: this.livesHere(handle) ? 'not-found' : 'not-homed', expiresAtMs, homingEpoch };
      this.cache.fill(handle.key, entry, entry.expiresAtMs - nowMs, token);
      return entry;
    }
    this.metrics.resolution('cache_miss');
    const expiresAtMs = publicViewExpiryMs(view, nowMs, this.options.cacheMaxTtlSeconds * 1000);
    const entry: CachedResolution = { kind: 'found', publicValuesJson: view.valuesJson, hasPrivate: view.hasPrivate, expiresAtMs, usage: this.options.usage.cell(handle.prefixKey) };
    this.cache.fill(handle.key, entry, expiresAtMs - nowMs, token);
    return entry;
  }
}

/** Reference §3.2: a value is returned if it matches any given index or any given type. */
function matches(value: ValueJson, request: Pick<ResolveRequest, 'indexes' | 'types'>): boolean {
  return request.indexes.includes(value.index) || request.types.some((type) => matchesTypeFilter(value.type, type));
}

/** A found answer with the request's index and type filters applied (reference §3.2); unchanged without filters. */
export function filtered<R extends Extract<ResolveResult, { kind: 'found' }>>(result: R, request: Pick<ResolveRequest, 'indexes' | 'types'>): R {
  if (request.indexes.length === 0 && request.types.length === 0) return result;
  const values = (JSON.parse(result.valuesJson) as ValueJson[]).filter((value) => matches(value, request));
  return { ...result, valuesJson: JSON.stringify(values), empty: values.length === 0 };
}

function minAge(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
