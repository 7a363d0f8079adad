// The part of registration that runs inside the write transaction, on the write connection (issue 13: the writer
// thread): read the current record, check the caller's condition and authorization against it, write, journal.

import { randomUUID } from 'node:crypto';
import { requiredBitsForChange, type AccessPolicy } from '../auth/access-policy.js';
import type { Identity } from '../auth/identity.js';
import { errorData, errorFromData, type ErrorData, type WriteHandlers } from '../store/write-channel.js';
import { IdnodeError } from '../errors.js';
import { checkNotNamespace, parseHandle, prefixKeyOf, prefixOfPrefixRecord, type CaseRule, type Handle } from '../identifier/handle.js';
import { decodeRecord, encodeRecord } from '../identifier/record-encoding.js';
import { checkSecretKeyCount, MAX_VALUES_PER_RECORD, type HandleValue } from '../identifier/value.js';
import type { RecordLookup, Store } from '../store/store.js';
import type { RecordJournal, WriteActor, WriteCondition } from './journal.js';
import { withDefaultAdmin } from './write-rules.js';

/**
 * With `indexes` null and an existing record: which existing values are kept beside the new ones — those with an
 * index below `belowIndex`, except `except` (SNMS update keeps the values below the template's items, not TEMPLATE).
 */
export interface KeepRule {
  readonly belowIndex: number;
  readonly except: readonly number[];
}

/** One put, values validated and secrets hashed. Plain data: it crosses to the writer thread. */
export interface PutItem {
  readonly handle: Handle;
  readonly identity: Identity;
  readonly values: HandleValue[];
  readonly indexes: readonly number[] | 'various' | null;
  readonly overwrite: boolean;
  readonly requireExisting: boolean;
  readonly actor: WriteActor;
  readonly keep?: KeepRule;
  readonly condition?: WriteCondition;
}

/** `register.put`: one put; with `mintBase` the handle is that base and a random unused suffix. */
export interface PutCommand {
  readonly item: PutItem;
  readonly mintBase: string | null;
  readonly nowMs: number;
}

/**
 * `register.putBatch`: each item checked in full before it writes; the ones that pass commit together. Its items cross
 * to the writer thread in a compact form (batchCommand): a batch of 2,000 SNMS records is about a fifth of the bytes of
 * the plain items, and copying it is most of what the thread costs the main thread.
 */
export interface PutBatchCommand {
  /** The identity and author of the items that name none of their own. */
  readonly identity: Identity;
  readonly actor: WriteActor;
  readonly items: readonly WireItem[];
  readonly nowMs: number;
}

/** A PutItem as it crosses: its handle as [display, key], its values in the store's compact form (record-encoding.ts). */
interface WireItem extends Omit<PutItem, 'handle' | 'values' | 'identity' | 'actor'> {
  readonly handle: readonly [string, string];
  readonly values: string;
  readonly identity?: Identity;
  readonly actor?: WriteActor;
}

/** The command of a batch of (at least one) put items. */
export function batchCommand(items: readonly PutItem[], nowMs: number): PutBatchCommand {
  const first = items[0];
  if (first === undefined) throw new IdnodeError('INTERNAL', 'an empty batch is not sent');
  const { identity, actor } = first;
  const wire = items.map(({ handle, values, identity: own, actor: author, ...rest }): WireItem => ({
    ...rest,
    handle: [handle.display, handle.key],
    values: encodeRecord(values),
    ...(sameIdentity(own, identity) ? {} : { identity: own }),
    ...(author.who === actor.who && author.from === actor.from ? {} : { actor: author }),
  }));
  return { identity, actor, items: wire, nowMs };
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.index === b.index && a.handle.key === b.handle.key && a.handle.display === b.handle.display;
}

/** The items of a batch command, as the main thread built them. */
function batchItems(command: PutBatchCommand): PutItem[] {
  return command.items.map(({ handle: [display, key], values, identity, actor, ...rest }): PutItem => {
    const slash = display.indexOf('/');
    const handle: Handle = { display, key, prefix: display.slice(0, slash), prefixKey: key.slice(0, key.indexOf('/')), suffix: display.slice(slash + 1) };
    return { ...rest, handle, values: decodeRecord(values), identity: identity ?? command.identity, actor: actor ?? command.actor };
  });
}

export interface DeleteItem {
  readonly handle: Handle;
  readonly identity: Identity;
  /** null: the whole handle; otherwise these values (all must exist). */
  readonly indexes: readonly number[] | null;
  readonly actor: WriteActor;
  readonly condition?: WriteCondition;
}

export interface DeleteCommand {
  readonly item: DeleteItem;
  readonly nowMs: number;
}

export interface DeleteBatchCommand {
  readonly items: readonly DeleteItem[];
  readonly nowMs: number;
}

export interface PutResult {
  /** The handle written, in the caller's spelling (the minted one with `mint`). */
  readonly handle: string;
  /** True when nothing existing was replaced (HTTP 201), false when existing data was (HTTP 200). */
  readonly created: boolean;
}

/** A batch item's outcome as it crosses back: the result, or the item's error as data. */
export type ItemOutcome<R> = { readonly ok: R } | { readonly error: ErrorData };

/** The outcome as the service reports it. */
export function outcomeOf<R>(outcome: ItemOutcome<R>): R | IdnodeError {
  return 'ok' in outcome ? outcome.ok : errorFromData(outcome.error);
}

/** A put that passed every check: what apply writes. */
interface PutPlan {
  readonly handle: Handle;
  /** The prefix a prefix record (0.NA/P) homes, else null. */
  readonly derived: string | null;
  /** The values before; undefined when the handle is created. */
  readonly before: readonly HandleValue[] | undefined;
  readonly after: HandleValue[];
  readonly actor: WriteActor;
  readonly created: boolean;
}

export interface RegisterWriteOptions {
  readonly rule: CaseRule;
  readonly nodePrefixRecordKey: string;
}

const MINT_ATTEMPTS = 8;

/** The register commands over the write connection's `store`; `lookup` reads it too (inside the transaction). */
export function registerWriteCommands(store: Store, policy: AccessPolicy, lookup: RecordLookup, journal: RecordJournal, options: RegisterWriteOptions): WriteHandlers {
  const writes = new RegisterWrites(store, policy, lookup, journal, options);
  // A delete's checks and writes interleave: each item in its own savepoint, so a refused one leaves no trace.
  const each = <I, R>(items: readonly I[], run: (item: I) => R): ItemOutcome<R>[] =>
    items.map((item) => {
      try {
        return { ok: store.attempt(() => run(item)) };
      } catch (error) {
        return { error: errorData(error) };
      }
    });
  return {
    'register.put': (command: PutCommand): PutResult => {
      const nowSeconds = Math.floor(command.nowMs / 1000);
      const item = command.mintBase === null ? command.item : { ...command.item, handle: writes.mint(command.mintBase) };
      const result = writes.put(item, nowSeconds);
      journal.settle();
      return result;
    },
    'register.putBatch': (command: PutBatchCommand): ItemOutcome<PutResult>[] => {
      const nowSeconds = Math.floor(command.nowMs / 1000);
      const outcomes = batchItems(command).map((item): ItemOutcome<PutResult> => {
        let plan: PutPlan;
        try {
          plan = writes.plan(item, nowSeconds);
        } catch (error) {
          return { error: errorData(error) };
        }
        // A failure while writing (the store full, an I/O error) rolls the whole batch back: no half item commits.
        return { ok: writes.apply(plan, nowSeconds) };
      });
      journal.settle();
      return outcomes;
    },
    'register.delete': (command: DeleteCommand): null => {
      writes.delete(command.item, Math.floor(command.nowMs / 1000));
      journal.settle();
      return null;
    },
    'register.deleteBatch': (command: DeleteBatchCommand): ItemOutcome<true>[] => {
      const nowSeconds = Math.floor(command.nowMs / 1000);
      const outcomes = each(command.items, (item): true => {
        writes.delete(item, nowSeconds);
        return true;
      });
      journal.settle();
      return outcomes;
    },
  };
}

class RegisterWrites {
  constructor(
    private readonly store: Store,
    private readonly policy: AccessPolicy,
    private readonly lookup: RecordLookup,
    private readonly journal: RecordJournal,
    private readonly options: RegisterWriteOptions,
  ) {}

  /** Creates, replaces or adds values (see RegisterService.put for the errors). */
  put(item: PutItem, nowSeconds: number): PutResult {
    return this.apply(this.plan(item, nowSeconds), nowSeconds);
  }

  /**
   * Every check of a put against the current state, writing nothing: throws the catalog error that refuses it, or
   * returns what apply writes. A batch item refused here leaves no trace without a savepoint of its own.
   */
  plan(item: PutItem, nowSeconds: number): PutPlan {
    const { handle, values } = item;
    const derived = prefixOfPrefixRecord(handle);
    // 0.NA/0.NA… would home the prefix-record namespace itself.
    if (derived !== null) checkNotNamespace(derived);
    if (item.condition !== undefined) this.journal.check(handle, item.condition, values);
    if (derived === null && this.store.homedPrefix(handle.prefixKey) === undefined) {
      throw new IdnodeError('PREFIX_NOT_HOMED');
    }
    const existing = this.store.getRecord(handle.key);
    const { actor } = item;
    if (item.indexes === null && existing === undefined && !item.requireExisting) {
      this.authorize(item.identity, handle, { kind: 'create' }, undefined);
      this.journal.beforeCreate(handle);
      const stored = derived === null ? values : withDefaultAdmin(values, item.identity, nowSeconds);
      return { handle, derived, before: undefined, after: stored, actor, created: true };
    }
    if (existing === undefined) throw new IdnodeError('HANDLE_NOT_FOUND');
    let next: HandleValue[];
    let replaced: boolean;
    if (item.indexes === null) {
      if (!item.overwrite) throw new IdnodeError('HANDLE_ALREADY_EXISTS');
      const { keep } = item;
      const given = new Set(values.map((value) => value.index));
      const kept = keep === undefined ? [] : existing.values.filter((value) => value.index < keep.belowIndex && !keep.except.includes(value.index) && !given.has(value.index));
      next = keep === undefined ? values : [...kept, ...values].sort((a, b) => a.index - b.index);
      if (next.length > MAX_VALUES_PER_RECORD) throw new IdnodeError('TOO_MANY_VALUES', `a record holds at most ${MAX_VALUES_PER_RECORD} values`);
      replaced = true;
    } else {
      const byIndex = new Map(existing.values.map((value) => [value.index, value]));
      replaced = false;
      const missing = item.requireExisting ? values.filter((value) => !byIndex.has(value.index)) : [];
      if (missing.length > 0) throw new IdnodeError('VALUES_NOT_FOUND', `no value at index ${missing.map((value) => value.index).join(', ')}`);
      for (const value of values) {
        if (byIndex.has(value.index)) {
          if (!item.overwrite) throw new IdnodeError('VALUE_ALREADY_EXISTS', `a value exists at index ${value.index}`);
          replaced = true;
        }
        byIndex.set(value.index, value);
      }
      if (byIndex.size > MAX_VALUES_PER_RECORD) throw new IdnodeError('TOO_MANY_VALUES', `a record holds at most ${MAX_VALUES_PER_RECORD} values`);
      checkSecretKeyCount([...byIndex.values()]);
      next = [...byIndex.values()].sort((a, b) => a.index - b.index);
    }
    this.authorize(item.identity, handle, { kind: 'change', bits: requiredBitsForChange(existing.values, next) }, existing.values);
    return { handle, derived, before: existing.values, after: next, actor, created: !replaced };
  }

  /** The writes of a planned put. Only the store can fail here, and that fails the whole transaction. */
  apply(plan: PutPlan, nowSeconds: number): PutResult {
    const { handle, derived, before, after, actor } = plan;
    if (before === undefined) {
      this.store.insertRecord(handle.key, handle.display, handle.prefixKey, after, nowSeconds);
      if (derived !== null) this.store.homePrefix(prefixKeyOf(derived), derived, nowSeconds);
    } else {
      this.store.updateRecord(handle.key, after, nowSeconds);
    }
    this.journal.changed({ handle, before, after, actor });
    return { handle: handle.display, created: plan.created };
  }

  /** Deletes a handle or some of its values (see RegisterService.delete for the errors). */
  delete(item: DeleteItem, nowSeconds: number): void {
    const { handle, identity, indexes, actor } = item;
    if (item.condition !== undefined) this.journal.check(handle, item.condition, []);
    const existing = this.store.getRecord(handle.key);
    if (existing === undefined) throw new IdnodeError('HANDLE_NOT_FOUND');
    if (indexes === null) {
      if (handle.key === this.options.nodePrefixRecordKey) {
        throw new IdnodeError('INSUFFICIENT_PERMISSIONS', "the node's own prefix record cannot be deleted");
      }
      this.authorize(identity, handle, { kind: 'delete' }, existing.values);
      this.store.deleteRecord(handle.key, nowSeconds);
      // Creating 0.NA/P homed P; deleting it unhomes P. Its handles stay resolvable; only node admins may re-home.
      const derived = prefixOfPrefixRecord(handle);
      if (derived !== null) this.store.unhomePrefix(prefixKeyOf(derived));
      this.journal.changed({ handle, before: existing.values, after: undefined, actor });
    } else {
      const missing = indexes.filter((index) => !existing.values.some((value) => value.index === index));
      if (missing.length > 0) throw new IdnodeError('VALUES_NOT_FOUND', `no value at index ${missing.join(', ')}`);
      const remaining = existing.values.filter((value) => !indexes.includes(value.index));
      this.authorize(identity, handle, { kind: 'change', bits: requiredBitsForChange(existing.values, remaining) }, existing.values);
      this.store.updateRecord(handle.key, remaining, nowSeconds);
      this.journal.changed({ handle, before: existing.values, after: remaining, actor });
    }
  }

  /** A handle `base` + a random UUID that no record has yet. */
  mint(base: string): Handle {
    for (let attempt = 0; attempt < MINT_ATTEMPTS; attempt += 1) {
      const candidate = parseHandle(`${base}${randomUUID()}`, this.options.rule);
      if (this.store.getRecord(candidate.key) === undefined) return candidate;
    }
    throw new IdnodeError('INTERNAL', 'could not mint an unused suffix');
  }

  private authorize(identity: Identity, handle: Handle, access: Parameters<AccessPolicy['allows']>[2], existing: readonly HandleValue[] | undefined): void {
    if (!this.policy.allows(identity, handle, access, existing, this.lookup)) {
      throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `identity may not ${access.kind} ${handle.display}`);
    }
  }
}
