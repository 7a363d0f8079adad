// SNMS identifiers (`/identityv2/data…`): records checked against their template, written through the register service.

import type { Caller } from '../accounts/account-service.js';
import type { Authority } from '../accounts/authority.js';
import { IdnodeError } from '../errors.js';
import { parseHandle, type CaseRule, type Handle } from '../identifier/handle.js';
import type { ValueJson } from '../identifier/value-json.js';
import type { WriteActor, WriteCondition } from '../register/journal.js';
import type { KeepRule } from '../register/register-writes.js';
import { MAX_BATCH, type DeleteRequest, type PutRequest, type RegisterService } from '../register/register-service.js';
import type { ResolveService } from '../resolve/resolve-service.js';
import type { CompiledTemplate } from '../templates/template-schema.js';
import { TEMPLATE_INDEX, type TemplateService } from '../templates/template-service.js';
import { FIRST_ITEM_INDEX } from '../templates/template.js';
import { detailOf, handleValuesOf, parseRecord } from './record.js';

/** Prefixes whose identifiers neither register nor resolve (disabled, or pending deletion). */
export interface StoppedPrefixes {
  has(prefixKey: string): boolean;
}

/** One item's outcome in a batch answer (§4.5): `code` 1 or the error's SNMS status, `msg` success or the reason. */
export interface BatchItemResult {
  readonly handle: string;
  readonly code: number;
  readonly msg: string;
}

export interface IdentifierServiceDeps {
  readonly register: RegisterService;
  readonly resolve: ResolveService;
  readonly templates: TemplateService;
  readonly authority: Authority;
  readonly stopped: StoppedPrefixes;
  readonly rule: CaseRule;
  /** The message of a failed item, as the envelope would carry it. */
  readonly messageOf: (error: IdnodeError) => string;
}

/** On an update, the values a record keeps besides the ones sent: those below the template range, except TEMPLATE. */
const keepOnUpdate: KeepRule = { belowIndex: FIRST_ITEM_INDEX, except: [TEMPLATE_INDEX] };

function handleTextOf(raw: unknown): string {
  const handle = typeof raw === 'object' && raw !== null ? (raw as { handle?: unknown }).handle : raw;
  return typeof handle === 'string' ? handle : '';
}

export class IdentifierService {
  constructor(private readonly deps: IdentifierServiceDeps) {}

  /**
   * A record as the detail call answers it. Anyone may read its public values (as through /api/handles/…); the
   * administrators of its prefix read them all. Throws INVALID_HANDLE, HANDLE_NOT_FOUND, PREFIX_DISABLED.
   */
  detail(caller: Caller | null, handleText: string): Record<string, unknown> {
    const handle = parseHandle(handleText, this.deps.rule);
    const full = caller !== null && caller.identity !== null && this.deps.authority.administers(caller, handle.prefix);
    const identity = full ? caller.identity : null;
    const result = this.deps.resolve.resolve({ handle, indexes: [], types: [], publicOnly: !full, identity, doNotRefer: true });
    if (result.kind !== 'found') throw new IdnodeError('HANDLE_NOT_FOUND');
    return detailOf(handle.display, handle.prefix, JSON.parse(result.valuesJson) as ValueJson[]);
  }

  /** Registers one record. Throws HANDLE_ALREADY_EXISTS (`标识已存在`), the template and permission errors of prepare. */
  async create(caller: Caller, raw: unknown, actor: WriteActor): Promise<void> {
    await this.deps.register.put(this.prepare(caller, raw, 'create', actor));
  }

  /** Replaces a record's template values (§4.3). Throws HANDLE_NOT_FOUND (`没有找到标识`) and the errors of prepare. */
  async update(caller: Caller, raw: unknown, actor: WriteActor): Promise<void> {
    await this.deps.register.put(this.prepare(caller, raw, 'update', actor));
  }

  /** Deletes a record. Throws HANDLE_NOT_FOUND, INVALID_HANDLE, PREFIX_DISABLED, INSUFFICIENT_PERMISSIONS. */
  async delete(caller: Caller, handleText: string, actor: WriteActor): Promise<void> {
    await this.deps.register.delete(this.prepareDelete(caller, handleText, actor));
  }

  /** batchCreate or batchUpdate (§4.5): a result per item in order; the items that pass commit together. */
  async batchPut(caller: Caller, items: readonly unknown[], mode: 'create' | 'update', actor: WriteActor): Promise<BatchItemResult[]> {
    this.checkBatch(caller, items);
    // Within one call each template version is looked up once (the write checks it again, see prepare's condition).
    const validators = new Map<string, CompiledTemplate>();
    const prepared = items.map((raw) => {
      try {
        return this.prepare(caller, raw, mode, actor, validators);
      } catch (error) {
        return error instanceof IdnodeError ? error : new IdnodeError('INTERNAL', undefined, { cause: error });
      }
    });
    const requests = prepared.filter((item): item is PutRequest => !(item instanceof IdnodeError));
    const written = await this.deps.register.putBatch(requests);
    let next = 0;
    return prepared.map((item, i) => this.itemResult(handleTextOf(items[i]), item instanceof IdnodeError ? item : (written[next++] ?? null), null));
  }

  /** batchDelete (§4.5): handles (strings), a result per item; a missing one is `code -2, 标识不存在`. */
  async batchDelete(caller: Caller, items: readonly unknown[], actor: WriteActor): Promise<BatchItemResult[]> {
    this.checkBatch(caller, items);
    const prepared = items.map((raw) => {
      try {
        if (typeof raw !== 'string') throw new IdnodeError('INVALID_BODY', 'a batchDelete item must be a handle (a string)');
        return this.prepareDelete(caller, raw, actor);
      } catch (error) {
        return error instanceof IdnodeError ? error : new IdnodeError('INTERNAL', undefined, { cause: error });
      }
    });
    const requests = prepared.filter((item): item is DeleteRequest => !(item instanceof IdnodeError));
    const deleted = await this.deps.register.deleteBatch(requests);
    let next = 0;
    return prepared.map((item, i) => this.itemResult(handleTextOf(items[i]), item instanceof IdnodeError ? item : (deleted[next++] ?? null), '标识不存在'));
  }

  private itemResult(handle: string, outcome: unknown, notFound: string | null): BatchItemResult {
    if (!(outcome instanceof IdnodeError)) return { handle, code: 1, msg: 'success' };
    const msg = notFound !== null && outcome.code === 'HANDLE_NOT_FOUND' ? notFound : this.deps.messageOf(outcome);
    return { handle, code: outcome.entry.snmsStatus, msg };
  }

  /** Refused as a whole, before any item: more than 2,000 items, or a caller who may write nothing. */
  private checkBatch(caller: Caller, items: readonly unknown[]): void {
    if (items.length > MAX_BATCH) throw new IdnodeError('BATCH_TOO_LARGE');
    this.identityOf(caller);
  }

  private identityOf(caller: Caller): NonNullable<Caller['identity']> {
    if (caller.identity === null) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '该账号没有可操作的前缀 (the account administers no prefix yet)');
    return caller.identity;
  }

  /** A put request for one record, checked against its template now and again inside the write. */
  private prepare(caller: Caller, raw: unknown, mode: 'create' | 'update', actor: WriteActor, validators?: Map<string, CompiledTemplate>): PutRequest {
    const identity = this.identityOf(caller);
    const record = parseRecord(raw);
    const handle = parseHandle(record.handle, this.deps.rule);
    this.checkWritable(caller, handle);
    const key = `${handle.prefixKey}\n${record.templateVersion}`;
    const template = validators?.get(key) ?? this.deps.templates.validator(handle.prefixKey, record.templateVersion);
    validators?.set(key, template);
    template.check(record);
    const base = { handleText: record.handle, mint: false, identity, values: handleValuesOf(record), indexes: null, actor };
    // Checked again inside the write, on the writer thread: the prefix may have been stopped, the template changed since.
    const condition: WriteCondition = { prefixActive: true, template: { version: record.templateVersion, id: template.id, revision: template.revision } };
    if (mode === 'create') return { ...base, overwrite: false, condition };
    return { ...base, overwrite: true, requireExisting: true, keep: keepOnUpdate, condition };
  }

  private prepareDelete(caller: Caller, handleText: string, actor: WriteActor): DeleteRequest {
    const identity = this.identityOf(caller);
    const handle = parseHandle(handleText, this.deps.rule);
    this.checkWritable(caller, handle);
    return { handle, identity, indexes: null, actor, condition: { prefixActive: true } };
  }

  /** A clear -3 before anything else for a handle outside the caller's prefixes (the register service checks again). */
  private checkWritable(caller: Caller, handle: Handle): void {
    this.checkNotStopped(handle);
    this.deps.authority.requireAdministers(caller, handle.prefix);
  }

  private checkNotStopped(handle: Handle): void {
    if (this.deps.stopped.has(handle.prefixKey)) throw new IdnodeError('PREFIX_DISABLED', `prefix ${handle.prefix} is disabled`);
  }
}
