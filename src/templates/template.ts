// The data template model (snms-v5-api.md §5): normalized input, creating, the incremental PUT, and the output form.

import { IdnodeError } from '../errors.js';

/** First index a template item may have; 1000, 1001 (TEMPLATE) and 1999 are reserved below it. */
export const FIRST_ITEM_INDEX = 2000;
export const MAX_VALUE_CHARS = 255;

export interface TemplateItem {
  readonly name: string;
  readonly idType: string;
  readonly idIndex: number;
  readonly required: boolean;
  /** 1 enabled, 0 disabled (never removed). */
  readonly state: 0 | 1;
  readonly minLength: number;
  readonly maxLength: number;
  /** Order of addition: metadataId = template id × 1000 + ordinal. */
  readonly ordinal: number;
}

/** What is stored of a template besides its key (prefix, version). */
export interface TemplateBody {
  readonly name: string;
  readonly industryCategory: string | null;
  readonly industrySpecific: string | null;
  readonly industryTrade: string | null;
  readonly industrySubclass: string | null;
  readonly type: number;
  readonly description: string | null;
  readonly items: readonly TemplateItem[];
}

interface ItemInput {
  readonly name?: string;
  readonly idType: string;
  readonly idIndex?: number;
  readonly required?: boolean;
  readonly state?: 0 | 1;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** A template request after the schema check, numbers parsed; undefined = not given. */
export interface TemplateInput {
  readonly prefix: string;
  readonly version: string;
  readonly header: Partial<Omit<TemplateBody, 'items'>>;
  readonly items: readonly ItemInput[];
}

type Raw = Record<string, unknown>;

function optionalText(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && value !== '' ? value : null;
}

function toNumber(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' ? value : Number(value);
}

/** Reads a request body that passed schema/snms-template.schema.json into a TemplateInput. */
export function normalizeTemplateInput(body: Raw): TemplateInput {
  const header: Partial<Omit<TemplateBody, 'items'>> = {};
  const set = <K extends keyof Omit<TemplateBody, 'items'>>(key: K, value: TemplateBody[K] | undefined): void => {
    if (value !== undefined) header[key] = value;
  };
  set('name', body.name === undefined ? undefined : (optionalText(body.name) ?? ''));
  set('industryCategory', optionalText(body.industryCategory)?.toUpperCase() ?? (body.industryCategory === undefined ? undefined : null));
  set('industrySpecific', optionalText(body.industrySpecific));
  set('industryTrade', optionalText(body.industryTrade));
  set('industrySubclass', optionalText(body.industrySubclass));
  set('type', toNumber(body.type));
  set('description', optionalText(body.description));
  const items = ((body.items as Raw[] | undefined) ?? []).map((item): ItemInput => {
    const metadata = (Array.isArray(item.metadata) ? item.metadata[0] : item.metadata) as Raw | undefined;
    const required = item.required === undefined ? undefined : item.required === true || item.required === 'true' || item.required === 1;
    const state = item.state === undefined ? undefined : (Number(item.state) as 0 | 1);
    return {
      idType: String(item.idType),
      ...(typeof item.name === 'string' ? { name: item.name } : {}),
      ...(toNumber(item.idIndex) === undefined ? {} : { idIndex: toNumber(item.idIndex) }),
      ...(required === undefined ? {} : { required }),
      ...(state === undefined ? {} : { state }),
      ...(toNumber(metadata?.minLength) === undefined ? {} : { minLength: toNumber(metadata?.minLength) }),
      ...(toNumber(metadata?.maxLength) === undefined ? {} : { maxLength: toNumber(metadata?.maxLength) }),
    };
  });
  return { prefix: String(body.prefix), version: String(body.version), header, items };
}

function invalid(message: string): IdnodeError {
  return new IdnodeError('INVALID_BODY', message);
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < FIRST_ITEM_INDEX || index > 2_147_483_647) throw invalid(`idIndex ${index} must be an integer from ${FIRST_ITEM_INDEX}`);
}

function checkLengths(item: TemplateItem): void {
  if (!(item.minLength >= 0 && item.minLength <= item.maxLength && item.maxLength <= MAX_VALUE_CHARS)) {
    throw invalid(`item ${item.idType}: metadata needs 0 ≤ minLength ≤ maxLength ≤ ${MAX_VALUE_CHARS}`);
  }
}

/** Names, idTypes and idIndexes are unique within a template. Throws INVALID_BODY. */
function checkUnique(items: readonly TemplateItem[]): void {
  for (const key of ['name', 'idType', 'idIndex'] as const) {
    const seen = new Set<string>();
    for (const item of items) {
      const value = key === 'idType' ? item.idType.toUpperCase() : String(item[key]);
      if (seen.has(value)) throw invalid(`items: ${key} ${String(item[key])} appears twice`);
      seen.add(value);
    }
  }
}

function nextIndex(items: readonly TemplateItem[]): number {
  return items.reduce((max, item) => Math.max(max, item.idIndex + 1), FIRST_ITEM_INDEX);
}

function newItem(input: ItemInput, items: readonly TemplateItem[], ordinal: number): TemplateItem {
  if (input.name === undefined) throw invalid(`item ${input.idType}: name is required for a new item`);
  // Items without idIndex (v3 and legacy clients) get the next index from 2000 in order (§5.3).
  const idIndex = input.idIndex ?? nextIndex(items);
  checkIndex(idIndex);
  const item: TemplateItem = {
    name: input.name,
    idType: input.idType,
    idIndex,
    required: input.required ?? false,
    state: input.state ?? 1,
    minLength: input.minLength ?? 0,
    maxLength: input.maxLength ?? MAX_VALUE_CHARS,
    ordinal,
  };
  checkLengths(item);
  return item;
}

/** A new template's body. Throws INVALID_BODY (no items, duplicates, bad lengths or indexes). */
export function createBody(input: TemplateInput): TemplateBody {
  if (input.items.length === 0) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: items');
  const items: TemplateItem[] = [];
  for (const item of input.items) items.push(newItem(item, items, items.length));
  checkUnique(items);
  const h = input.header;
  return {
    name: h.name ?? '',
    industryCategory: h.industryCategory ?? null,
    industrySpecific: h.industrySpecific ?? null,
    industryTrade: h.industryTrade ?? null,
    industrySubclass: h.industrySubclass ?? null,
    type: h.type ?? 2,
    description: h.description ?? null,
    items,
  };
}

/**
 * The incremental PUT (§5.2): an item whose idIndex and idType match an existing one changes it; an item without
 * idIndex, or with one that matches nothing, is added; items left out stay; a state not sent is kept. While records
 * use the template (`inUse`), its items may only be renamed, disabled or enabled, and only optional items added.
 * Throws INVALID_BODY, TEMPLATE_IN_USE.
 */
export function mergeBody(existing: TemplateBody, input: TemplateInput, inUse: boolean): TemplateBody {
  const items = [...existing.items];
  let ordinal = items.reduce((max, item) => Math.max(max, item.ordinal + 1), 0);
  for (const change of input.items) {
    const at = change.idIndex === undefined ? -1 : items.findIndex((item) => item.idIndex === change.idIndex);
    const current = items[at];
    if (current === undefined) {
      if (inUse && change.required === true) throw new IdnodeError('TEMPLATE_IN_USE', `模板已被标识使用，不能增加必填项 ${change.idType}`);
      items.push(newItem(change, items, ordinal));
      ordinal += 1;
      continue;
    }
    if (current.idType !== change.idType) throw invalid(`idIndex ${current.idIndex} belongs to item ${current.idType}, not ${change.idType}`);
    const next: TemplateItem = {
      ...current,
      name: change.name ?? current.name,
      required: change.required ?? current.required,
      state: change.state ?? current.state,
      minLength: change.minLength ?? current.minLength,
      maxLength: change.maxLength ?? current.maxLength,
    };
    checkLengths(next);
    if (inUse && (next.required !== current.required || next.minLength !== current.minLength || next.maxLength !== current.maxLength)) {
      throw new IdnodeError('TEMPLATE_IN_USE', `模板已被标识使用，只能修改名称或启用、停用 ${current.idType}`);
    }
    items[at] = next;
  }
  checkUnique(items);
  return { ...existing, ...input.header, items };
}

/** The template as GET answers it (§5.2): the object plus id, name, handle, and state and metadataId per item. */
export function templateOutput(id: number, prefix: string, version: string, body: TemplateBody): Record<string, unknown> {
  return {
    id,
    prefix,
    name: body.name,
    version,
    handle: `${prefix}/TPL-${id}`,
    industryCategory: body.industryCategory,
    industrySpecific: body.industrySpecific,
    industryTrade: body.industryTrade,
    industrySubclass: body.industrySubclass,
    type: body.type,
    description: body.description,
    items: body.items.map((item) => ({
      name: item.name,
      idType: item.idType,
      idIndex: item.idIndex,
      required: item.required,
      state: item.state,
      metadataId: id * 1000 + item.ordinal,
      metadata: { type: 'string', minLength: item.minLength, maxLength: item.maxLength },
    })),
  };
}
