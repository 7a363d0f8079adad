// A prefix's life (snms-v5-api.md §6.1 states): review, approval allocating its 0.NA/ record, disabling, enabling.

import type { Caller } from '../accounts/account-service.js';
import type { Actor } from '../audit/audit-service.js';
import { IdnodeError } from '../errors.js';
import { adminBitsToString } from '../identifier/admin-permissions.js';
import { handleKeyOf, prefixKeyOf, prefixRecordHandle } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';
import { ENTERPRISE_BITS } from '../prefixes/provision.js';
import type { ListedPrefixRow } from '../store/enterprises.js';
import type { EnterpriseDeps } from './applications.js';
import { PREFIX_STATE } from './enterprise-model.js';
import type { StoppedPrefixes } from './stopped-prefixes.js';

export type ReviewAction = 'review' | 'approve' | 'reject';

/** The index of the enterprise's key in its identity `300:0.NA/<prefix>`, as `idnode secret` and `keys` use. */
const IDENTITY_INDEX = 300;

/**
 * Which state a review action or a state change may start from, and where it leads. Approval and rejection are for
 * reviewers (and admins); disabling, enabling and marking for deletion are for admins.
 */
const REVIEW: Readonly<Record<ReviewAction, { from: readonly number[]; to: number }>> = {
  review: { from: [PREFIX_STATE.AWAITING_REVIEW], to: PREFIX_STATE.UNDER_REVIEW },
  approve: { from: [PREFIX_STATE.AWAITING_REVIEW, PREFIX_STATE.UNDER_REVIEW], to: PREFIX_STATE.ENABLED },
  reject: { from: [PREFIX_STATE.AWAITING_REVIEW, PREFIX_STATE.UNDER_REVIEW], to: PREFIX_STATE.REJECTED },
};
/** The arguments of the lifecycle write commands: plain data (they cross to the writer thread). */
export interface ReviewCommand {
  readonly prefix: string;
  readonly action: ReviewAction;
  readonly reason: string | null;
  readonly actor: Actor;
}

export interface StateCommand {
  readonly prefix: string;
  readonly state: number;
  readonly reason: string | null;
  readonly actor: Actor;
}

const IN_SERVICE: readonly number[] = [PREFIX_STATE.DISABLED, PREFIX_STATE.ENABLED, PREFIX_STATE.PENDING_DELETION];
const STATE_ACTION: Readonly<Record<number, string>> = { 0: 'prefix.disable', 1: 'prefix.enable', 2: 'prefix.delete' };

function value(index: number, type: string, data: HandleValue['data'], nowSeconds: number): HandleValue {
  return { index, type, data, ttlType: 0, ttl: 86_400, timestamp: nowSeconds, permissions: '1110', references: [] };
}

export class PrefixLifecycle {
  constructor(
    private readonly deps: EnterpriseDeps,
    private readonly stopped: StoppedPrefixes,
  ) {}

  /**
   * Reviews a prefix application (reviewers and admins). Approval allocates the prefix: its `0.NA/` record with the
   * enterprise's identity as administrator, homed here. Rejection needs a reason. Throws PREFIX_NOT_FOUND,
   * INVALID_STATE, MISSING_PARAMETER, INSUFFICIENT_PERMISSIONS.
   */
  async review(caller: Caller, prefix: string, action: ReviewAction, reason: string | null, actor: Actor): Promise<void> {
    this.deps.authority.requireStaff(caller);
    if (action === 'reject' && reason === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: reason');
    await this.deps.writes.run('enterprises.review', { prefix, action, reason, actor } satisfies ReviewCommand);
  }

  /** Inside the write of `review` (the command `enterprises.review`). */
  reviewInWrite({ prefix, action, reason, actor }: ReviewCommand): void {
    const rule = REVIEW[action];
    const row = this.row(prefix);
    if (!rule.from.includes(row.state)) throw new IdnodeError('INVALID_STATE', `当前状态(${row.state})不允许此操作: ${action}`);
    const nowMs = this.deps.nowMs();
    const record = action === 'approve' ? this.allocate(row, Math.floor(nowMs / 1000)) : null;
    this.deps.rows.setState(row.prefixKey, rule.to, reason, nowMs);
    this.deps.audit.append({
      actor,
      action: `prefix.${action}`,
      prefixKey: row.prefixKey,
      target: row.prefix,
      before: { state: row.state },
      after: record === null ? { state: rule.to, reason } : { state: rule.to, reason, record },
    });
  }

  /**
   * Disables (0), enables (1) or marks for deletion (2) an allocated prefix (admins). A prefix out of service is
   * unhomed: nothing registers under it, and its identifiers answer "prefix disabled" (Handle 301) until enabled
   * again; they are kept. Throws PREFIX_NOT_FOUND, INVALID_STATE, INSUFFICIENT_PERMISSIONS.
   */
  async setState(caller: Caller, prefix: string, state: number, reason: string | null, actor: Actor): Promise<void> {
    this.deps.authority.requireAdmin(caller);
    if (!IN_SERVICE.includes(state)) throw new IdnodeError('INVALID_BODY', 'state must be 0 (disable), 1 (enable) or 2 (pending deletion)');
    await this.deps.writes.run('enterprises.state', { prefix, state, reason, actor } satisfies StateCommand);
    // Committed: resolutions under the prefix stop (or start again) now, before this call is answered.
    this.stopped.reload();
  }

  /** Inside the write of `setState` (the command `enterprises.state`). */
  setStateInWrite({ prefix, state, reason, actor }: StateCommand): void {
    const row = this.row(prefix);
    if (!IN_SERVICE.includes(row.state)) throw new IdnodeError('INVALID_STATE', `当前状态(${row.state})不允许此操作: 前缀尚未分配`);
    if (row.state === state) return;
    const nowMs = this.deps.nowMs();
    if (state === PREFIX_STATE.ENABLED) this.deps.store.homePrefix(row.prefixKey, row.prefix, Math.floor(nowMs / 1000));
    else this.deps.store.unhomePrefix(row.prefixKey);
    this.deps.rows.setState(row.prefixKey, state, reason, nowMs);
    this.deps.audit.append({ actor, action: STATE_ACTION[state] ?? 'prefix.state', prefixKey: row.prefixKey, target: row.prefix, before: { state: row.state }, after: { state, reason } });
  }

  private row(prefix: string): ListedPrefixRow {
    const row = this.deps.rows.prefix(prefixKeyOf(prefix));
    if (row === undefined) throw new IdnodeError('PREFIX_NOT_FOUND', `前缀不存在: ${prefix}`);
    return row;
  }

  /**
   * Inside the approval's write: the prefix record `0.NA/<prefix>` with an HS_ADMIN naming the enterprise's identity
   * (`300:0.NA/<its first prefix>`, which approval of that first prefix fixes), added to an existing record if the
   * operator made one already; the prefix homed. Returns the record's values.
   */
  private allocate(row: ListedPrefixRow, nowSeconds: number): HandleValue[] {
    const { rule } = this.deps;
    const record = prefixRecordHandle(row.prefix, rule);
    const enterprise = this.deps.rows.get(row.enterpriseId);
    const identityHandle = enterprise?.identityHandle ?? record.display;
    this.deps.rows.assignIdentity(row.enterpriseId, identityHandle);
    const admin = { handle: identityHandle, index: IDENTITY_INDEX, permissions: adminBitsToString(ENTERPRISE_BITS) };
    const existing = this.deps.store.getRecord(record.key)?.values;
    let values: HandleValue[];
    if (existing === undefined) {
      values = [value(100, 'HS_ADMIN', { format: 'admin', value: admin }, nowSeconds)];
      this.deps.store.insertRecord(record.key, record.display, record.prefixKey, values, nowSeconds);
    } else {
      const names = (v: HandleValue): boolean => v.data.format === 'admin' && v.data.value.index === IDENTITY_INDEX && handleKeyOf(v.data.value.handle, rule) === handleKeyOf(identityHandle, rule);
      values = existing;
      if (!existing.some(names)) {
        let index = 100;
        while (existing.some((v) => v.index === index)) index += 1;
        values = [...existing, value(index, 'HS_ADMIN', { format: 'admin', value: admin }, nowSeconds)].sort((a, b) => a.index - b.index);
        this.deps.store.updateRecord(record.key, values, nowSeconds);
      }
    }
    this.deps.store.homePrefix(row.prefixKey, row.prefix, nowSeconds);
    return values;
  }
}
