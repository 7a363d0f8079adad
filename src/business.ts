// Wiring of the secondary-node business (SNMS): accounts, audit, quotas, templates and enterprises over the store, and
// the journal every record write passes through.

import { AccountService } from './accounts/account-service.js';
import { Authority } from './accounts/authority.js';
import { sealKeyFor } from './accounts/seal.js';
import { AuditService, digestOfStored } from './audit/audit-service.js';
import type { AccessPolicy } from './auth/access-policy.js';
import type { Config } from './config.js';
import { PREFIX_NAMESPACE, prefixKeyOf, prefixOfPrefixRecord, type CaseRule, type Handle } from './identifier/handle.js';
import { QuotaService } from './quotas/quota-service.js';
import { IdnodeError } from './errors.js';
import type { RecordChange, RecordJournal } from './register/journal.js';
import type { HandleValue } from './identifier/value.js';
import type { SnmsRecordInput } from './templates/template-schema.js';
import { AccountRows } from './store/accounts.js';
import { AuditRows } from './store/audit.js';
import { EnterpriseRows } from './store/enterprises.js';
import { QuotaRows } from './store/quotas.js';
import { TemplateRows } from './store/templates.js';
import { Applications } from './enterprises/applications.js';
import { PrefixLifecycle } from './enterprises/prefix-lifecycle.js';
import { Publication } from './enterprises/publication.js';
import { StoppedPrefixes } from './enterprises/stopped-prefixes.js';
import { EnterpriseViews } from './enterprises/views.js';
import { TEMPLATE_INDEX, TemplateService } from './templates/template-service.js';
import type { RecordCache } from './cache/record-cache.js';
import type { RecordLookup, Store } from './store/store.js';
import type { WriteChannel } from './store/write-channel.js';

export interface BusinessDeps {
  readonly store: Store;
  readonly config: Config;
  readonly policy: AccessPolicy;
  readonly lookup: RecordLookup;
  readonly rule: CaseRule;
  readonly nowMs: () => number;
  /** Where compiled templates are kept (NodeCaches.templates). */
  readonly compiledTemplates: RecordCache<object>;
  /** This node's own site (HS_SITE value), published for hosted prefixes. */
  readonly nodeSite: () => Readonly<Record<string, unknown>>;
  /**
   * Where the services' writes run: named commands on the writer thread, where the same services, built over the
   * write connection, run their `…InWrite` bodies (write-commands.ts).
   */
  readonly writes: WriteChannel;
  /** False on the write side: no request is counted there, so there is nothing to save every second. */
  readonly flushQuotas?: boolean;
}

export interface Business {
  readonly accounts: AccountService;
  readonly authority: Authority;
  readonly audit: AuditService;
  readonly quotas: QuotaService;
  readonly enterpriseRows: EnterpriseRows;
  readonly templates: TemplateService;
  /** Prefixes whose identifiers neither register nor resolve. */
  readonly stopped: StoppedPrefixes;
  readonly applications: Applications;
  readonly lifecycle: PrefixLifecycle;
  readonly publication: Publication;
  readonly views: EnterpriseViews;
  /** Saves what is kept in memory (quota counts) and stops the timer that saves it. */
  close(): void;
}

/** The SNMS record whose Handle values `values` are (snms/record.ts handleValuesOf, the other way round). */
function snmsRecordOf(handle: Handle, templateVersion: string, values: readonly HandleValue[]): SnmsRecordInput {
  return {
    handle: handle.display,
    templateVersion,
    value: values.filter((value) => value.index !== TEMPLATE_INDEX).map((value) => ({ index: value.index, type: value.type, data: { format: 'string', value: String(value.data.value) } })),
  };
}

/** The prefix an audit entry of a record change is filed under: P for `0.NA/P`, else the handle's prefix. */
function auditPrefixKey(change: RecordChange): string {
  const derived = prefixOfPrefixRecord(change.handle);
  return derived === null ? change.handle.prefixKey : prefixKeyOf(derived);
}

function recordAction(change: RecordChange): string {
  if (change.before === undefined) return 'handle.create';
  return change.after === undefined ? 'handle.delete' : 'handle.update';
}

export function buildBusiness(deps: BusinessDeps): Business {
  const { store, config, nowMs } = deps;
  const audit = new AuditService(new AuditRows(store), nowMs);
  const enterpriseRows = new EnterpriseRows(store);
  const accounts = new AccountService(new AccountRows(store), enterpriseRows, audit, sealKeyFor(config.dbPath, config.sealKeyPath), {
    rule: deps.rule,
    nodePrefix: config.nodePrefix,
    hashCost: config.passwordHashCost,
    nowMs,
  }, deps.writes);
  const authority = new Authority(deps.policy, deps.lookup);
  const quotas = new QuotaService(new QuotaRows(store), {
    dailyRequests: config.quotaDailyRequests,
    handlesPerPrefix: config.quotaHandlesPerPrefix,
    prefixesPerEnterprise: config.quotaPrefixesPerEnterprise,
    nowMs,
    writes: deps.writes,
  });
  const templates = new TemplateService(store, new TemplateRows(store), audit, authority, deps.compiledTemplates, nowMs, deps.writes);
  const stopped = new StoppedPrefixes(() => enterpriseRows.stoppedPrefixKeys());
  const enterpriseDeps = { store, rows: enterpriseRows, accounts, audit, authority, quotas, rule: deps.rule, nodePrefix: config.nodePrefix, nowMs, writes: deps.writes };
  const applications = new Applications(enterpriseDeps);
  const lifecycle = new PrefixLifecycle(enterpriseDeps, stopped);
  const publication = new Publication(enterpriseDeps, deps.nodeSite);
  const views = new EnterpriseViews(enterpriseDeps, config.ghrName);
  const timer = deps.flushQuotas === false ? undefined : setInterval(() => quotas.flush(), 1000).unref();
  return {
    accounts,
    authority,
    audit,
    quotas,
    enterpriseRows,
    templates,
    stopped,
    applications,
    lifecycle,
    publication,
    views,
    close() {
      clearInterval(timer);
      quotas.flush();
    },
  };
}

/** What the journal of the write connection works with: that connection's store and the business pieces built over it. */
export interface JournalParts {
  readonly store: Store;
  readonly audit: AuditService;
  readonly templates: TemplateService;
  readonly quotas: QuotaService;
  readonly enterpriseRows: EnterpriseRows;
}

/**
 * The journal every record write passes through, inside its transaction (register-writes.ts): the caller's condition
 * re-checked (prefix not stopped, template still passed), quotas before a creation, the audit entry and template usage
 * after a change. Built over the write connection (the writer thread's), from which it reads everything it checks.
 */
export function recordJournal({ store, audit, templates, quotas, enterpriseRows }: JournalParts): RecordJournal {
  return {
    check(handle, condition, values) {
      if (condition.prefixActive === true && enterpriseRows.isStopped(handle.prefixKey)) {
        throw new IdnodeError('PREFIX_DISABLED', `prefix ${handle.prefix} is disabled`);
      }
      const { template } = condition;
      if (template !== undefined) {
        templates.recheck(handle.prefixKey, template.version, template, (current) => current.check(snmsRecordOf(handle, template.version, values)));
      }
    },
    beforeCreate(handle) {
      // Prefix records are the node's own bookkeeping, not registrations.
      if (handle.prefixKey !== PREFIX_NAMESPACE && quotas.capsHandles) quotas.checkHandleCount(handle.prefix, store.countHandles(handle.prefixKey));
    },
    changed(change) {
      // A record's state after a change is in the store until the next change, whose entry keeps it as `before`:
      // the full before-image and a digest of the after-image record the whole history at half the bytes.
      audit.append({
        actor: change.actor,
        action: recordAction(change),
        prefixKey: auditPrefixKey(change),
        target: change.handle.display,
        before: change.before ?? null,
        after: change.afterStored === undefined ? null : digestOfStored(change.afterStored),
      });
      templates.trackUsage(change);
    },
    settle() {
      templates.settleUsage();
    },
  };
}
