// The small rules of a write the register service applies: its default author, batch errors, index sets, a default admin.

import { identityText, type Identity } from '../auth/identity.js';
import { IdnodeError } from '../errors.js';
import { adminBitsToString, ALL_ADMIN_BITS } from '../identifier/admin-permissions.js';
import { isAdminType, type HandleValue } from '../identifier/value.js';
import type { WriteActor } from './journal.js';

/** A change made without a named author is recorded as the identity's, from an unknown address. */
export function defaultActor(identity: Identity): WriteActor {
  return { who: identityText(identity), from: '' };
}

/** Anything a single write threw, as the catalog error a batch reports for that item. */
export function asCatalogError(error: unknown): IdnodeError {
  return error instanceof IdnodeError ? error : new IdnodeError('INTERNAL', undefined, { cause: error });
}

export function sameIndexSet(indexes: readonly number[], values: readonly HandleValue[]): boolean {
  const wanted = new Set(indexes);
  return wanted.size === values.length && values.every((value) => wanted.has(value.index));
}

/** A derived prefix created without HS_ADMIN values is administered by its creator (issue #2). */
export function withDefaultAdmin(values: HandleValue[], creator: Identity, nowSeconds: number): HandleValue[] {
  // Only a structured HS_ADMIN administers anything; opaque bytes of that type do not count.
  if (values.some((value) => isAdminType(value.type) && value.data.format === 'admin')) return values;
  let index = 100;
  while (values.some((value) => value.index === index)) index += 1;
  const admin: HandleValue = {
    index,
    type: 'HS_ADMIN',
    data: { format: 'admin', value: { handle: creator.handle.display, index: creator.index, permissions: adminBitsToString(ALL_ADMIN_BITS) } },
    ttlType: 0,
    ttl: 86_400,
    timestamp: nowSeconds,
    permissions: '1110',
    references: [],
  };
  return [...values, admin].sort((a, b) => a.index - b.index);
}
