// A top-level node's side of the hierarchy: its operator admits secondary nodes by their node key; they join
// (publish their site), file their prefixes, report statistics and escrow their records; it takes a silent one over
// and hands it back. Each report is applied once, and only for prefixes the reporting node holds.

import type { Identity } from '../auth/identity.js';
import { jwkThumbprint } from '../auth/node-key.js';
import { IdnodeError } from '../errors.js';
import { isSameOrAncestorPrefix, prefixFromText, prefixKeyOf, type CaseRule } from '../identifier/handle.js';
import { parseKey } from '../identifier/key-value.js';
import { parseValue } from '../identifier/value.js';
import type { Logger } from '../log/logger.js';
import type { HierarchyInstruments } from '../metrics/hierarchy-instruments.js';
import type { Takeover } from '../store/hierarchy-tables.js';
import type { Store } from '../store/store.js';
import type { WriteChannel } from '../store/write-channel.js';
import type { AdmitCommand, JoinCommand, ReceiveCommand, TakeoverCommand } from './hierarchy-writes.js';
import { NodeDirectory, type DirectoryNode } from './node-directory.js';
import { reportsChecksum, type Report, type ReportResult } from './reports.js';
import { siteKey, type SiteJson } from './sites.js';

export interface TopLevelOptions {
  readonly store: Store;
  /** Where its writes run (the writer thread; the commands are in hierarchy-writes.ts). */
  readonly writes: WriteChannel;
  readonly metrics: HierarchyInstruments;
  readonly logger: Logger;
  readonly rule: CaseRule;
  readonly nowMs: () => number;
  readonly nodePrefix: string;
  /** This node's own site, told to nodes that join. */
  readonly site: () => SiteJson;
  readonly isNodeAdmin: (identity: Identity) => boolean;
}

export class TopLevel {
  readonly directory: NodeDirectory;

  constructor(private readonly options: TopLevelOptions) {
    this.directory = new NodeDirectory(options.store, options.rule);
  }

  /**
   * Admits a secondary node: `0.NA/<prefix>` here holds its node key (HS_PUBKEY at 300), with which it authenticates as
   * `300:0.NA/<prefix>`; the prefix is not homed here (its handles live on that node). Node administrators only.
   * Throws AUTHENTICATION_NEEDED, INSUFFICIENT_PERMISSIONS, INVALID_HANDLE, INVALID_VALUE, STORE_*.
   */
  async admit(identity: Identity | null, prefixText: string, publicKey: unknown): Promise<{ prefix: string; thumbprint: string }> {
    this.requireAdmin(identity);
    const prefix = prefixFromText(prefixText);
    if (isSameOrAncestorPrefix(prefix, this.options.nodePrefix)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `${prefix} is this node's own prefix or one of its ancestors`);
    const jwk = parseKey(publicKey, 'publicKey');
    if (jwk.kty !== 'RSA') throw new IdnodeError('INVALID_VALUE', 'publicKey must be the RSA key the node publishes at /api/site');
    await this.options.writes.run('topLevel.admit', { prefix, jwk } satisfies AdmitCommand);
    this.directory.reload();
    this.options.logger.info({ node: prefix }, 'secondary node admitted');
    return { prefix, thumbprint: jwkThumbprint(jwk) };
  }

  /**
   * A node joins (or rejoins): its site becomes HS_SITE and HS_SITE.PREFIX of its prefix record here, and a takeover of
   * it ends — it answers again. Returns this node's prefix and site, and the highest sequence number received from the
   * node. Throws INSUFFICIENT_PERMISSIONS, INVALID_VALUE.
   */
  async join(identity: Identity | null, siteInput: unknown): Promise<{ prefix: string; site: SiteJson; received: number }> {
    const node = this.nodeOf(identity);
    const { rule } = this.options;
    const nowSeconds = Math.floor(this.options.nowMs() / 1000);
    const parsed = parseValue({ index: 1, type: 'HS_SITE', data: { format: 'site', value: siteInput } }, 'site', nowSeconds, rule);
    const site = parsed.data.value as SiteJson;
    const key = siteKey(site);
    if (key === null || jwkThumbprint(key) !== node.thumbprint) throw new IdnodeError('INVALID_VALUE', "site.servers[0].publicKey must be the node key this node was admitted with");
    const { received, handedBack } = await this.options.writes.run<{ received: number; handedBack: boolean }>('topLevel.join', { node, site } satisfies JoinCommand);
    this.directory.reload();
    if (handedBack) this.handedBack(node, 'it joined again');
    this.options.logger.info({ node: node.prefix }, 'secondary node joined');
    // The highest sequence number received from it: a node restored from an older backup continues above it.
    return { prefix: this.options.nodePrefix, site: this.options.site(), received };
  }

  /**
   * Applies a batch of reports from the node `identity` proves to be, each once: its checksum must match, then each
   * report is applied, recognised as already applied, or refused (a prefix that node does not hold, values that are
   * not public). Throws CHECKSUM_MISMATCH (nothing applied), INSUFFICIENT_PERMISSIONS, STORE_*.
   */
  async receive(identity: Identity | null, reports: readonly Report[], checksum: string): Promise<ReportResult[]> {
    const node = this.nodeOf(identity);
    if (reportsChecksum(JSON.stringify(reports)) !== checksum) throw new IdnodeError('CHECKSUM_MISMATCH');
    return this.options.writes.run<ReportResult[]>('topLevel.receive', { node, reports } satisfies ReceiveCommand);
  }

  /** The operator's takeover of an admitted node. Throws AUTHENTICATION_NEEDED, INSUFFICIENT_PERMISSIONS, HANDLE_NOT_FOUND. */
  async takeOver(identity: Identity | null, prefixText: string): Promise<DirectoryNode> {
    this.requireAdmin(identity);
    return this.begin(this.admitted(prefixText), 'manual');
  }

  /** The operator ends a takeover. Throws AUTHENTICATION_NEEDED, INSUFFICIENT_PERMISSIONS, HANDLE_NOT_FOUND. */
  async handBack(identity: Identity | null, prefixText: string): Promise<DirectoryNode> {
    this.requireAdmin(identity);
    return this.release(this.admitted(prefixText), 'the operator handed it back');
  }

  /** Starts a takeover: from now on this node answers for the node's prefixes from its escrow, read-only. */
  async begin(node: DirectoryNode, trigger: Takeover): Promise<DirectoryNode> {
    if (node.takeover !== null) return node;
    await this.options.writes.run('topLevel.takeover', { prefixKey: node.prefixKey, takeover: trigger } satisfies TakeoverCommand);
    this.directory.reload();
    this.options.metrics.takeover(trigger);
    this.options.logger.warn({ node: node.prefix, trigger }, 'took over a secondary node: its prefixes are answered here from its escrow, read-only');
    return this.directory.get(node.prefixKey) ?? node;
  }

  /** Ends a takeover: the node answers for its prefixes again. */
  async release(node: DirectoryNode, reason: string): Promise<DirectoryNode> {
    if (node.takeover === null) return node;
    await this.options.writes.run('topLevel.takeover', { prefixKey: node.prefixKey, takeover: null } satisfies TakeoverCommand);
    this.directory.reload();
    this.handedBack(node, reason);
    return this.directory.get(node.prefixKey) ?? node;
  }

  /** The node answered a probe: seen now. */
  async answered(node: DirectoryNode): Promise<void> {
    await this.options.writes.run('topLevel.seen', node.prefixKey);
    this.directory.reload();
  }

  requireAdmin(identity: Identity | null): void {
    if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'this operation needs credentials');
    if (!this.options.isNodeAdmin(identity)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'only node administrators may do this');
  }

  private handedBack(node: DirectoryNode, reason: string): void {
    this.options.metrics.handback();
    this.options.logger.info({ node: node.prefix, reason }, 'handed a secondary node back: it answers for its prefixes again');
  }

  private admitted(prefixText: string): DirectoryNode {
    const node = this.directory.get(prefixKeyOf(prefixFromText(prefixText)));
    if (node === undefined) throw new IdnodeError('HANDLE_NOT_FOUND', `no secondary node ${prefixText} is admitted here`);
    return node;
  }

  /** The admitted node an identity is (`<index>:0.NA/<its prefix>`). Throws AUTHENTICATION_NEEDED, INSUFFICIENT_PERMISSIONS. */
  private nodeOf(identity: Identity | null): DirectoryNode {
    if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'a secondary node authenticates with its node key');
    const prefix = identity.handle.prefixKey === '0.NA' ? identity.handle.suffix : null;
    const node = prefix === null ? undefined : this.directory.get(prefixKeyOf(prefix));
    if (node === undefined) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `${identity.handle.display} is not a secondary node admitted here`);
    return node;
  }
}
