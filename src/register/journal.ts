// What every write of a record passes through inside its transaction: quotas before a creation, audit and usage after a change.

import type { Handle } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';

/** Who a change is recorded as made by: `index:handle`, `account:<name>` or `cli`, and the client's address. */
export interface WriteActor {
  readonly who: string;
  readonly from: string;
}

export interface RecordChange {
  readonly handle: Handle;
  /** The values before the change; undefined when the handle was created. */
  readonly before: readonly HandleValue[] | undefined;
  /** The values after the change; undefined when the handle was deleted. */
  readonly after: readonly HandleValue[] | undefined;
  /** `after` as the store holds it (record-encoding.ts): what the audit entry's digest is of. */
  readonly afterStored: string | undefined;
  readonly actor: WriteActor;
}

/**
 * What a write checks again inside its transaction, before it writes anything: plain data, since it crosses to the
 * writer thread (issue 13) where the transaction runs. The caller checked the same against what it read before.
 */
export interface WriteCondition {
  /** The handle's prefix must not be stopped (disabled or pending deletion): PREFIX_DISABLED otherwise. */
  readonly prefixActive?: true;
  /** The record must still pass the template it names (SNMS): checked again when the template changed since. */
  readonly template?: TemplateCondition;
}

export interface TemplateCondition {
  readonly version: string;
  /** The template row and revision the caller validated against. */
  readonly id: number;
  readonly revision: number;
}

export interface RecordJournal {
  /**
   * Inside the transaction, before anything of the write: throws a catalog error when `condition` no longer holds for
   * `handle` and the `values` it is given.
   */
  check(handle: Handle, condition: WriteCondition, values: readonly HandleValue[]): void;
  /** Before a new handle is created: throws a catalog error to refuse it (a quota). */
  beforeCreate(handle: Handle): void;
  /**
   * After a record changed, exactly once per change, as the change's last step; what it writes commits or rolls back
   * with the change. It may defer work that adds up over many changes (counters) until settle.
   */
  changed(change: RecordChange): void;
  /** At the end of every write operation, inside its transaction: writes what changed() deferred. */
  settle(): void;
}

/** A journal that refuses nothing and records nothing. */
export const NO_JOURNAL: RecordJournal = Object.freeze({ check: () => undefined, beforeCreate: () => undefined, changed: () => undefined, settle: () => undefined });
