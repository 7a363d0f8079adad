// Enterprise applications (snms-v5-api.md §7): apply (user and enterprise together), upgrade-apply, and adopting a prefix.

import type { Caller, AccountService, PreparedAccount } from '../accounts/account-service.js';
import type { Authority } from '../accounts/authority.js';
import type { Actor, AuditService } from '../audit/audit-service.js';
import { IdnodeError } from '../errors.js';
import { prefixKeyOf, prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import type { QuotaService } from '../quotas/quota-service.js';
import type { EnterpriseRows } from '../store/enterprises.js';
import type { Store } from '../store/store.js';
import type { WriteChannel } from '../store/write-channel.js';
import { enterpriseColumns, enterpriseSnapshot, parseApplication, PREFIX_STATE, type Application, type Json } from './enterprise-model.js';

export interface EnterpriseDeps {
  readonly store: Store;
  readonly rows: EnterpriseRows;
  readonly accounts: AccountService;
  readonly audit: AuditService;
  readonly authority: Authority;
  readonly quotas: QuotaService;
  readonly rule: CaseRule;
  readonly nodePrefix: string;
  readonly nowMs: () => number;
  /** Where the writes run (the writer thread, where these services' …InWrite bodies run over its connection). */
  readonly writes: WriteChannel;
}

/** The arguments of the application write commands: plain data (they cross to the writer thread). */
export interface ApplyCommand {
  readonly application: Application;
  readonly prepared: PreparedAccount;
  readonly actor: Actor;
}

export interface UpgradeApplyCommand {
  readonly application: Application;
  readonly accountId: number;
  readonly actor: Actor;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export class Applications {
  constructor(private readonly deps: EnterpriseDeps) {}

  /**
   * `ent/apply` (admins): creates the user and the enterprise, its prefix awaiting review (state 4). Throws
   * MISSING_PARAMETER, INVALID_BODY, ACCOUNT_ALREADY_EXISTS, ENTERPRISE_ALREADY_EXISTS, PREFIX_ALREADY_EXISTS, PREFIX_LIMIT.
   */
  async apply(caller: Caller, body: unknown, actor: Actor): Promise<void> {
    this.deps.authority.requireAdmin(caller);
    const application = parseApplication(body, this.deps.nodePrefix);
    const user = application.sysUser;
    if (user === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: sysUser');
    const username = text(user.userName) ?? text(user.username);
    if (username === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: sysUser.userName');
    const prepared = await this.deps.accounts.prepare({
      username,
      passwordSha256: String(user.password),
      role: 'enterprise',
      enterpriseId: null,
      email: text(user.email),
      mobile: text(user.mobile),
      remarks: text(user.remarks),
    });
    await this.deps.writes.run('enterprises.apply', { application, prepared, actor } satisfies ApplyCommand);
  }

  /** Inside the write of `apply` (the command `enterprises.apply`). */
  applyInWrite({ application, prepared, actor }: ApplyCommand): void {
    const id = this.createEnterprise(application, actor);
    this.deps.accounts.insert({ ...prepared, input: { ...prepared.input, enterpriseId: id } } satisfies PreparedAccount, actor);
  }

  /**
   * `ent/upgrade-apply`: an existing user's enterprise information, created or replaced, and a new prefix application
   * when `entPrefix` is not one of its prefixes yet (a rejected one is submitted again). Admins, or the user itself.
   * Throws ACCOUNT_NOT_FOUND, INSUFFICIENT_PERMISSIONS, ENTERPRISE_ALREADY_EXISTS, PREFIX_ALREADY_EXISTS, PREFIX_LIMIT.
   */
  async upgradeApply(caller: Caller, body: unknown, actor: Actor): Promise<void> {
    const application = parseApplication(body, this.deps.nodePrefix);
    if (application.username === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: username');
    const account = this.deps.accounts.find(application.username);
    if (account === undefined) throw new IdnodeError('ACCOUNT_NOT_FOUND', `用户不存在: ${application.username}`);
    if (!this.deps.authority.isAdmin(caller) && caller.accountId !== account.id) {
      throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '企业用户只能修改本企业信息 (enterprise users edit only their own enterprise)');
    }
    await this.deps.writes.run('enterprises.upgradeApply', { application, accountId: account.id, actor } satisfies UpgradeApplyCommand);
  }

  /** Inside the write of `upgradeApply` (the command `enterprises.upgradeApply`). */
  upgradeApplyInWrite({ application, accountId, actor }: UpgradeApplyCommand): void {
    const enterpriseId = this.deps.accounts.find(application.username ?? '')?.enterpriseId ?? null;
    if (enterpriseId === null) {
      const id = this.createEnterprise(application, actor);
      this.deps.accounts.attach(accountId, id, actor);
      return;
    }
    this.updateEnterprise(enterpriseId, application, actor);
  }

  /** Inside a write: a new enterprise with its first prefix application; returns its id. */
  private createEnterprise(application: Application, actor: Actor): number {
    const columns = enterpriseColumns(application);
    if (this.deps.rows.findByCredential(columns.orgCrtType, columns.orgCrtCode) !== undefined) {
      throw new IdnodeError('ENTERPRISE_ALREADY_EXISTS', `企业已存在: ${columns.orgCrtCode}`);
    }
    this.checkPrefixFree(application, null);
    this.deps.quotas.checkPrefixCount(0);
    const nowMs = this.deps.nowMs();
    const id = this.deps.rows.add({ ...columns, createdAt: nowMs });
    this.deps.rows.addPrefix(id, application.prefix, application.prefixKey, PREFIX_STATE.AWAITING_REVIEW, nowMs);
    this.deps.audit.append({ actor, action: 'enterprise.apply', prefixKey: application.prefixKey, target: `enterprise:${id}`, before: null, after: this.snapshot(id) });
    return id;
  }

  /** Inside a write: replaces an enterprise's information; applies for its prefix when new (or again when rejected). */
  private updateEnterprise(id: number, application: Application, actor: Actor): void {
    const columns = enterpriseColumns(application);
    const clash = this.deps.rows.findByCredential(columns.orgCrtType, columns.orgCrtCode);
    if (clash !== undefined && clash.id !== id) throw new IdnodeError('ENTERPRISE_ALREADY_EXISTS', `企业已存在: ${columns.orgCrtCode}`);
    const before = this.snapshot(id);
    const nowMs = this.deps.nowMs();
    this.deps.rows.replace({ id, ...columns, updatedAt: nowMs });
    const held = this.checkPrefixFree(application, id);
    if (held === undefined) {
      this.deps.quotas.checkPrefixCount(this.deps.rows.activePrefixCount(id));
      this.deps.rows.addPrefix(id, application.prefix, application.prefixKey, PREFIX_STATE.AWAITING_REVIEW, nowMs);
    } else if (held.state === PREFIX_STATE.REJECTED) {
      this.deps.quotas.checkPrefixCount(this.deps.rows.activePrefixCount(id));
      this.deps.rows.setState(application.prefixKey, PREFIX_STATE.AWAITING_REVIEW, null, nowMs);
    }
    this.deps.audit.append({ actor, action: 'enterprise.update', prefixKey: application.prefixKey, target: `enterprise:${id}`, before, after: this.snapshot(id) });
  }

  /** The prefix row when `enterpriseId` holds it already; PREFIX_ALREADY_EXISTS when another enterprise does. */
  private checkPrefixFree(application: Application, enterpriseId: number | null): { state: number } | undefined {
    const held = this.deps.rows.prefix(application.prefixKey);
    if (held !== undefined && held.enterpriseId !== enterpriseId) throw new IdnodeError('PREFIX_ALREADY_EXISTS', `前缀已存在: ${application.prefix}`);
    return held;
  }

  private snapshot(id: number): Json | null {
    return enterpriseSnapshot(this.deps.rows.get(id), this.deps.rows.prefixes(id));
  }
}

/**
 * For `idnode account add --enterprise P` when no enterprise applied for P but P is homed here (made with
 * `idnode secret`/`keys`): an enterprise of record for P, enabled, acting as `300:0.NA/P`. Inside a write; returns the
 * id of the enterprise holding P (an existing one is returned as it is). Throws PREFIX_NOT_HOMED.
 */
export function adoptPrefix(deps: Pick<EnterpriseDeps, 'store' | 'rows' | 'audit' | 'rule' | 'nowMs'>, prefix: string, actor: Actor): number {
  const prefixKey = prefixKeyOf(prefix);
  const held = deps.rows.prefix(prefixKey);
  if (held !== undefined) return held.enterpriseId;
  if (deps.store.homedPrefix(prefixKey) === undefined) {
    throw new IdnodeError('PREFIX_NOT_HOMED', `${prefix} is not homed here and no enterprise applied for it: give it a secret first (idnode secret ${prefix}) or let it apply`);
  }
  const nowMs = deps.nowMs();
  const basic = { orgName: prefix, orgCrtType: '2', orgCrtCode: `0NA-${prefix.replace(/[^0-9A-Za-z-]/g, '-')}`.slice(0, 32) };
  const id = deps.rows.add({ orgName: prefix, orgCrtType: '2', orgCrtCode: basic.orgCrtCode, basicInfo: JSON.stringify(basic), registerInfo: '{}', hostingInfo: null, createdAt: nowMs });
  deps.rows.addPrefix(id, prefix, prefixKey, PREFIX_STATE.ENABLED, nowMs);
  deps.rows.assignIdentity(id, prefixRecordHandle(prefix, deps.rule).display);
  deps.audit.append({ actor, action: 'enterprise.adopt', prefixKey, target: `enterprise:${id}`, before: null, after: enterpriseSnapshot(deps.rows.get(id), deps.rows.prefixes(id)) });
  return id;
}
