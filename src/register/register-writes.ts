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
  /** `values` in the stored form (record-encoding.ts), when that is what crossed to the write side. */
  readonly stored?: string;
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
 * to the writer thread as short tuples (batchCommand): the handle, the values already in the stored form (the write
 * side stores that text as it is), and what the batch's items share said once. Copying and parsing a batch is most
 * of what the thread costs (bench batchCreate, docs/performance.md).
 */
export interface PutBatchCommand {
  /** The identity, author and rules of the items that name none of their own (those of the first item). */
  readonly identity: Identity;
  readonly actor: WriteActor;
  readonly rules: ItemRules;
  readonly items: readonly WireItem[];
  readonly nowMs: number;
}

/** What a put item says besides its handle and values: what a batch's items mostly share. */
type ItemRules = Pick<PutItem, 'indexes' | 'overwrite' | 'requireExisting' | 'keep' | 'condition'>;
type OwnRules = ItemRules & Pick<PutItem, 'identity' | 'actor'>;
/** Fails to compile when PutItem gains a field that neither crosses per item nor is one of the rules sameRules compares. */
export const PUT_ITEM_FIELDS_CROSS: [Exclude<keyof PutItem, 'handle' | 'values' | 'stored' | keyof OwnRules>] extends [never] ? true : never = true;

/** A PutItem as it crosses: [display, key, values in the stored form (record-encoding.ts)], and its own rules if they differ. */
type WireItem = readonly [string, string, string] | readonly [string, string, string, OwnRules];

function rulesOf(item: PutItem): ItemRules {
  const { indexes, overwrite, requireExisting, keep, condition } = item;
  return { indexes, overwrite, requireExisting, ...(keep === undefined ? {} : { keep }), ...(condition === undefined ? {} : { condition }) };
}

const sameList = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function sameRules(a: ItemRules, b: ItemRules): boolean {
  const indexes = a.indexes === b.indexes || (Array.isArray(a.indexes) && Array.isArray(b.indexes) && sameList(a.indexes, b.indexes));
  const keep = a.keep === b.keep || (a.keep !== undefined && b.keep !== undefined && a.keep.belowIndex === b.keep.belowIndex && sameList(a.keep.except, b.keep.except));
  const [x, y] = [a.condition?.template, b.condition?.template];
  const template = x === y || (x !== undefined && y !== undefined && x.version === y.version && x.id === y.id && x.revision === y.revision);
  return indexes && keep && template && a.overwrite === b.overwrite && a.requireExisting === b.requireExisting && a.condition?.prefixActive === b.condition?.prefixActive;
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.index === b.index && a.handle.key === b.handle.key && a.handle.display === b.handle.display;
}

/** The command of a batch of (at least one) put items. */
export function batchCommand(items: readonly PutItem[], nowMs: number): PutBatchCommand {
  const first = items[0];
  if (first === undefined) throw new IdnodeError('INTERNAL', 'an empty batch is not sent');
  const { identity, actor } = first;
  const rules = rulesOf(first);
  const wire = items.map((item): WireItem => {
    const { handle, values } = item;
    const shares = sameRules(item, rules) && sameIdentity(item.identity, identity) && item.actor.who === actor.who && item.actor.from === actor.from;
    const stored = encodeRecord(values);
    return shares ? [handle.display, handle.key, stored] : [handle.display, handle.key, stored, { ...rulesOf(item), identity: item.identity, actor: item.actor }];
  });
  return { identity, actor, rules, items: wire, nowMs };
}

/** The items of a batch command, as the main thread built them. */
function batchItems(command: PutBatchCommand): PutItem[] {
  const shared: OwnRules = { ...command.rules, identity: command.identity, actor: command.actor };
  return command.items.map(([display, key, stored, own]): PutItem => {
    const slash = display.indexOf('/');
    const handle: Handle = { display, key, prefix: display.slice(0, slash), prefixKey: key.slice(0, key.indexOf('/')), suffix: display.slice(slash + 1) };
    return { ...(own ?? shared), handle, values: decodeRecord(stored), stored };
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
  /** `after` in the stored form, when the item brought it and it is stored unchanged (else apply encodes it). */
  readonly stored: string | undefined;
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
      if (derived === null) return { handle, derived, before: undefined, after: values, stored: item.stored, actor, created: true };
      return { handle, derived, before: undefined, after: withDefaultAdmin(values, item.identity, nowSeconds), stored: undefined, actor, created: true };
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
    const stored = next === values ? item.stored : undefined;
    return { handle, derived, before: existing.values, after: next, stored, actor, created: !replaced };
  }

  /** The writes of a planned put. Only the store can fail here, and that fails the whole transaction. */
  apply(plan: PutPlan, nowSeconds: number): PutResult {
    const { handle, derived, before, after, actor } = plan;
    const stored = plan.stored ?? encodeRecord(after);
    if (before === undefined) {
      this.store.insertStored(handle.key, handle.display, handle.prefixKey, stored, nowSeconds);
      if (derived !== null) this.store.homePrefix(prefixKeyOf(derived), derived, nowSeconds);
    } else {
      this.store.updateStored(handle.key, stored, nowSeconds);
    }
    this.journal.changed({ handle, before, after, afterStored: stored, actor });
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
      this.journal.changed({ handle, before: existing.values, after: undefined, afterStored: undefined, actor });
    } else {
      const missing = indexes.filter((index) => !existing.values.some((value) => value.index === index));
      if (missing.length > 0) throw new IdnodeError('VALUES_NOT_FOUND', `no value at index ${missing.join(', ')}`);
      const remaining = existing.values.filter((value) => !indexes.includes(value.index));
      this.authorize(identity, handle, { kind: 'change', bits: requiredBitsForChange(existing.values, remaining) }, existing.values);
      const stored = encodeRecord(remaining);
      this.store.updateStored(handle.key, stored, nowSeconds);
      this.journal.changed({ handle, before: existing.values, after: remaining, afterStored: stored, actor });
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
