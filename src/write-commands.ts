// Wiring only: the one table of a node's write commands over one write connection — on the writer thread (issue 13)
// and, for a `:memory:` store or IDNODE_WRITER_THREAD=false, on the main thread — with the write-side pieces they use.

import { Authority } from './accounts/authority.js';
import { AuditService } from './audit/audit-service.js';
import { AccessPolicy } from './auth/access-policy.js';
import { Authorizer } from './auth/authorizer.js';
import { recordJournal } from './business.js';
import { RecordCache } from './cache/record-cache.js';
import type { CaseRule } from './identifier/handle.js';
import { prefixWriteCommands } from './prefixes/prefix-service.js';
import { QuotaService } from './quotas/quota-service.js';
import { registerWriteCommands } from './register/register-writes.js';
import { AuditRows } from './store/audit.js';
import { EnterpriseRows } from './store/enterprises.js';
import { QuotaRows } from './store/quotas.js';
import type { RecordLookup, Store } from './store/store.js';
import { TemplateRows } from './store/templates.js';
import type { WriteHandler, WriteHandlers } from './store/write-channel.js';
import { TemplateService } from './templates/template-service.js';
import { usageWriteCommands } from './usage/usage-recorder.js';

/** What the write commands need to know of the node: plain data, handed to the writer thread. */
export interface WriteCommandSettings {
  readonly rule: CaseRule;
  readonly nodePrefixRecordKey: string;
  /** IDNODE_QUOTA_HANDLES_PER_PREFIX (0 = no cap), checked inside the write that would exceed it. */
  readonly quotaHandlesPerPrefix: number;
}

/**
 * The commands, reading and writing through `store` (the write connection). Everything they check — authorization,
 * the caller's conditions, quotas, templates — is read from that connection inside the transaction, so a write sees
 * the ones committed before it in the same group. Every command's arguments carry `nowMs`, the caller's clock: the
 * write side never reads its own (the audit log's times come from it).
 */
export function writeCommands(store: Store, settings: WriteCommandSettings): WriteHandlers {
  let commandMs = 0;
  const nowMs = (): number => commandMs;
  const policy = new AccessPolicy(new Authorizer(settings.nodePrefixRecordKey, settings.rule), settings.rule);
  const lookup: RecordLookup = (key) => store.getRecord(key)?.values;
  const audit = new AuditService(new AuditRows(store), nowMs);
  // Compiled templates are immutable by id and revision; nothing read inside a write is remembered (TemplateService).
  const templates = new TemplateService(store, new TemplateRows(store), audit, new Authority(policy, lookup), new RecordCache<object>(100), nowMs);
  const quotas = new QuotaService(new QuotaRows(store), { dailyRequests: 0, handlesPerPrefix: settings.quotaHandlesPerPrefix, prefixesPerEnterprise: 0, nowMs });
  const journal = recordJournal({ store, audit, templates, quotas, enterpriseRows: new EnterpriseRows(store) });
  const commands: WriteHandlers = {
    ...registerWriteCommands(store, policy, lookup, journal, settings),
    ...prefixWriteCommands(store),
    ...usageWriteCommands(store),
  };
  const clocked: Record<string, WriteHandler> = {};
  for (const [name, command] of Object.entries(commands)) {
    const run = command as (args: { readonly nowMs: number }) => unknown;
    clocked[name] = (args: { readonly nowMs: number }) => {
      commandMs = args.nowMs;
      return run(args);
    };
  }
  return clocked;
}
