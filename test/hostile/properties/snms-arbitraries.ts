// Generators of SNMS request bodies for the hostile-input properties: mostly shaped like the reference's examples (so
// the checks behind the schema are reached), with wrong types, lenient spellings, odd text and random JSON mixed in.

import fc from 'fast-check';
import { application } from '../../support/snms-client.js';

const jsonish = fc.jsonValue({ maxDepth: 3 });
export const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 6 }), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
const text = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(256), '\ud800', 'a\u0001b', 'tab\there', '<script>', 'DN50 闸阀', '\u0000') },
);
const index = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(2000, 2001, 2002) },
  { weight: 2, arbitrary: fc.constantFrom(1001, 1000, 1999, 2100, 0, -1, 2 ** 31, 1.5, '2000', '2001', ' 2000', '2e3') },
  { weight: 1, arbitrary: wrongType },
);
const valueEntry = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        index,
        type: fc.oneof(fc.constantFrom('productName', 'batchNo', 'color', 'TEMPLATE', 'HS_ADMIN'), text, wrongType),
        auth: fc.oneof(fc.constantFrom('', '1'), wrongType),
        data: fc.oneof(
          { weight: 6, arbitrary: fc.record({ format: fc.oneof(fc.constantFrom('string', 'String', 'STRING', 'base64', 'admin'), wrongType), value: fc.oneof(text, wrongType) }, { requiredKeys: [] }) },
          { weight: 1, arbitrary: fc.record({ format: fc.constant('string'), vlaue: text }) },
          { weight: 1, arbitrary: wrongType },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: jsonish },
);

/** Handles under the node prefix (which the admin may write), other prefixes, and broken ones. */
export const handleText = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => `88.118/P-${n}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => `88.118/p-${n}`) },
  { weight: 2, arbitrary: fc.constantFrom('88.119/X', '0.NA/88.118', '88.118', '/x', '88.118/', '', `88.118/${'y'.repeat(260)}`, '88.118/\u0000', '88.118/\ud800') },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: wrongType },
);

/** Records the valve template accepts (productName 1–64 characters, batchNo 1–32), with the lenient spellings. */
const cleanText = (min: number, max: number) => fc.string({ minLength: min, maxLength: max }).filter((value) => !/[\u0000-\u0008\u0014-\u001f\u007f]|[\ud800-\udfff]/.test(value));
const validRecord = fc
  .record({
    n: fc.integer({ min: 0, max: 40 }),
    name: cleanText(1, 64),
    batch: fc.option(cleanText(1, 32), { nil: undefined }),
    lenient: fc.boolean(),
  })
  .map(({ n, name, batch, lenient }) => ({
    handle: `88.118/P-${n}`,
    templateVersion: 'valve-1.0',
    value: [
      lenient ? { index: '2000', type: 'productName', data: { format: 'String', vlaue: name } } : { index: 2000, type: 'productName', data: { format: 'string', value: name } },
      ...(batch === undefined ? [] : [{ index: 2001, type: 'batchNo', auth: '', data: { format: 'string', value: batch } }]),
    ],
  }));

export const record = fc.oneof(
  { weight: 4, arbitrary: validRecord },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        handle: handleText,
        templateVersion: fc.oneof(fc.constantFrom('valve-1.0', 'valve-1.0', 'valve-2.0', ''), text, wrongType),
        value: fc.oneof({ weight: 6, arbitrary: fc.array(valueEntry, { maxLength: 4 }) }, { weight: 1, arbitrary: wrongType }),
        prefix: fc.oneof(fc.constant('88.118'), wrongType),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: jsonish },
);

const templateItem = fc.record(
  {
    name: fc.oneof(fc.constantFrom('产品名称', '颜色'), text, wrongType),
    idType: fc.oneof(fc.constantFrom('productName', 'color', 'HS_SECKEY', 'template', 'a b'), text, wrongType),
    idIndex: fc.oneof(index, fc.constant(undefined)),
    required: fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 0, 1), wrongType),
    state: fc.oneof(fc.constantFrom(0, 1, '0', '1', 2), wrongType),
    metadata: fc.oneof(
      fc.record({ type: fc.oneof(fc.constantFrom('string', 'String', 'number'), wrongType), minLength: fc.oneof(fc.integer({ min: -1, max: 300 }), fc.constantFrom('1', '300'), wrongType), maxLength: fc.oneof(fc.integer({ min: -1, max: 300 }), fc.constantFrom('64'), wrongType) }, { requiredKeys: [] }),
      fc.array(fc.record({ type: fc.constant('string'), minLength: fc.integer({ min: 0, max: 5 }), maxLength: fc.integer({ min: 5, max: 255 }) }), { maxLength: 2 }),
      wrongType,
    ),
  },
  { requiredKeys: [] },
);

export const templateBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        prefix: fc.oneof(fc.constantFrom('88.118', '88.118', '88.119', '0.NA', ''), wrongType),
        version: fc.oneof(fc.constantFrom('valve-2.0', 'valve-1.0', 'v\u0001'), text, wrongType),
        industryCategory: fc.oneof(fc.constantFrom('C', 'c', 'CC', ''), wrongType),
        industrySpecific: fc.oneof(fc.constantFrom('34', '3'), wrongType),
        type: fc.oneof(fc.constantFrom(1, 2, '1', 3), wrongType),
        description: fc.oneof(text, wrongType),
        items: fc.oneof(fc.array(templateItem, { maxLength: 4 }), wrongType),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: jsonish },
);

/** A valid application with one field of one part replaced by something generated, or removed. */
export const applicationBody = fc
  .record({
    n: fc.integer({ min: 1, max: 9999 }),
    part: fc.constantFrom('sysUser', 'entBasicInfo', 'entRegisterManageInfo'),
    key: fc.constantFrom('userName', 'password', 'email', 'orgName', 'orgNature', 'orgCrtType', 'orgAddrCity', 'entPrefix', 'contactPhone', 'entInfoSyses', 'servSysBuildType', 'establishDate'),
    replacement: fc.oneof(fc.constant(undefined), wrongType, text, jsonish, fc.constantFrom('88.118.8', '88.1180', '0.NA', '88.118.8.1')),
  })
  .map(({ n, part, key, replacement }) => {
    const body = application(`88.118.${n}`, n);
    const section = { ...(body[part] as Record<string, unknown>) };
    if (replacement === undefined) delete section[key];
    else section[key] = replacement;
    return { ...body, [part]: section } as unknown;
  });

export const loginBody = fc.oneof(
  fc.record({ username: fc.oneof(fc.constantFrom('admin', 'nobody'), text, wrongType), password: fc.oneof(fc.constantFrom('admin-password-1', 'wrong'), text, wrongType) }, { requiredKeys: [] }),
  jsonish,
);
