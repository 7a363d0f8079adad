// A top-level node's side of the hierarchy: its operator admits secondary nodes by their node key; they join
// (publish their site), file their prefixes, report statistics and escrow their records; it takes a silent one over
// and hands it back. Each report is applied once, and only for prefixes the reporting node holds.

import type { Identity } from '../auth/identity.js';
import { jwkThumbprint } from '../auth/node-key.js';
import { IdnodeError } from '../errors.js';
import { checkNotNamespace, isAncestorPrefix, isSameOrAncestorPrefix, parseHandle, prefixFromText, prefixKeyOf, prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import { parseKey } from '../identifier/key-value.js';
import { parseValue, type HandleValue } from '../identifier/value.js';
import type { Logger } from '../log/logger.js';
import type { HierarchyInstruments } from '../metrics/hierarchy-instruments.js';
import type { Takeover } from '../store/hierarchy-tables.js';
import type { Store } from '../store/store.js';
import { NodeDirectory, SITE_TTL_SECONDS, type DirectoryNode } from './node-directory.js';
import { reportsChecksum, servedPrefixOfKey, type Report, type ReportResult } from './reports.js';
import { siteKey, type SiteJson } from './sites.js';

export interface TopLevelOptions {
  readonly store: Store;
  readonly metrics: HierarchyInstruments;
  readonly logger: Logger;
  readonly rule: CaseRule;
  readonly nowMs: () => number;
  readonly nodePrefix: string;
  /** This node's own site, told to nodes that join. */
  readonly site: () => SiteJson;
  readonly isNodeAdmin: (identity: Identity) => boolean;
}

function value(index: number, type: string, data: HandleValue['data'], nowSeconds: number, ttl = 86_400): HandleValue {
  return { index, type, data, ttlType: 0, ttl, timestamp: nowSeconds, permissions: '1110', references: [] };
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
    const { store, rule } = this.options;
    const record = prefixRecordHandle(prefix, rule);
    const nowMs = this.options.nowMs();
    const nowSeconds = Math.floor(nowMs / 1000);
    await store.write(() => {
      const existing = store.getRecord(record.key)?.values;
      const values = [...(existing ?? []).filter((v) => v.index !== 300), value(300, 'HS_PUBKEY', { format: 'key', value: jwk }, nowSeconds)].sort((a, b) => a.index - b.index);
      if (existing === undefined) store.insertRecord(record.key, record.display, record.prefixKey, values, nowSeconds);
      else store.updateRecord(record.key, values, nowSeconds);
      // Its handles live on the node: homed here, they would be "not found" here rather than referred.
      store.unhomePrefix(prefixKeyOf(prefix));
      store.hierarchy.admit(prefixKeyOf(prefix), prefix, nowMs);
    });
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
    const { store, rule } = this.options;
    const nowMs = this.options.nowMs();
    const nowSeconds = Math.floor(nowMs / 1000);
    const parsed = parseValue({ index: 1, type: 'HS_SITE', data: { format: 'site', value: siteInput } }, 'site', nowSeconds, rule);
    const site = parsed.data.value as SiteJson;
    const key = siteKey(site);
    if (key === null || jwkThumbprint(key) !== node.thumbprint) throw new IdnodeError('INVALID_VALUE', "site.servers[0].publicKey must be the node key this node was admitted with");
    const record = prefixRecordHandle(node.prefix, rule);
    let received = 0;
    const handedBack = await store.write(() => {
      received = store.hierarchy.node(node.prefixKey)?.reportSeq ?? 0;
      const existing = store.getRecord(record.key)?.values ?? [];
      const values = [
        ...existing.filter((v) => v.index !== 1 && v.index !== 2),
        value(1, 'HS_SITE', { format: 'site', value: site }, nowSeconds, SITE_TTL_SECONDS),
        value(2, 'HS_SITE.PREFIX', { format: 'site', value: site }, nowSeconds, SITE_TTL_SECONDS),
      ].sort((a, b) => a.index - b.index);
      store.updateRecord(record.key, values, nowSeconds);
      store.hierarchy.joined(node.prefixKey, JSON.stringify(site), nowMs);
      if (node.takeover === null) return false;
      store.hierarchy.setTakeover(node.prefixKey, null, nowMs);
      return true;
    });
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
    const { store } = this.options;
    const nowMs = this.options.nowMs();
    const results = await store.write(() => {
      store.hierarchy.seen(node.prefixKey, nowMs);
      store.hierarchy.received(node.prefixKey, reports.reduce((max, report) => Math.max(max, report.seq), 0));
      return reports.map((report): ReportResult => {
        try {
          return { seq: report.seq, outcome: this.apply(node, report, nowMs) ? 'applied' : 'duplicate' };
        } catch (error) {
          if (!(error instanceof IdnodeError) || error.isServerError) throw error;
          return { seq: report.seq, outcome: 'refused', code: error.code, message: error.message };
        }
      });
    });
    return results;
  }

  private apply(node: DirectoryNode, report: Report, nowMs: number): boolean {
    const { store, rule } = this.options;
    const refuse = (what: string): never => {
      throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `${node.prefix} does not hold ${what}`);
    };
    switch (report.kind) {
      case 'prefix': {
        checkNotNamespace(report.prefix);
        if (!isAncestorPrefix(node.prefix, report.prefix)) refuse(`prefix ${report.prefix}`);
        return store.hierarchy.applyPrefix(node.prefixKey, prefixKeyOf(report.prefix), report.prefix, report.state, report.seq, nowMs);
      }
      case 'record': {
        const handle = parseHandle(report.handle, rule);
        if (!isSameOrAncestorPrefix(node.prefix, servedPrefixOfKey(handle.key))) refuse(`handle ${report.handle}`);
        if (report.values?.some((v) => v.permissions !== undefined && v.permissions[2] !== '1') === true) {
          throw new IdnodeError('INVALID_VALUE', 'only public values are escrowed');
        }
        return store.hierarchy.applyRecord(node.prefixKey, handle.key, report.handle, report.values === null ? null : JSON.stringify(report.values), report.seq, nowMs);
      }
      case 'statistics': {
        const rows = report.prefixes.map((row) => {
          const prefixKey = prefixKeyOf(row.prefix);
          if (!isSameOrAncestorPrefix(node.prefix, row.prefix)) refuse(`prefix ${row.prefix}`);
          return { ...row, prefixKey };
        });
        return store.hierarchy.applyStatistics(node.prefixKey, report.seq, rows, nowMs);
      }
    }
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
    await this.options.store.write(() => this.options.store.hierarchy.setTakeover(node.prefixKey, trigger, this.options.nowMs()));
    this.directory.reload();
    this.options.metrics.takeover(trigger);
    this.options.logger.warn({ node: node.prefix, trigger }, 'took over a secondary node: its prefixes are answered here from its escrow, read-only');
    return this.directory.get(node.prefixKey) ?? node;
  }

  /** Ends a takeover: the node answers for its prefixes again. */
  async release(node: DirectoryNode, reason: string): Promise<DirectoryNode> {
    if (node.takeover === null) return node;
    await this.options.store.write(() => this.options.store.hierarchy.setTakeover(node.prefixKey, null, this.options.nowMs()));
    this.directory.reload();
    this.handedBack(node, reason);
    return this.directory.get(node.prefixKey) ?? node;
  }

  /** The node answered a probe: seen now. */
  async answered(node: DirectoryNode): Promise<void> {
    await this.options.store.write(() => this.options.store.hierarchy.seen(node.prefixKey, this.options.nowMs()));
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
