// A top-level node's secondary nodes in memory: which node serves a prefix (by whole segments), where it answers,
// the key it was admitted with, and whether this node has taken it over. Reloaded after every change to them.

import { jwkThumbprint } from '../auth/node-key.js';
import { asciiUpper, parentPrefix, prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import { isTypeOrSubtype } from '../identifier/value.js';
import type { Store } from '../store/store.js';
import type { NodeRow } from '../store/hierarchy-tables.js';
import { originsOfSite, siteReferralValues, type SiteJson } from './sites.js';

/** How long the HS_SITE values a node publishes at its join may be kept by those they are referred to. */
export const SITE_TTL_SECONDS = 3600;

export interface DirectoryNode extends NodeRow {
  /** The site it published at its last join, parsed. */
  readonly siteJson: SiteJson | null;
  readonly origins: readonly string[];
  /** The values of a service referral to it (one HS_SITE), or null before it joined. */
  readonly referralValues: string | null;
  /** Thumbprint of the HS_PUBKEY it was admitted with (index 300 of its prefix record here). */
  readonly thumbprint: string | null;
}

export class NodeDirectory {
  private nodes = new Map<string, DirectoryNode>();
  private takenOverCount = 0;

  constructor(
    private readonly store: Store,
    private readonly rule: CaseRule,
  ) {
    this.reload();
  }

  /** Reads the nodes again (after a join, an admission, a takeover or a hand-back). */
  reload(): void {
    const nodes = new Map<string, DirectoryNode>();
    let taken = 0;
    for (const row of this.store.hierarchy.nodes()) {
      const siteJson = row.site === null ? null : (JSON.parse(row.site) as SiteJson);
      const key = (this.store.getRecord(prefixRecordHandle(row.prefix, this.rule).key)?.values ?? []).find((value) => value.index === 300 && isTypeOrSubtype(value.type, 'HS_PUBKEY'));
      nodes.set(row.prefixKey, {
        ...row,
        siteJson,
        origins: siteJson === null ? [] : originsOfSite(siteJson),
        referralValues: siteJson === null ? null : siteReferralValues(siteJson, SITE_TTL_SECONDS),
        thumbprint: key?.data.format === 'key' ? jwkThumbprint(key.data.value) : null,
      });
      if (row.takeover !== null) taken += 1;
    }
    this.nodes = nodes;
    this.takenOverCount = taken;
  }

  /** The node whose prefix is `prefix` or its nearest ancestor (by whole segments), or undefined. */
  nodeFor(prefix: string): DirectoryNode | undefined {
    if (this.nodes.size === 0) return undefined;
    for (let at: string | null = asciiUpper(prefix); at !== null; at = parentPrefix(at)) {
      const node = this.nodes.get(at);
      if (node !== undefined) return node;
    }
    return undefined;
  }

  get(prefixKey: string): DirectoryNode | undefined {
    return this.nodes.get(prefixKey);
  }

  all(): DirectoryNode[] {
    return [...this.nodes.values()];
  }

  /** Nodes this node answers for now. */
  get takenOver(): number {
    return this.takenOverCount;
  }
}
