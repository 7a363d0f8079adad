// Wiring only: the one table of a node's write commands over one write connection — on the writer thread (issue 13)
// and, for a `:memory:` store or IDNODE_WRITER_THREAD=false, on the main thread — with the write-side pieces they use.

import { AccessPolicy } from './auth/access-policy.js';
import { Authorizer } from './auth/authorizer.js';
import { buildBusiness, recordJournal } from './business.js';
import { RecordCache } from './cache/record-cache.js';
import type { Config } from './config.js';
import { IdnodeError } from './errors.js';
import type { CaseRule } from './identifier/handle.js';
import { hierarchyWriteCommands } from './hierarchy/hierarchy-writes.js';
import { prefixWriteCommands } from './prefixes/prefix-service.js';
import { registerWriteCommands } from './register/register-writes.js';
import type { RecordLookup, Store } from './store/store.js';
import type { WriteChannel, WriteHandler, WriteHandlers } from './store/write-channel.js';
import { usageWriteCommands } from './usage/usage-recorder.js';

/** The write side's services never send commands of their own: they run inside one. */
const NO_FURTHER_WRITES: WriteChannel = {
  kind: 'local',
  healthy: true,
  nowMs: () => 0,
  run: () => Promise.reject(new IdnodeError('INTERNAL', 'a write command cannot send another')),
  runPart: () => Promise.reject(new IdnodeError('INTERNAL', 'a write command cannot send another')),
  close: () => Promise.resolve(),
};

/** What the write commands need to know of the node: plain data, handed to the writer thread. */
export interface WriteCommandSettings {
  readonly rule: CaseRule;
  readonly nodePrefixRecordKey: string;
  /** The node's configuration (quotas, the seal key, the node prefix): the write side builds its services from it. */
  readonly config: Config;
}

/**
 * The commands, reading and writing through `store` (the write connection). Everything they check — authorization,
 * the caller's conditions, quotas, templates — is read from that connection inside the transaction, so a write sees
 * the ones committed before it in the same group. Every command comes with `nowMs`, the caller's clock when it was
 * sent: the write side never reads its own (the audit log's times, a quota's day come from it).
 */
export function writeCommands(store: Store, settings: WriteCommandSettings): WriteHandlers {
  let commandMs = 0;
  const nowMs = (): number => commandMs;
  const policy = new AccessPolicy(new Authorizer(settings.nodePrefixRecordKey, settings.rule), settings.rule);
  const lookup: RecordLookup = (key) => store.getRecord(key)?.values;
  // The business services over the write connection: their …InWrite bodies are the commands' (the main thread's
  // services validate, then send). Compiled templates are immutable by id and revision; nothing read inside a write is
  // remembered (TemplateService.validator).
  const business = buildBusiness({
    store,
    config: settings.config,
    policy,
    lookup,
    rule: settings.rule,
    nowMs,
    compiledTemplates: new RecordCache<object>(100),
    nodeSite: () => {
      throw new IdnodeError('INTERNAL', 'the write side has no site of its own: commands carry it');
    },
    writes: NO_FURTHER_WRITES,
    flushQuotas: false,
  });
  const journal = recordJournal({ store, audit: business.audit, templates: business.templates, quotas: business.quotas, enterpriseRows: business.enterpriseRows });
  const commands: WriteHandlers = {
    ...registerWriteCommands(store, policy, lookup, journal, settings),
    ...prefixWriteCommands(store),
    ...usageWriteCommands(store),
    ...hierarchyWriteCommands(store, settings.rule),
    'templates.create': (args: Parameters<typeof business.templates.createInWrite>[0]) => business.templates.createInWrite(args),
    'templates.update': (args: Parameters<typeof business.templates.updateInWrite>[0]) => business.templates.updateInWrite(args),
    'templates.delete': (args: Parameters<typeof business.templates.deleteInWrite>[0]) => business.templates.deleteInWrite(args),
    'accounts.create': (args: Parameters<typeof business.accounts.createInWrite>[0]) => business.accounts.createInWrite(args),
    'accounts.password': (args: Parameters<typeof business.accounts.setPasswordInWrite>[0]) => business.accounts.setPasswordInWrite(args),
    'accounts.login': (args: Parameters<typeof business.accounts.loginInWrite>[0]) => business.accounts.loginInWrite(args),
    'accounts.revoke': (args: string) => business.accounts.revokeInWrite(args),
    'enterprises.apply': (args: Parameters<typeof business.applications.applyInWrite>[0]) => business.applications.applyInWrite(args),
    'enterprises.upgradeApply': (args: Parameters<typeof business.applications.upgradeApplyInWrite>[0]) => business.applications.upgradeApplyInWrite(args),
    'enterprises.review': (args: Parameters<typeof business.lifecycle.reviewInWrite>[0]) => business.lifecycle.reviewInWrite(args),
    'enterprises.state': (args: Parameters<typeof business.lifecycle.setStateInWrite>[0]) => business.lifecycle.setStateInWrite(args),
    'quotas.save': (args: Parameters<typeof business.quotas.saveInWrite>[0]) => business.quotas.saveInWrite(args),
    'enterprises.configure': (args: Parameters<typeof business.publication.configureInWrite>[0]) => business.publication.configureInWrite(args),
  };
  const clocked: Record<string, WriteHandler> = {};
  for (const [name, command] of Object.entries(commands)) {
    const run = command as (args: unknown, nowMs: number) => unknown;
    clocked[name] = (args: unknown, nowMs: number) => {
      commandMs = nowMs;
      return run(args, nowMs);
    };
  }
  return clocked;
}
