// What an SNMS caller may do beyond single records: the roles of snms-v5-api.md §1 on top of the node's access policy.

import type { AccessPolicy } from '../auth/access-policy.js';
import { IdnodeError } from '../errors.js';
import type { RecordLookup } from '../store/store.js';
import type { Caller } from './account-service.js';

/**
 * Admin accounts may do everything; reviewers review and read enterprises and prefixes; an enterprise user acts for
 * the prefixes its identity administers — decided by the same HS_ADMIN rules as for a Handle client, so an account and
 * a Handle identity administering the same prefix have the same rights.
 */
export class Authority {
  constructor(
    private readonly policy: AccessPolicy,
    private readonly lookup: RecordLookup,
  ) {}

  isAdmin(caller: Caller): boolean {
    return caller.role === 'admin';
  }

  /** Admins and reviewers: the operator's people, who see every enterprise and prefix. */
  isStaff(caller: Caller): boolean {
    return caller.role === 'admin' || caller.role === 'reviewer';
  }

  /** May the caller manage `prefix` (its templates, identifiers and publication)? */
  administers(caller: Caller, prefix: string): boolean {
    if (caller.role === 'admin') return true;
    return caller.identity !== null && this.policy.administersPrefix(caller.identity, prefix, this.lookup);
  }

  /** Throws INSUFFICIENT_PERMISSIONS unless the caller is an admin account. */
  requireAdmin(caller: Caller): void {
    if (!this.isAdmin(caller)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '只有管理员可以执行此操作 (administrators only)');
  }

  /** Throws INSUFFICIENT_PERMISSIONS unless the caller is an admin or a reviewer. */
  requireStaff(caller: Caller): void {
    if (!this.isStaff(caller)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '只有管理员或审核员可以执行此操作 (administrators and reviewers only)');
  }

  /** Throws INSUFFICIENT_PERMISSIONS unless the caller administers `prefix`. */
  requireAdministers(caller: Caller, prefix: string): void {
    if (!this.administers(caller, prefix)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `无权操作前缀 ${prefix} (not an administrator of this prefix)`);
  }
}
