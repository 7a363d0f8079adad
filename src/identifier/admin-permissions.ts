// HS_ADMIN permission bits (reference §2.3): every accepted input form, and the 12-character output string.

import { IdnodeError } from '../errors.js';

/** Wire bits, most significant first in the 12-character string. */
export const ADMIN_PERMISSION = Object.freeze({
  LIST_HANDLES: 0x800,
  READ_VALUE: 0x400,
  ADD_ADMIN: 0x200,
  REMOVE_ADMIN: 0x100,
  MODIFY_ADMIN: 0x080,
  ADD_VALUE: 0x040,
  REMOVE_VALUE: 0x020,
  MODIFY_VALUE: 0x010,
  DELETE_DERIVED_PREFIX: 0x008,
  ADD_DERIVED_PREFIX: 0x004,
  DELETE_HANDLE: 0x002,
  ADD_HANDLE: 0x001,
});

export type AdminPermission = keyof typeof ADMIN_PERMISSION;

export const ALL_ADMIN_BITS = 0xfff;

/** The 12-character string of a bit set, e.g. 0x7ff → `011111111111`. */
export function adminBitsToString(bits: number): string {
  return (bits & ALL_ADMIN_BITS).toString(2).padStart(12, '0');
}

/**
 * Parses every input form of reference §2.3: `"*"`, `true`, `false`, a number, an array of up to 12
 * truthy/falsy items (element 0 = ADD_HANDLE), or a 0/1 string of up to 12 characters aligned right; absent or
 * `null` grants nothing, as Handle.net reads it (GsonUtility line 427). Returns the bit set; throws INVALID_VALUE
 * naming `field`.
 */
export function parseAdminPermissions(input: unknown, field: string): number {
  if (input === '*' || input === true) return ALL_ADMIN_BITS;
  if (input === false || input === undefined || input === null) return 0;
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0 || input > ALL_ADMIN_BITS) {
      throw new IdnodeError('INVALID_VALUE', `${field} must be an integer from 0 to 4095`);
    }
    return input;
  }
  if (Array.isArray(input)) {
    if (input.length > 12) throw new IdnodeError('INVALID_VALUE', `${field} has more than 12 items`);
    return input.reduce<number>((bits, flag, i) => (flag ? bits | (1 << i) : bits), 0);
  }
  if (typeof input === 'string') {
    if (!/^[01]{1,12}$/.test(input)) {
      throw new IdnodeError('INVALID_VALUE', `${field} must be "*" or 1 to 12 characters of 0 and 1`);
    }
    return Number.parseInt(input, 2);
  }
  throw new IdnodeError('INVALID_VALUE', `${field} must be a string, number, boolean or array`);
}

/** True when `bits` holds every bit of `required`. */
export function hasAdminBits(bits: number, required: number): boolean {
  return (bits & required) === required;
}
