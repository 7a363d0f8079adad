// A template compiled once into a JSON Schema validator of the identifier records registered against it (§4.1, §5).

import { IdnodeError } from '../errors.js';
import { compileSchemaObject, type SchemaError } from '../validation/json-schema.js';
import type { TemplateBody, TemplateItem } from './template.js';

/** A record in the SNMS input form after normalization (src/snms/record.ts). */
export interface SnmsRecordInput {
  readonly handle: string;
  readonly templateVersion: string;
  readonly value: readonly { readonly index: number; readonly type: string; readonly data: { readonly format: string; readonly value: string } }[];
}

export interface CompiledTemplate {
  readonly id: number;
  readonly revision: number;
  /** Each item's name by its index (enabled and disabled alike: a record keeps values of a disabled item). */
  readonly names: ReadonlyMap<number, string>;
  /**
   * Throws the first way `record` breaks the template: TEMPLATE_INDEX_UNKNOWN (`非法操作，索引<n>在模板中不存在`: an
   * index no item has, 1001 included), TEMPLATE_MISMATCH (a disabled item, another type at the index, a length outside
   * the item's bounds, a required item missing).
   */
  check(record: SnmsRecordInput): void;
}

/**
 * The schema: each value's index must be an enabled item's (an enum), and then carry that item's idType and a string
 * of its lengths (an if/then per item); each required item must be present (a `contains` per item).
 */
function schemaOf(body: TemplateBody): object {
  const enabled = body.items.filter((item) => item.state === 1);
  const disabled = body.items.filter((item) => item.state === 0).map((item) => item.idIndex);
  const valueRules: object[] = [];
  if (disabled.length > 0) valueRules.push({ type: 'object', properties: { index: { not: { enum: disabled } } } });
  valueRules.push({ type: 'object', properties: { index: { enum: enabled.map((item) => item.idIndex) } } });
  for (const item of enabled) {
    valueRules.push({
      if: { type: 'object', properties: { index: { const: item.idIndex } }, required: ['index'] },
      then: {
        type: 'object',
        properties: {
          type: { const: item.idType },
          data: { type: 'object', properties: { value: { type: 'string', minLength: item.minLength, maxLength: item.maxLength } } },
        },
      },
    });
  }
  return {
    type: 'object',
    properties: {
      // allOf runs in order: every value is checked before a missing required item is reported.
      value: {
        allOf: [
          { type: 'array', items: { allOf: valueRules } },
          ...enabled.filter((item) => item.required).map((item) => ({ type: 'array', contains: { type: 'object', properties: { index: { const: item.idIndex } }, required: ['index'] } })),
        ],
      },
    },
  };
}

/** The catalog error of the first schema failure, in the reference's words where it has them. */
function errorOf(failure: SchemaError | undefined, record: SnmsRecordInput, body: TemplateBody): IdnodeError {
  const path = failure?.instancePath.split('/') ?? [];
  const position = Number(path[2]);
  const value = record.value[position];
  const item: TemplateItem | undefined = body.items.find((candidate) => candidate.idIndex === value?.index);
  if (failure === undefined) return new IdnodeError('TEMPLATE_MISMATCH');
  if (path[1] === 'value' && path.length === 2 && failure.keyword === 'contains') {
    const rule = Number(/allOf\/(\d+)\/contains/.exec(failure.schemaPath)?.[1]) - 1;
    const missing = body.items.filter((candidate) => candidate.state === 1 && candidate.required)[rule];
    return new IdnodeError('TEMPLATE_MISMATCH', `缺少必填项: ${missing?.idType ?? '?'}(索引${missing?.idIndex ?? '?'})`);
  }
  if (value !== undefined && path[3] === 'index' && failure.keyword === 'not') {
    return new IdnodeError('TEMPLATE_MISMATCH', `非法操作，索引${value.index}在模板中已停用`);
  }
  if (value !== undefined && path[3] === 'index') return new IdnodeError('TEMPLATE_INDEX_UNKNOWN', `非法操作，索引${value.index}在模板中不存在`);
  if (value !== undefined && item !== undefined && path[3] === 'type') {
    return new IdnodeError('TEMPLATE_MISMATCH', `非法操作，索引${value.index}的类型应为${item.idType}`);
  }
  if (value !== undefined && item !== undefined && path[4] === 'value') {
    return new IdnodeError('TEMPLATE_MISMATCH', `索引${value.index}(${item.idType})的长度应在${item.minLength}到${item.maxLength}之间`);
  }
  return new IdnodeError('TEMPLATE_MISMATCH', `${failure.instancePath || 'record'} ${failure.message}`);
}

/** Compiles a template (once per revision; the caller keeps the result). */
export function compileTemplate(id: number, revision: number, body: TemplateBody): CompiledTemplate {
  const validate = compileSchemaObject(schemaOf(body));
  return {
    id,
    revision,
    names: new Map(body.items.map((item) => [item.idIndex, item.name])),
    check(record) {
      if (!validate(record)) throw errorOf(validate.errors[0], record, body);
    },
  };
}
