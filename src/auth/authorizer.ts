// Who may do what: HS_ADMIN values (directly or through HS_VLIST groups) on a handle or its prefix record.

import { ALL_ADMIN_BITS, parseAdminPermissions } from '../identifier/admin-permissions.js';
import { handleKeyOf, type CaseRule } from '../identifier/handle.js';
import { isAdminType, isTypeOrSubtype, type AdminData, type HandleReference, type HandleValue } from '../identifier/value.js';
import type { RecordLookup } from '../store/store.js';
import type { Identity } from './identity.js';

// Bounds the HS_VLIST walk so a hostile group graph cannot make one request expensive (DESIGN invariant 5).
const MAX_GROUP_DEPTH = 4;
const MAX_RECORD_LOOKUPS = 32;

export class Authorizer {
  /**
   * @param nodePrefixRecordKey canonical key of `0.NA/<node prefix>`; identities that `(that record, 300)` or
   *   `(that record, 200)` designate are the node's administrators and may do everything here.
   */
  constructor(
    private readonly nodePrefixRecordKey: string,
    private readonly rule: CaseRule,
  ) {}

  /** True for the node administrator identities. */
  isNodeAdmin(identity: Identity, lookup: RecordLookup): boolean {
    const budget = { lookups: MAX_RECORD_LOOKUPS };
    return [300, 200].some((index) => this.designates({ handleKey: this.nodePrefixRecordKey, index }, identity, lookup, 0, budget));
  }

  /** The admin permission bits the HS_ADMIN values among `values` grant to `identity` (0 when none). */
  grantedBits(identity: Identity, values: readonly HandleValue[] | undefined, lookup: RecordLookup): number {
    if (values === undefined) return 0;
    const budget = { lookups: MAX_RECORD_LOOKUPS };
    let bits = 0;
    for (const value of values) {
      if (!isAdminType(value.type) || value.data.format !== 'admin') continue;
      const admin = value.data.value as AdminData;
      const target = this.reference(admin);
      if (target !== null && this.designates(target, identity, lookup, 0, budget)) bits |= parseAdminPermissions(admin.permissions, 'permissions');
      if (bits === ALL_ADMIN_BITS) break;
    }
    return bits;
  }

  private reference(ref: HandleReference): { handleKey: string; index: number } | null {
    try {
      return { handleKey: handleKeyOf(ref.handle, this.rule), index: ref.index };
    } catch {
      return null;
    }
  }

  /** Does the admin reference `(handle, index)` designate `identity`, directly or through HS_VLIST groups? */
  private designates(
    target: { handleKey: string; index: number },
    identity: Identity,
    lookup: RecordLookup,
    depth: number,
    budget: { lookups: number },
  ): boolean {
    if (target.handleKey === identity.handle.key && (target.index === 0 || target.index === identity.index)) return true;
    if (depth >= MAX_GROUP_DEPTH || budget.lookups <= 0) return false;
    budget.lookups -= 1;
    const values = lookup(target.handleKey);
    if (values === undefined) return false;
    for (const value of values) {
      if (!isTypeOrSubtype(value.type, 'HS_VLIST') || value.data.format !== 'vlist') continue;
      if (target.index !== 0 && value.index !== target.index) continue;
      for (const member of value.data.value as readonly HandleReference[]) {
        const next = this.reference(member);
        if (next !== null && this.designates(next, identity, lookup, depth + 1, budget)) return true;
      }
    }
    return false;
  }
}
