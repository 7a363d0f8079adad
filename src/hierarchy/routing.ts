// What a node answers for a handle it neither stores nor refers itself (the ResolveService's Beyond): a top-level
// node refers to the secondary node that serves the prefix, or answers from the escrow of one it took over; a
// secondary node refers to its upstream.

import { prefixOfPrefixRecord, type Handle } from '../identifier/handle.js';
import type { HierarchyInstruments } from '../metrics/hierarchy-instruments.js';
import type { Beyond, ResolveResult } from '../resolve/resolve-service.js';
import type { Store } from '../store/store.js';
import type { NodeDirectory } from './node-directory.js';
import { siteReferralValues, type SiteJson } from './sites.js';

/** The prefix a handle belongs to for the hierarchy: its own, or for a prefix record 0.NA/P, P. */
function servedPrefix(handle: Handle): string {
  return prefixOfPrefixRecord(handle) ?? handle.prefix;
}

/** A top-level node: referrals to its secondary nodes, and escrow answers for those it took over. */
export function topLevelBeyond(directory: NodeDirectory, store: Store, metrics: HierarchyInstruments): Beyond {
  return {
    takenOver(handle) {
      if (directory.takenOver === 0) return null;
      const node = directory.nodeFor(servedPrefix(handle));
      if (node?.takeover == null) return null;
      metrics.escrowAnswer();
      const record = store.hierarchy.escrowed(handle.key);
      // Answers from the escrow are read-only copies, marked as such; kept by no one (the node may return any moment).
      if (record === undefined || record.publicValues === null) return { kind: 'not-found', maxAgeSeconds: 0, source: 'escrow' };
      return { kind: 'found', valuesJson: record.publicValues, empty: record.publicValues === '[]', maxAgeSeconds: 0, source: 'escrow' };
    },
    refer(handle) {
      const node = directory.nodeFor(servedPrefix(handle));
      if (node === undefined || node.referralValues === null) return null;
      return { kind: 'service-referral', referralHandle: `0.NA/${node.prefix}`, valuesJson: node.referralValues, maxAgeSeconds: null };
    },
  };
}

/** A secondary node: every handle whose prefix does not live here is referred to the upstream, once it has joined. */
export function upstreamBeyond(upstream: () => { prefix: string; site: SiteJson } | null, ttlSeconds: number): Beyond {
  let memo: { site: SiteJson; result: ResolveResult } | null = null;
  return {
    takenOver: () => null,
    refer() {
      const known = upstream();
      if (known === null) return null;
      if (memo?.site !== known.site) {
        memo = { site: known.site, result: { kind: 'service-referral', referralHandle: `0.NA/${known.prefix}`, valuesJson: siteReferralValues(known.site, ttlSeconds), maxAgeSeconds: null } };
      }
      return memo.result;
    },
  };
}
