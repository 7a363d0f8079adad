// Every cache of one node and the one way each is invalidated: by the keys a commit touched, or all at once.

import { PREFIX_NAMESPACE } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';
import type { PublicView } from '../identifier/value-json.js';
import type { ProxyPlan } from '../proxy/redirect-plan.js';
import { CredentialCache } from './credential-cache.js';
import { RecordCache } from './record-cache.js';
import { PrefixMemo } from './prefix-memo.js';
import { ResolveCache } from './resolve-cache.js';
import { DerivedCache } from './derived-cache.js';

export interface NodeCachesOptions {
  readonly resolveMaxEntries: number;
  readonly resolveMaxBytes: number;
  /** How long a verified secret is remembered (0 = never). */
  readonly credentialTtlMs: number;
  readonly nowMs: () => number;
}

/**
 * The resolve cache (public answers), remembered credentials, parsed records for authentication and authorization,
 * and prefix-referral decisions. The store reports what it writes (see Store's onRecordWritten and onCommitted);
 * nothing else needs to remember to invalidate.
 */
export class NodeCaches {
  readonly resolve: ResolveCache;
  readonly credentials: CredentialCache;
  /** Parsed records; dropped on every write, never filled inside a transaction, so they only ever hold committed data. */
  readonly records = new RecordCache<readonly HandleValue[]>(10_000);
  /** Which referral (a public view, or none) a prefix's derived prefixes get. */
  readonly referrals = new PrefixMemo<PublicView | null>(10_000);
  /** Whether a prefix is homed here. */
  readonly homed = new PrefixMemo<boolean>(10_000);
  /**
   * The resolver proxy's plan of each record and its rendered product pages, dropped with the record (and checked
   * against the values they were made from). Each is bounded like the resolve cache, with a quarter of its bytes.
   */
  readonly proxyPlans: DerivedCache<ProxyPlan>;
  readonly pages: DerivedCache<string>;
  /** Compiled data templates (JSON Schema validators), by template id and revision: immutable, so never invalidated. */
  readonly templates = new RecordCache<object>(1_000);

  constructor(options: NodeCachesOptions) {
    this.resolve = new ResolveCache({ maxEntries: options.resolveMaxEntries, maxBytes: options.resolveMaxBytes, nowMs: options.nowMs });
    this.credentials = new CredentialCache({ maxEntries: 10_000, ttlMs: options.credentialTtlMs, nowMs: options.nowMs });
    const derived = { maxEntries: options.resolveMaxEntries, maxBytes: Math.max(1024, Math.floor(options.resolveMaxBytes / 4)) };
    this.proxyPlans = new DerivedCache<ProxyPlan>({ ...derived, maxVariants: 1 });
    // A page per language, spelling of the handle and host name it was asked under.
    this.pages = new DerivedCache<string>({ ...derived, maxVariants: 8 });
  }

  /** Inside a write transaction: the record of `handleKey` changed, so its parsed copy is dropped at once. */
  written(handleKey: string): void {
    this.records.invalidate(handleKey);
  }

  /** After a commit, before it is acknowledged: every answer derived from these records is dropped. */
  invalidate(handleKeys: readonly string[]): void {
    this.resolve.invalidate(handleKeys);
    this.proxyPlans.invalidate(handleKeys);
    this.pages.invalidate(handleKeys);
    for (const key of handleKeys) {
      this.credentials.forgetHandle(key);
      // A commit on another connection (the writer thread's) never passed through written().
      this.records.invalidate(key);
    }
    // A prefix record changed, or a prefix was homed or unhomed (the store reports those as their 0.NA/ key).
    if (handleKeys.some((key) => key.startsWith(`${PREFIX_NAMESPACE}/`))) {
      this.referrals.clear();
      this.homed.clear();
      this.resolve.invalidateHoming();
      // Pages show the enterprise from its prefix record.
      this.pages.clear();
    }
  }

  /** Another process wrote to the store: nothing remembered can be trusted. */
  clear(): void {
    this.resolve.clear();
    this.credentials.clear();
    this.records.clear();
    this.referrals.clear();
    this.homed.clear();
    this.resolve.invalidateHoming();
    this.proxyPlans.clear();
    this.pages.clear();
  }
}
