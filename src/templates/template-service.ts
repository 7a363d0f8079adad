// Data templates per prefix and version: create, read, list, incremental update, delete, usage, compiled validators.

import type { Caller } from '../accounts/account-service.js';
import type { Authority } from '../accounts/authority.js';
import type { Actor, AuditService } from '../audit/audit-service.js';
import type { RecordCache } from '../cache/record-cache.js';
import { IdnodeError } from '../errors.js';
import { prefixKeyOf } from '../identifier/handle.js';
import type { HandleValue } from '../identifier/value.js';
import type { RecordChange } from '../register/journal.js';
import type { TemplateRow, TemplateRows } from '../store/templates.js';
import type { Store } from '../store/store.js';
import type { WriteChannel } from '../store/write-channel.js';
import { compileTemplate, type CompiledTemplate } from './template-schema.js';
import { createBody, mergeBody, templateOutput, type TemplateBody, type TemplateInput } from './template.js';

/** The value every SNMS record carries: index 1001, type TEMPLATE, the template version (snms-v5-api.md §4.1). */
export const TEMPLATE_INDEX = 1001;
export const TEMPLATE_TYPE = 'TEMPLATE';

/** The template version a record names (its TEMPLATE value at index 1001), or null. */
export function templateVersionOf(values: readonly HandleValue[] | undefined): string | null {
  const value = values?.find((v) => v.index === TEMPLATE_INDEX && v.type.toUpperCase() === TEMPLATE_TYPE);
  return value?.data.format === 'string' ? value.data.value : null;
}

/** The arguments of the template write commands: plain data (they cross to the writer thread). */
export interface TemplateCreate {
  readonly input: TemplateInput;
  readonly body: TemplateBody;
  readonly actor: Actor;
}

export interface TemplateUpdate {
  readonly input: TemplateInput;
  readonly actor: Actor;
}

export interface TemplateDelete {
  readonly prefix: string;
  readonly version: string;
  readonly actor: Actor;
}

/** A holder so compiled validators can sit in a RecordCache (which keeps objects). */
interface Compiled {
  readonly template: CompiledTemplate;
}

export class TemplateService {
  /** Usage count changes of the write operation in progress, by prefix key and version. */
  private readonly pendingUse = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly rows: TemplateRows,
    private readonly audit: AuditService,
    private readonly authority: Authority,
    private readonly compiled: RecordCache<object>,
    private readonly nowMs: () => number,
    /** Where the writes run (the writer thread); the bodies below, run there, are TemplateService's too (write-commands.ts). */
    private readonly writes: WriteChannel,
  ) {}

  /** One template as GET answers it. Admins, reviewers and the prefix's administrators. Throws TEMPLATE_NOT_FOUND, INSUFFICIENT_PERMISSIONS. */
  get(caller: Caller, prefix: string, version: string): Record<string, unknown> {
    this.requireReader(caller, prefix);
    const row = this.row(prefix, version);
    return templateOutput(row.id, row.prefix, row.version, parse(row));
  }

  /** A page of a prefix's templates (in creation order); `page` from 1. */
  list(caller: Caller, prefix: string, page: number, size: number): { templates: Record<string, unknown>[]; total: number } {
    this.requireReader(caller, prefix);
    const { rows, total } = this.rows.list(prefixKeyOf(prefix), size, (page - 1) * size);
    return { templates: rows.map((row) => templateOutput(row.id, row.prefix, row.version, parse(row))), total };
  }

  /** Creates a template. Throws INVALID_BODY, INVALID_HANDLE, PREFIX_NOT_HOMED, TEMPLATE_ALREADY_EXISTS, INSUFFICIENT_PERMISSIONS. */
  async create(caller: Caller, input: TemplateInput, actor: Actor): Promise<void> {
    this.authority.requireAdministers(caller, input.prefix);
    const body = createBody(input);
    await this.writes.run('templates.create', { input, body, actor } satisfies TemplateCreate);
  }

  /** Inside the write of `create` (the command `templates.create`). */
  createInWrite({ input, body, actor }: TemplateCreate): void {
    const prefixKey = prefixKeyOf(input.prefix);
    if (this.store.homedPrefix(prefixKey) === undefined) throw new IdnodeError('PREFIX_NOT_HOMED', `prefix ${input.prefix} is not homed on this node`);
    if (this.rows.find(prefixKey, input.version) !== undefined) throw new IdnodeError('TEMPLATE_ALREADY_EXISTS', `模板已存在: ${input.prefix} ${input.version}`);
    const id = this.rows.add(input.prefix, prefixKey, input.version, JSON.stringify(body), this.nowMs());
    this.audit.append({ actor, action: 'template.create', prefixKey, target: `${input.prefix}/${input.version}`, before: null, after: templateOutput(id, input.prefix, input.version, body) });
  }

  /** The incremental PUT (see mergeBody). Throws TEMPLATE_NOT_FOUND, TEMPLATE_IN_USE, INVALID_BODY, INSUFFICIENT_PERMISSIONS. */
  async update(caller: Caller, input: TemplateInput, actor: Actor): Promise<void> {
    this.authority.requireAdministers(caller, input.prefix);
    await this.writes.run('templates.update', { input, actor } satisfies TemplateUpdate);
  }

  /** Inside the write of `update` (the command `templates.update`). */
  updateInWrite({ input, actor }: TemplateUpdate): void {
    const prefixKey = prefixKeyOf(input.prefix);
    const row = this.row(input.prefix, input.version);
    const before = parse(row);
    const after = mergeBody(before, input, row.usedBy > 0);
    this.rows.replace(row.id, JSON.stringify(after), this.nowMs());
    this.audit.append({
      actor,
      action: 'template.update',
      prefixKey,
      target: `${row.prefix}/${row.version}`,
      before: templateOutput(row.id, row.prefix, row.version, before),
      after: templateOutput(row.id, row.prefix, row.version, after),
    });
  }

  /** Deletes a template no record uses. Throws TEMPLATE_NOT_FOUND, TEMPLATE_IN_USE, INSUFFICIENT_PERMISSIONS. */
  async delete(caller: Caller, prefix: string, version: string, actor: Actor): Promise<void> {
    this.authority.requireAdministers(caller, prefix);
    await this.writes.run('templates.delete', { prefix, version, actor } satisfies TemplateDelete);
  }

  /** Inside the write of `delete` (the command `templates.delete`). */
  deleteInWrite({ prefix, version, actor }: TemplateDelete): void {
    const prefixKey = prefixKeyOf(prefix);
    const row = this.row(prefix, version);
    if (row.usedBy > 0) throw new IdnodeError('TEMPLATE_IN_USE', `模板已被${row.usedBy}个标识使用，不能删除`);
    this.rows.delete(row.id);
    this.audit.append({ actor, action: 'template.delete', prefixKey, target: `${row.prefix}/${row.version}`, before: templateOutput(row.id, row.prefix, row.version, parse(row)), after: null });
  }

  /**
   * The validator of a prefix's template version, compiled once per revision (JSON Schema, see template-schema.ts).
   * Also inside a write, to check against the template as it is there. Throws TEMPLATE_NOT_FOUND.
   */
  validator(prefixKey: string, version: string): CompiledTemplate {
    const current = this.rows.revision(prefixKey, version);
    if (current === undefined) throw new IdnodeError('TEMPLATE_NOT_FOUND', `模板不存在: ${version}`);
    // Ids are never reused (AUTOINCREMENT) and every change bumps the revision, so a key names one body forever; still,
    // nothing read inside a write is remembered, as that write may yet roll back. The body is read only to compile.
    const key = `${current.id}:${current.revision}`;
    const load = (): Compiled => {
      const row = this.rows.find(prefixKey, version) as TemplateRow;
      return { template: compileTemplate(row.id, row.revision, parse(row)) };
    };
    return (this.compiled.get(key, load, !this.store.inTransaction) as Compiled).template;
  }

  /**
   * The names of a template version's items by index, for the product page: the same object for as long as the
   * template is unchanged (a page cached with it is rendered again after a change); null when there is no such template.
   */
  itemNames(prefixKey: string, version: string): ReadonlyMap<number, string> | null {
    if (this.rows.revision(prefixKey, version) === undefined) return null;
    return this.validator(prefixKey, version).names;
  }

  /**
   * Inside the write of a record validated against `validated`: checks the record again when the template changed since
   * (or throws TEMPLATE_NOT_FOUND when it is gone), so no record is ever written against a template it breaks.
   */
  recheck(prefixKey: string, version: string, validated: { readonly id: number; readonly revision: number }, check: (template: CompiledTemplate) => void): void {
    const row = this.rows.revision(prefixKey, version);
    if (row === undefined) throw new IdnodeError('TEMPLATE_NOT_FOUND', `模板不存在: ${version}`);
    if (row.id !== validated.id || row.revision !== validated.revision) check(this.validator(prefixKey, version));
  }

  /**
   * Journal hook, inside every record write: counts the records naming each template version. The counts are kept
   * per write operation and saved by settleUsage at its end (one update per version, not one per record of a batch).
   */
  trackUsage(change: RecordChange): void {
    const before = templateVersionOf(change.before);
    const after = templateVersionOf(change.after);
    if (before === after) return;
    const add = (version: string, delta: number): void => {
      const key = `${change.handle.prefixKey}\n${version}`;
      this.pendingUse.set(key, (this.pendingUse.get(key) ?? 0) + delta);
    };
    if (before !== null) add(before, -1);
    if (after !== null) add(after, 1);
  }

  /** Journal hook, at the end of every write operation: saves the usage counts trackUsage gathered. */
  settleUsage(): void {
    if (this.pendingUse.size === 0) return;
    const pending = [...this.pendingUse];
    this.pendingUse.clear();
    for (const [key, delta] of pending) {
      const [prefixKey = '', version = ''] = key.split('\n');
      if (delta !== 0) this.rows.countUse(prefixKey, version, delta);
    }
  }

  private row(prefix: string, version: string): TemplateRow {
    const row = this.rows.find(prefixKeyOf(prefix), version);
    if (row === undefined) throw new IdnodeError('TEMPLATE_NOT_FOUND', `模板不存在: ${prefix} ${version}`);
    return row;
  }

  private requireReader(caller: Caller, prefix: string): void {
    if (!this.authority.isStaff(caller)) this.authority.requireAdministers(caller, prefix);
  }
}

function parse(row: TemplateRow): TemplateBody {
  return JSON.parse(row.body) as TemplateBody;
}
