// The SNMS identifier record (snms-v5-api.md §4.1): lenient input, its Handle values, and the detail answer's form.

import type { ValueJson } from '../identifier/value-json.js';
import { TEMPLATE_INDEX, TEMPLATE_TYPE } from '../templates/template-service.js';
import type { SnmsRecordInput } from '../templates/template-schema.js';
import { compileSchemaFile, requireValid } from '../validation/json-schema.js';

const recordSchema = compileSchemaFile('snms-record');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an item carries one of the slips mend corrects (most do not: they are then checked as sent, uncopied). */
function needsMending(item: unknown): boolean {
  if (!isObject(item)) return false;
  if (typeof item.index === 'string') return true;
  const data = item.data;
  return isObject(data) && ((data.value === undefined && data.vlaue !== undefined) || (typeof data.format === 'string' && data.format !== 'string' && data.format.toLowerCase() === 'string'));
}

/**
 * The known slips of real clients (§10) mended on a copy: an index sent as a numeric string, `vlaue` for `value`,
 * `String` for `string`. Anything else is left for the schema to refuse.
 */
function mend(raw: unknown): unknown {
  if (!isObject(raw) || !Array.isArray(raw.value) || !raw.value.some(needsMending)) return raw;
  return {
    ...raw,
    value: raw.value.map((item: unknown) => {
      if (!isObject(item)) return item;
      const index = typeof item.index === 'string' && /^\d{1,10}$/.test(item.index) ? Number(item.index) : item.index;
      let data = item.data;
      if (isObject(data)) {
        const value = data.value === undefined && data.vlaue !== undefined ? data.vlaue : data.value;
        const format = typeof data.format === 'string' && data.format.toLowerCase() === 'string' ? 'string' : data.format;
        data = { format, value };
      }
      return { ...item, index, data };
    }),
  };
}

/** A record body checked and mended. Throws MISSING_PARAMETER (`缺少必要的请求参数: handle`), INVALID_BODY. */
export function parseRecord(raw: unknown, where = ''): SnmsRecordInput {
  const record = mend(raw);
  requireValid(recordSchema, record, where);
  return record as SnmsRecordInput;
}

/** The Handle values of a record: TEMPLATE at 1001 naming the template version, then the record's values, all public. */
export function handleValuesOf(record: SnmsRecordInput): unknown[] {
  return [
    { index: TEMPLATE_INDEX, type: TEMPLATE_TYPE, data: { format: 'string', value: record.templateVersion } },
    ...record.value.map((value) => ({ index: value.index, type: value.type, data: { format: 'string', value: value.data.value } })),
  ];
}

/**
 * The detail answer (§4.2): `code`, prefix, handle, templateVersion (the TEMPLATE value, '' when the record has none —
 * one registered through the Handle API) and every value the caller may read, `auth` "1" on TEMPLATE and "" elsewhere.
 */
export function detailOf(handle: string, prefix: string, values: readonly ValueJson[]): Record<string, unknown> {
  const template = values.find((value) => value.index === TEMPLATE_INDEX && value.type.toUpperCase() === TEMPLATE_TYPE);
  return {
    code: '200',
    prefix,
    handle,
    templateVersion: template !== undefined && typeof template.data.value === 'string' ? template.data.value : '',
    value: values.map((value) => ({ index: value.index, type: value.type, auth: value === template ? '1' : '', data: { format: value.data.format, value: value.data.value } })),
  };
}
