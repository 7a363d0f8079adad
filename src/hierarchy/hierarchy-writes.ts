// The hierarchy's writes as named commands on the write connection (issue 13: the writer thread): a secondary node's
// outbox bookkeeping, a top-level node's admissions, joins, received reports and takeovers.

import { IdnodeError } from '../errors.js';
import { checkNotNamespace, isAncestorPrefix, isSameOrAncestorPrefix, parseHandle, prefixKeyOf, prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';
import type { Takeover } from '../store/hierarchy-tables.js';
import type { Store } from '../store/store.js';
import type { WriteHandlers } from '../store/write-channel.js';
import { SITE_TTL_SECONDS, type DirectoryNode } from './node-directory.js';
import { servedPrefixOfKey, type Report, type ReportResult } from './reports.js';
import type { SiteJson } from './sites.js';

/** `outbox.joined`: what the upstream said at a join; returns how many waiting reports were renumbered. */
export interface OutboxJoined {
  readonly prefix: string;
  readonly site: SiteJson;
  readonly joinedSite: string;
  readonly received: number;
}

/** `outbox.settle`: the outbox entries the upstream took, and those it refused for good (id and code). */
export interface OutboxSettle {
  readonly taken: readonly number[];
  readonly refused: readonly (readonly [number, string])[];
}

export interface AdmitCommand {
  readonly prefix: string;
  readonly jwk: Readonly<Record<string, string>>;
}

export interface JoinCommand {
  readonly node: DirectoryNode;
  readonly site: SiteJson;
}

export interface ReceiveCommand {
  readonly node: DirectoryNode;
  readonly reports: readonly Report[];
}

export interface TakeoverCommand {
  readonly prefixKey: string;
  readonly takeover: Takeover | null;
}

function value(index: number, type: string, data: HandleValue['data'], nowSeconds: number, ttl = 86_400): HandleValue {
  return { index, type, data, ttlType: 0, ttl, timestamp: nowSeconds, permissions: '1110', references: [] };
}

/** The hierarchy's commands over the write connection's `store`; each runs at the caller's `nowMs`. */
export function hierarchyWriteCommands(store: Store, rule: CaseRule): WriteHandlers {
  return {
    'outbox.queueStatistics': () => store.outbox.queueStatistics(),
    'outbox.pinKey': (thumbprint: string) => store.outbox.setSetting('upstream.key', thumbprint),
    'outbox.joined': (command: OutboxJoined): number => {
      store.outbox.setSetting('upstream.prefix', command.prefix);
      store.outbox.setSetting('upstream.site', JSON.stringify(command.site));
      store.outbox.setSetting('joined.site', command.joinedSite);
      return store.outbox.continueAfter(command.received);
    },
    'outbox.settle': (command: OutboxSettle) => {
      store.outbox.delivered(command.taken);
      for (const [id, code] of command.refused) store.outbox.refuse(id, code);
    },
    'topLevel.admit': (command: AdmitCommand, nowMs: number) => {
      const record = prefixRecordHandle(command.prefix, rule);
      const nowSeconds = Math.floor(nowMs / 1000);
      const existing = store.getRecord(record.key)?.values;
      const values = [...(existing ?? []).filter((v) => v.index !== 300), value(300, 'HS_PUBKEY', { format: 'key', value: command.jwk }, nowSeconds)].sort((a, b) => a.index - b.index);
      if (existing === undefined) store.insertRecord(record.key, record.display, record.prefixKey, values, nowSeconds);
      else store.updateRecord(record.key, values, nowSeconds);
      // Its handles live on the node: homed here, they would be "not found" here rather than referred.
      store.unhomePrefix(prefixKeyOf(command.prefix));
      store.hierarchy.admit(prefixKeyOf(command.prefix), command.prefix, nowMs);
    },
    'topLevel.join': ({ node, site }: JoinCommand, nowMs: number): { received: number; handedBack: boolean } => {
      const nowSeconds = Math.floor(nowMs / 1000);
      const record = prefixRecordHandle(node.prefix, rule);
      const received = store.hierarchy.node(node.prefixKey)?.reportSeq ?? 0;
      const existing = store.getRecord(record.key)?.values ?? [];
      const values = [
        ...existing.filter((v) => v.index !== 1 && v.index !== 2),
        value(1, 'HS_SITE', { format: 'site', value: site }, nowSeconds, SITE_TTL_SECONDS),
        value(2, 'HS_SITE.PREFIX', { format: 'site', value: site }, nowSeconds, SITE_TTL_SECONDS),
      ].sort((a, b) => a.index - b.index);
      store.updateRecord(record.key, values, nowSeconds);
      store.hierarchy.joined(node.prefixKey, JSON.stringify(site), nowMs);
      if (node.takeover === null) return { received, handedBack: false };
      store.hierarchy.setTakeover(node.prefixKey, null, nowMs);
      return { received, handedBack: true };
    },
    'topLevel.receive': ({ node, reports }: ReceiveCommand, nowMs: number): ReportResult[] => {
      store.hierarchy.seen(node.prefixKey, nowMs);
      store.hierarchy.received(node.prefixKey, reports.reduce((max, report) => Math.max(max, report.seq), 0));
      return reports.map((report): ReportResult => {
        try {
          return { seq: report.seq, outcome: apply(store, rule, node, report, nowMs) ? 'applied' : 'duplicate' };
        } catch (error) {
          if (!(error instanceof IdnodeError) || error.isServerError) throw error;
          return { seq: report.seq, outcome: 'refused', code: error.code, message: error.message };
        }
      });
    },
    'topLevel.takeover': (command: TakeoverCommand, nowMs: number) => store.hierarchy.setTakeover(command.prefixKey, command.takeover, nowMs),
    'topLevel.seen': (prefixKey: string, nowMs: number) => store.hierarchy.seen(prefixKey, nowMs),
  };
}

/** Applies one report of `node`; false when it was applied before. Throws INSUFFICIENT_PERMISSIONS, INVALID_VALUE. */
function apply(store: Store, rule: CaseRule, node: DirectoryNode, report: Report, nowMs: number): boolean {
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
