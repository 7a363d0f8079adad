// Registration: create, replace, add and delete values of handles — validated and hashed here, then authorized and
// written in the group commit on the write connection (register-writes.ts; issue 13: the writer thread).

import { requiredBitsForChange, type AccessPolicy } from '../auth/access-policy.js';
import type { RecordLookup } from '../store/store.js';
import type { Identity } from '../auth/identity.js';
import { hashSecret, isSecretHash } from '../auth/secret-hash.js';
import { IdnodeError } from '../errors.js';
import { parseHandle, type CaseRule, type Handle } from '../identifier/handle.js';
import { isSecretKeyType, parseValueList, type HandleValue } from '../identifier/value.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { newStream, type WriteChannel } from '../store/write-channel.js';
import type { WriteActor, WriteCondition } from './journal.js';
import { batchCommand, outcomeOf, type DeleteBatchCommand, type DeleteCommand, type DeleteItem, type ItemOutcome, type KeepRule, type PutCommand, type PutItem, type PutResult } from './register-writes.js';
import { asCatalogError, defaultActor, sameIndexSet } from './write-rules.js';

export type { PutResult } from './register-writes.js';

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
  readonly keep?: KeepRule;
  /** Checked again inside the write transaction before anything is written (RecordJournal.check). */
  readonly condition?: WriteCondition;
}

export interface DeleteRequest {
  readonly handle: Handle;
  readonly identity: Identity;
  /** null: delete the whole handle; otherwise remove these values (all must exist). */
  readonly indexes: readonly number[] | null;
  /** Recorded as the author of the change; default: the identity, from an unknown address. */
  readonly actor?: WriteActor;
  /** Checked again inside the write transaction before anything is deleted (RecordJournal.check). */
  readonly condition?: WriteCondition;
}

export interface RegisterServiceOptions {
  readonly rule: CaseRule;
  readonly nodePrefixRecordKey: string;
  readonly secretHashIterations: number;
  readonly nowMs: () => number;
}

/** The largest batch of writes accepted in one call (DESIGN invariant 5; snms-v5-api.md §4.5). */
export const MAX_BATCH = 2000;

/** Items per part of a streamed batch (putBatch): small enough that the write side starts early, big enough to be cheap. */
export const BATCH_PART_ITEMS = 250;

/** A secret key given in clear text: stored only as its PBKDF2 hash. */
const needsHashing = (value: HandleValue): boolean => isSecretKeyType(value.type) && value.data.format === 'string' && !isSecretHash(value.data.value);

/** A request whose values name a secret key type (before parsing: a batch that may hash is not streamed). */
function mayHoldSecret(request: PutRequest): boolean {
  return request.values.some((value) => typeof value === 'object' && value !== null && isSecretKeyType(String((value as { type?: unknown }).type)));
}

export class RegisterService {
  constructor(
    private readonly store: Store,
    /** Where the writes run: the writer thread's connection, or this thread's for a `:memory:` store. */
    private readonly writes: WriteChannel,
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
    const nowMs = this.options.nowMs();
    const nowSeconds = Math.floor(nowMs / 1000);
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
    const command: PutCommand = { item: putItem(base, prepared, request), mintBase: request.mint ? request.handleText : null, nowMs };
    const result = await this.writes.run<PutResult>('register.put', command);
    this.metrics.registered(result.created && request.indexes === null ? 'create' : 'update');
    return result;
  }

  /**
   * Several puts in one transaction (no minting): each is checked in full before it writes anything (register-writes.ts),
   * so a refused one leaves no trace and the others commit together; a store failure fails the whole batch. Resolves with a result or an error per request, in
   * order, after the commit. Throws BATCH_TOO_LARGE beyond MAX_BATCH, and STORE_* when the transaction fails as a whole.
   */
  async putBatch(requests: readonly PutRequest[]): Promise<Array<PutResult | IdnodeError>> {
    if (requests.length > MAX_BATCH) throw new IdnodeError('BATCH_TOO_LARGE');
    const nowMs = this.options.nowMs();
    const nowSeconds = Math.floor(nowMs / 1000);
    const prepared: Array<PutItem | IdnodeError> = [];
    // On the writer thread the items go over in parts while the rest are still checked here, so both threads work at
    // once; the parts commit together or not at all (a stream, write-queue.ts). Not when a secret is to be hashed
    // (slow: the stream's transaction would hold every write off meanwhile), nor on one thread (nothing to overlap).
    // A full part is held until another item follows it, so the final part is never empty.
    const streams = this.writes.kind === 'thread' && !requests.some(mayHoldSecret);
    const parts: Promise<ItemOutcome<PutResult>[]>[] = [];
    let stream = 0;
    const send = (items: readonly PutItem[], final: boolean): void => {
      const command = batchCommand(items, nowMs);
      if (final && stream === 0) {
        parts.push(this.writes.run('register.putBatch', command));
        return;
      }
      if (stream === 0) stream = newStream();
      const part = this.writes.runPart<ItemOutcome<PutResult>[]>('register.putBatch', command, { stream, seq: parts.length, final });
      // Awaited below with the others; until then a refusal must not count as unhandled.
      part.catch(() => undefined);
      parts.push(part);
    };
    let held: PutItem[] | null = null;
    let current: PutItem[] = [];
    for (const request of requests) {
      let item: PutItem;
      try {
        if (request.mint) throw new IdnodeError('BAD_REQUEST', 'a batch cannot mint suffixes');
        const handle = parseHandle(request.handleText, this.options.rule);
        const values = parseValueList(request.values, nowSeconds, this.options.rule);
        item = putItem(handle, values.some(needsHashing) ? await this.hashSecrets(values) : values, request);
      } catch (error) {
        prepared.push(asCatalogError(error));
        continue;
      }
      prepared.push(item);
      if (!streams) continue;
      if (held !== null) send(held, false);
      held = null;
      current.push(item);
      if (current.length === BATCH_PART_ITEMS) {
        held = current;
        current = [];
      }
    }
    if (!streams) current = prepared.filter((item): item is PutItem => !(item instanceof IdnodeError));
    if (current.length > 0) {
      if (held !== null) send(held, false);
      send(current, true);
    } else if (held !== null) {
      send(held, true);
    }
    const written = (await Promise.all(parts)).flat();
    let next = 0;
    const results = prepared.map((item) => (item instanceof IdnodeError ? item : outcomeOf(written[next++] as ItemOutcome<PutResult>)));
    results.forEach((result, i) => {
      if (!(result instanceof IdnodeError)) this.metrics.registered(result.created && requests[i]?.indexes === null ? 'create' : 'update');
    });
    return results;
  }

  /** Several deletes in one transaction, each alone (see putBatch): `true` or an error per request, in order. */
  async deleteBatch(requests: readonly DeleteRequest[]): Promise<Array<true | IdnodeError>> {
    if (requests.length > MAX_BATCH) throw new IdnodeError('BATCH_TOO_LARGE');
    const command: DeleteBatchCommand = { items: requests.map(deleteItem), nowMs: this.options.nowMs() };
    const deleted = requests.length === 0 ? [] : await this.writes.run<ItemOutcome<true>[]>('register.deleteBatch', command);
    const results = deleted.map((outcome) => outcomeOf(outcome));
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
    const command: DeleteCommand = { item: deleteItem(request), nowMs: this.options.nowMs() };
    await this.writes.run('register.delete', command);
    this.metrics.deleted(request.indexes === null ? 'handle' : 'values');
  }

  /** The authorization check of the write against the current state, run before hashing secrets. */
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

/** A request as the plain data the write command carries. */
function putItem(handle: Handle, values: HandleValue[], request: PutRequest): PutItem {
  const item: PutItem = {
    handle,
    identity: request.identity,
    values,
    indexes: request.indexes,
    overwrite: request.overwrite,
    requireExisting: request.requireExisting === true,
    actor: request.actor ?? defaultActor(request.identity),
  };
  return { ...item, ...(request.keep === undefined ? {} : { keep: request.keep }), ...(request.condition === undefined ? {} : { condition: request.condition }) };
}

function deleteItem(request: DeleteRequest): DeleteItem {
  const item: DeleteItem = { handle: request.handle, identity: request.identity, indexes: request.indexes, actor: request.actor ?? defaultActor(request.identity) };
  return request.condition === undefined ? item : { ...item, condition: request.condition };
}
