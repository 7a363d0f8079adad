// The access rules of the node: which identity may create, change, delete, read or list which handles.

import { ADMIN_PERMISSION as P, ALL_ADMIN_BITS, hasAdminBits } from '../identifier/admin-permissions.js';
import { parentPrefix, prefixOfPrefixRecord, prefixRecordHandle, type CaseRule, type Handle } from '../identifier/handle.js';
import { isAdminType, type HandleValue } from '../identifier/value.js';
import type { RecordLookup } from '../store/store.js';
import type { Authorizer } from './authorizer.js';
import type { Identity } from './identity.js';

export type Access =
  | { readonly kind: 'create' }
  | { readonly kind: 'delete' }
  | { readonly kind: 'change'; readonly bits: number }
  | { readonly kind: 'read' };

const DERIVED_BITS = P.ADD_DERIVED_PREFIX | P.DELETE_DERIVED_PREFIX;
const ADMIN_VALUE_BITS = P.ADD_ADMIN | P.REMOVE_ADMIN | P.MODIFY_ADMIN;
const VALUE_BITS = P.ADD_VALUE | P.REMOVE_VALUE | P.MODIFY_VALUE | P.READ_VALUE;

function sameValue(a: HandleValue, b: HandleValue): boolean {
  return (
    a.type === b.type &&
    a.ttlType === b.ttlType &&
    a.ttl === b.ttl &&
    a.permissions === b.permissions &&
    JSON.stringify(a.data) === JSON.stringify(b.data) &&
    JSON.stringify(a.references) === JSON.stringify(b.references)
  );
}

/**
 * The HS_ADMIN bits (reference §2.3) a change from `before` to `after` needs: ADD/REMOVE/MODIFY of VALUE, or
 * of ADMIN for HS_ADMIN values. A change that alters nothing still needs MODIFY_VALUE.
 */
export function requiredBitsForChange(before: readonly HandleValue[], after: readonly HandleValue[]): number {
  const old = new Map(before.map((value) => [value.index, value]));
  const next = new Map(after.map((value) => [value.index, value]));
  let bits = 0;
  for (const [index, value] of next) {
    const previous = old.get(index);
    const admin = isAdminType(value.type) || (previous !== undefined && isAdminType(previous.type));
    if (previous === undefined) bits |= admin ? P.ADD_ADMIN : P.ADD_VALUE;
    else if (!sameValue(previous, value)) bits |= admin ? P.MODIFY_ADMIN : P.MODIFY_VALUE;
  }
  for (const [index, value] of old) {
    if (!next.has(index)) bits |= isAdminType(value.type) ? P.REMOVE_ADMIN : P.REMOVE_VALUE;
  }
  return bits === 0 ? P.MODIFY_VALUE : bits;
}

/**
 * Deny by default. Node administrators may do everything. Otherwise, for a handle `P/S`: the identity's bits come
 * from HS_ADMIN values on `0.NA/P` and on the handle itself, plus every right except derived prefixes when the
 * identity's own handle is `0.NA/P` (an enterprise administers its own prefix). For a prefix record `0.NA/Q`:
 * creating needs ADD_DERIVED_PREFIX on the parent's record, deleting needs DELETE_DERIVED_PREFIX there, and
 * changes need the bits on the record itself (whoever may derive Q from its parent may also change it), except
 * that its HS_ADMIN values change only by the parent's deriver: an enterprise cannot grant itself derived prefixes. Prefix ancestry is by whole segments (src/identifier/handle.ts), never by string prefix.
 */
export class AccessPolicy {
  constructor(
    private readonly authorizer: Authorizer,
    private readonly rule: CaseRule,
  ) {}

  isNodeAdmin(identity: Identity, lookup: RecordLookup): boolean {
    return this.authorizer.isNodeAdmin(identity, lookup);
  }

  /** May `identity` perform `access` on `handle`, whose current values are `existing` (undefined if absent)? */
  allows(identity: Identity, handle: Handle, access: Access, existing: readonly HandleValue[] | undefined, lookup: RecordLookup): boolean {
    if (this.authorizer.isNodeAdmin(identity, lookup)) return true;
    const own = this.authorizer.grantedBits(identity, existing, lookup);
    const derived = prefixOfPrefixRecord(handle);
    if (derived !== null) return this.allowsOnPrefixRecord(identity, derived, access, own, lookup);
    const bits = own | this.prefixBits(identity, handle.prefix, lookup);
    switch (access.kind) {
      case 'create':
        return hasAdminBits(bits, P.ADD_HANDLE);
      case 'delete':
        return hasAdminBits(bits, P.DELETE_HANDLE);
      case 'change':
        return hasAdminBits(bits, access.bits);
      case 'read':
        return hasAdminBits(bits, P.READ_VALUE);
    }
  }

  /** May `identity` list the handles under `prefix` (LIST_HANDLES on `0.NA/<prefix>`)? */
  allowsList(identity: Identity, prefix: string, lookup: RecordLookup): boolean {
    if (this.authorizer.isNodeAdmin(identity, lookup)) return true;
    return hasAdminBits(this.prefixBits(identity, prefix, lookup), P.LIST_HANDLES);
  }

  /**
   * Does `identity` administer `prefix`: may it create handles under it (ADD_HANDLE through `0.NA/<prefix>`, or
   * being a node administrator)? What the SNMS API asks before template and publication changes of a prefix.
   */
  administersPrefix(identity: Identity, prefix: string, lookup: RecordLookup): boolean {
    if (this.authorizer.isNodeAdmin(identity, lookup)) return true;
    return hasAdminBits(this.prefixBits(identity, prefix, lookup), P.ADD_HANDLE);
  }

  /** Bits on handles under `prefix` granted by `0.NA/<prefix>`, including the implicit rights of its own keys. */
  private prefixBits(identity: Identity, prefix: string, lookup: RecordLookup): number {
    const record = prefixRecordHandle(prefix, this.rule);
    const implicit = identity.handle.key === record.key ? ALL_ADMIN_BITS & ~DERIVED_BITS : 0;
    return implicit | this.authorizer.grantedBits(identity, lookup(record.key), lookup);
  }

  private allowsOnPrefixRecord(identity: Identity, prefix: string, access: Access, own: number, lookup: RecordLookup): boolean {
    const parent = parentPrefix(prefix);
    const parentBits = parent === null ? 0 : this.authorizer.grantedBits(identity, lookup(prefixRecordHandle(parent, this.rule).key), lookup);
    // The parent's own keys get no implicit derived-prefix rights: only its HS_ADMIN values grant them.
    const deriver = hasAdminBits(parentBits, P.ADD_DERIVED_PREFIX);
    // A prefix's own keys may change its values (rotate a secret) but not its HS_ADMIN values: no self-escalation.
    const self = identity.handle.key === prefixRecordHandle(prefix, this.rule).key ? VALUE_BITS & ~ADMIN_VALUE_BITS : 0;
    switch (access.kind) {
      case 'create':
        return deriver;
      case 'delete':
        // Only whoever may remove derived prefixes of the parent; a prefix cannot delete itself (and lock itself out).
        return hasAdminBits(parentBits, P.DELETE_DERIVED_PREFIX);
      case 'change':
        // HS_ADMIN values of a prefix record decide who may derive from it: only the parent's deriver changes them.
        if ((access.bits & ADMIN_VALUE_BITS) !== 0) return deriver;
        return deriver || hasAdminBits(own | self, access.bits);
      case 'read':
        return deriver || hasAdminBits(own | self, P.READ_VALUE);
    }
  }
}
