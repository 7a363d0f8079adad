// Registration: create, replace, add and delete values of handles — validated, authorized and group-committed.

import { randomUUID } from 'node:crypto';
import { requiredBitsForChange, type AccessPolicy } from '../auth/access-policy.js';
import type { RecordLookup } from '../store/store.js';
import type { Identity } from '../auth/identity.js';
import { hashSecret, isSecretHash } from '../auth/secret-hash.js';
import { IdnodeError } from '../errors.js';
import { checkNotNamespace, parseHandle, prefixKeyOf, prefixOfPrefixRecord, type CaseRule, type Handle } from '../identifier/handle.js';
import { checkSecretKeyCount, isSecretKeyType, MAX_VALUES_PER_RECORD, parseValueList, type HandleValue } from '../identifier/value.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { NO_JOURNAL, type RecordJournal, type WriteActor } from './journal.js';
import { asCatalogError, defaultActor, sameIndexSet, withDefaultAdmin } from './write-rules.js';

export interface PutRequest {
  /** The handle, or with `mint` the base the minted UUID is appended to (`88.118.8/` or `88.118.8/dev-`). */
  readonly handleText: string;
  readonly mint: boolean;
  readonly identity: Identity;
  /** Raw JSON values from the body, validated here. */
  readonly values: readonly unknown[];
  /** null: create or replace the whole handle; 'various' or a list: add or replace these values. */
  readonly indexes: readonly number[] | 'various' | null;
  readonly overwrite: boolean;
  /** Recorded as the author of the change; default: the identity, from an unknown address. */
  readonly actor?: WriteActor;
  /**
   * Only replace: refuse (HANDLE_NOT_FOUND) rather than create when the handle does not exist, and with `indexes`,
   * every value's index must already be in the record (VALUES_NOT_FOUND; the Handle protocol's modify-value).
   */
  readonly requireExisting?: boolean;
  /** With `indexes` null and an existing record: the existing values kept beside the new ones (default none). */
  readonly keep?: (value: HandleValue) => boolean;
  /** Runs inside the write transaction before anything is written; throws a catalog error to refuse. */
  readonly precondition?: () => void;
}

export interface PutResult {
  /** The handle written, in the caller's spelling (the minted one with `mint`). */
  readonly handle: string;
  /** True when nothing existing was replaced (HTTP 201), false when existing data was (HTTP 200). */
  readonly created: boolean;
}

export interface DeleteRequest {
  readonly handle: Handle;
  readonly identity: Identity;
  /** null: delete the whole handle; otherwise remove these values (all must exist). */
  readonly indexes: readonly number[] | null;
  /** Recorded as the author of the change; default: the identity, from an unknown address. */
  readonly actor?: WriteActor;
  /** Runs inside the write transaction before anything is deleted; throws a catalog error to refuse. */
  readonly precondition?: () => void;
}

/** A put that passed every check: what applyPut writes. */
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

export interface RegisterServiceOptions {
  readonly rule: CaseRule;
  readonly nodePrefixRecordKey: string;
  readonly secretHashIterations: number;
  readonly nowMs: () => number;
  /** Quotas, audit and template usage, inside every write (default: none). */
  readonly journal?: RecordJournal;
}

/** The largest batch of writes accepted in one call (DESIGN invariant 5; snms-v5-api.md §4.5). */
export const MAX_BATCH = 2000;

const MINT_ATTEMPTS = 8;

/** A secret key given in clear text: stored only as its PBKDF2 hash. */
const needsHashing = (value: HandleValue): boolean => isSecretKeyType(value.type) && value.data.format === 'string' && !isSecretHash(value.data.value);

export class RegisterService {
  constructor(
    private readonly store: Store,
    private readonly policy: AccessPolicy,
    private readonly metrics: Metrics,
    private readonly options: RegisterServiceOptions,
    private readonly lookup: RecordLookup,
  ) {}

  /**
   * Creates, replaces or adds values (reference §3.3). Resolves after commit. Throws INVALID_HANDLE,
   * INVALID_VALUE, TOO_MANY_VALUES, VALUE_ALREADY_EXISTS, VALUES_NOT_FOUND (requireExisting), MISMATCHED_INDEXES, HANDLE_NOT_FOUND,
   * HANDLE_ALREADY_EXISTS, PREFIX_NOT_HOMED, INSUFFICIENT_PERMISSIONS, STORE_*.
   */
  async put(request: PutRequest): Promise<PutResult> {
    const nowSeconds = Math.floor(this.options.nowMs() / 1000);
    // A minted handle is new, so there are no existing values to add to or replace.
    if (request.mint && request.indexes !== null) throw new IdnodeError('BAD_REQUEST', 'index is not valid with mintNewSuffix');
    const base = request.mint ? this.parseMintBase(request.handleText) : parseHandle(request.handleText, this.options.rule);
    const values = parseValueList(request.values, nowSeconds, this.options.rule);
    if (request.indexes !== null) {
      if (values.length === 0) throw new IdnodeError('INVALID_VALUE', 'no values given to add');
      if (request.indexes !== 'various' && !sameIndexSet(request.indexes, values)) {
        throw new IdnodeError('MISMATCHED_INDEXES', 'the index query parameters must list exactly the indexes of the body values');
      }
    }
    if (values.some((value) => isSecretKeyType(value.type) && !isSecretHash(String(value.data.value)))) {
      // Hashing is deliberately slow: refuse callers who could not write here before spending it on them.
      this.precheck(request, base, values);
    }
    const prepared = await this.hashSecrets(values);
    const result = await this.store.write(() => {
      const handle = request.mint ? this.mint(request.handleText) : base;
      const written = this.putInTransaction(handle, prepared, request, nowSeconds);
      this.journal.settle();
      return written;
    });
    this.metrics.registered(result.created && request.indexes === null ? 'create' : 'update');
    return result;
  }

  /**
   * Several puts in one transaction (no minting): each is checked in full before it writes anything, so a refused one
   * leaves no trace and the others commit together (no savepoint per item; a store failure fails the whole batch). Resolves with a result or an error per request, in
   * order, after the commit. Throws BATCH_TOO_LARGE beyond MAX_BATCH, and STORE_* when the transaction fails as a whole.
   */
  async putBatch(requests: readonly PutRequest[]): Promise<Array<PutResult | IdnodeError>> {
    if (requests.length > MAX_BATCH) throw new IdnodeError('BATCH_TOO_LARGE');
    const nowSeconds = Math.floor(this.options.nowMs() / 1000);
    const prepared: Array<{ handle: Handle; values: HandleValue[] } | IdnodeError> = [];
    for (const request of requests) {
      try {
        if (request.mint) throw new IdnodeError('BAD_REQUEST', 'a batch cannot mint suffixes');
        const handle = parseHandle(request.handleText, this.options.rule);
        prepared.push({ handle, values: await this.hashSecrets(parseValueList(request.values, nowSeconds, this.options.rule)) });
      } catch (error) {
        prepared.push(asCatalogError(error));
      }
    }
    const results = await this.store.write(() => {
      const outcomes = prepared.map((item, i): PutResult | IdnodeError => {
        if (item instanceof IdnodeError) return item;
        let plan: PutPlan;
        try {
          plan = this.planPut(item.handle, item.values, requests[i] as PutRequest, nowSeconds);
        } catch (error) {
          return asCatalogError(error);
        }
        // A failure while writing (the store full, an I/O error) rolls the whole batch back: no half item commits.
        return this.applyPut(plan, nowSeconds);
      });
      this.journal.settle();
      return outcomes;
    });
    results.forEach((result, i) => {
      if (!(result instanceof IdnodeError)) this.metrics.registered(result.created && requests[i]?.indexes === null ? 'create' : 'update');
    });
    return results;
  }

  /** Several deletes in one transaction, each alone (see putBatch): `true` or an error per request, in order. */
  async deleteBatch(requests: readonly DeleteRequest[]): Promise<Array<true | IdnodeError>> {
    if (requests.length > MAX_BATCH) throw new IdnodeError('BATCH_TOO_LARGE');
    const nowSeconds = Math.floor(this.options.nowMs() / 1000);
    const results = await this.store.write(() => {
      const outcomes = requests.map((request): true | IdnodeError => {
        try {
          this.store.attempt(() => this.deleteInTransaction(request, nowSeconds));
          return true;
        } catch (error) {
          return asCatalogError(error);
        }
      });
      this.journal.settle();
      return outcomes;
    });
    results.forEach((result, i) => {
      if (result === true) this.metrics.deleted(requests[i]?.indexes === null ? 'handle' : 'values');
    });
    return results;
  }

  /**
   * Deletes a handle or some of its values (reference §3.4). Throws HANDLE_NOT_FOUND, VALUES_NOT_FOUND,
   * INSUFFICIENT_PERMISSIONS, STORE_*.
   */
  async delete(request: DeleteRequest): Promise<void> {
    const nowSeconds = Math.floor(this.options.nowMs() / 1000);
    await this.store.write(() => {
      this.deleteInTransaction(request, nowSeconds);
      this.journal.settle();
    });
    this.metrics.deleted(request.indexes === null ? 'handle' : 'values');
  }

  private deleteInTransaction(request: DeleteRequest, nowSeconds: number): void {
    const { handle, identity, indexes } = request;
    request.precondition?.();
    const existing = this.store.getRecord(handle.key);
    if (existing === undefined) throw new IdnodeError('HANDLE_NOT_FOUND');
    const actor = request.actor ?? defaultActor(identity);
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

  private get journal(): RecordJournal {
    return this.options.journal ?? NO_JOURNAL;
  }

  private putInTransaction(handle: Handle, values: HandleValue[], request: PutRequest, nowSeconds: number): PutResult {
    return this.applyPut(this.planPut(handle, values, request, nowSeconds), nowSeconds);
  }

  /**
   * Every check of a put against the current state, writing nothing: throws the catalog error that refuses it, or
   * returns what applyPut writes. A batch item refused here leaves no trace without a savepoint of its own.
   */
  private planPut(handle: Handle, values: HandleValue[], request: PutRequest, nowSeconds: number): PutPlan {
    const derived = prefixOfPrefixRecord(handle);
    // 0.NA/0.NA… would home the prefix-record namespace itself.
    if (derived !== null) checkNotNamespace(derived);
    request.precondition?.();
    if (derived === null && this.store.homedPrefix(handle.prefixKey) === undefined) {
      throw new IdnodeError('PREFIX_NOT_HOMED');
    }
    const existing = this.store.getRecord(handle.key);
    const actor = request.actor ?? defaultActor(request.identity);
    if (request.indexes === null && existing === undefined && request.requireExisting !== true) {
      this.authorize(request.identity, handle, { kind: 'create' }, undefined);
      this.journal.beforeCreate(handle);
      const stored = derived === null ? values : withDefaultAdmin(values, request.identity, nowSeconds);
      return { handle, derived, before: undefined, after: stored, actor, created: true };
    }
    if (existing === undefined) throw new IdnodeError('HANDLE_NOT_FOUND');
    let next: HandleValue[];
    let replaced: boolean;
    if (request.indexes === null) {
      if (!request.overwrite) throw new IdnodeError('HANDLE_ALREADY_EXISTS');
      const { keep } = request;
      const given = new Set(values.map((value) => value.index));
      next = keep === undefined ? values : [...existing.values.filter((value) => keep(value) && !given.has(value.index)), ...values].sort((a, b) => a.index - b.index);
      if (next.length > MAX_VALUES_PER_RECORD) throw new IdnodeError('TOO_MANY_VALUES', `a record holds at most ${MAX_VALUES_PER_RECORD} values`);
      replaced = true;
    } else {
      const byIndex = new Map(existing.values.map((value) => [value.index, value]));
      replaced = false;
      const missing = request.requireExisting === true ? values.filter((value) => !byIndex.has(value.index)) : [];
      if (missing.length > 0) throw new IdnodeError('VALUES_NOT_FOUND', `no value at index ${missing.map((value) => value.index).join(', ')}`);
      for (const value of values) {
        if (byIndex.has(value.index)) {
          if (!request.overwrite) throw new IdnodeError('VALUE_ALREADY_EXISTS', `a value exists at index ${value.index}`);
          replaced = true;
        }
        byIndex.set(value.index, value);
      }
      if (byIndex.size > MAX_VALUES_PER_RECORD) throw new IdnodeError('TOO_MANY_VALUES', `a record holds at most ${MAX_VALUES_PER_RECORD} values`);
      checkSecretKeyCount([...byIndex.values()]);
      next = [...byIndex.values()].sort((a, b) => a.index - b.index);
    }
    this.authorize(request.identity, handle, { kind: 'change', bits: requiredBitsForChange(existing.values, next) }, existing.values);
    return { handle, derived, before: existing.values, after: next, actor, created: !replaced };
  }

  /** The writes of a planned put. Only the store can fail here, and that fails the whole transaction. */
  private applyPut(plan: PutPlan, nowSeconds: number): PutResult {
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

  /** The authorization check of putInTransaction against the current state, run before hashing secrets. */
  private precheck(request: PutRequest, handle: Handle, values: readonly HandleValue[]): void {
    const existing = request.mint ? undefined : this.store.getRecord(handle.key);
    if (existing === undefined) {
      this.authorize(request.identity, handle, { kind: 'create' }, undefined);
      return;
    }
    const after = request.indexes === null ? values : [...existing.values.filter((v) => !values.some((n) => n.index === v.index)), ...values];
    this.authorize(request.identity, handle, { kind: 'change', bits: requiredBitsForChange(existing.values, after) }, existing.values);
  }

  private authorize(identity: Identity, handle: Handle, access: Parameters<AccessPolicy['allows']>[2], existing: readonly HandleValue[] | undefined): void {
    if (!this.policy.allows(identity, handle, access, existing, this.lookup)) {
      throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `identity may not ${access.kind} ${handle.display}`);
    }
  }

  /** `88.118.8/` or `88.118.8/dev-`: a valid handle once a suffix is appended. Throws INVALID_HANDLE. */
  private parseMintBase(text: string): Handle {
    if (!text.includes('/')) throw new IdnodeError('INVALID_HANDLE', 'mintNewSuffix needs a base that contains "/", e.g. 88.118.8/ or 88.118.8/dev-');
    const base = parseHandle(`${text}${'0'.repeat(36)}`, this.options.rule);
    // Prefix records are named by their prefix: a random one would be a prefix nobody asked for.
    if (base.key.startsWith('0.NA/')) throw new IdnodeError('INVALID_HANDLE', 'mintNewSuffix cannot mint prefix records (0.NA/…); name the prefix');
    return base;
  }

  private mint(base: string): Handle {
    for (let attempt = 0; attempt < MINT_ATTEMPTS; attempt += 1) {
      const candidate = parseHandle(`${base}${randomUUID()}`, this.options.rule);
      if (this.store.getRecord(candidate.key) === undefined) return candidate;
    }
    throw new IdnodeError('INTERNAL', 'could not mint an unused suffix');
  }

  private async hashSecrets(values: HandleValue[]): Promise<HandleValue[]> {
    // Most records hold no secret: no promise per value for them (a batch of 2,000 would make 12,000).
    if (!values.some(needsHashing)) return values;
    return Promise.all(
      values.map(async (value) => {
        if (!needsHashing(value) || value.data.format !== 'string') return value;
        const hashed = await hashSecret(value.data.value, this.options.secretHashIterations);
        return { ...value, data: { format: 'string', value: hashed } };
      }),
    );
  }
}
