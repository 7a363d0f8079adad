// Table-driven tests of HS_ADMIN permission bits (reference §2.3): every input form and the 12-character string.

import test from 'ava';
import { IdnodeError } from '../../src/errors.js';
import {
  ADMIN_PERMISSION,
  ALL_ADMIN_BITS,
  adminBitsToString,
  hasAdminBits,
  parseAdminPermissions,
  type AdminPermission,
} from '../../src/identifier/admin-permissions.js';

const FIELD = 'values[0].data.value.permissions';

// Reference §2.3, left to right: position 1 is the most significant bit.
const POSITIONS: ReadonlyArray<readonly [AdminPermission, number, number]> = [
  ['LIST_HANDLES', 1, 0x800],
  ['READ_VALUE', 2, 0x400],
  ['ADD_ADMIN', 3, 0x200],
  ['REMOVE_ADMIN', 4, 0x100],
  ['MODIFY_ADMIN', 5, 0x080],
  ['ADD_VALUE', 6, 0x040],
  ['REMOVE_VALUE', 7, 0x020],
  ['MODIFY_VALUE', 8, 0x010],
  ['DELETE_DERIVED_PREFIX', 9, 0x008],
  ['ADD_DERIVED_PREFIX', 10, 0x004],
  ['DELETE_HANDLE', 11, 0x002],
  ['ADD_HANDLE', 12, 0x001],
];

/** The 12-character string with only `position` (1-based, from the left) set. */
function onlyPosition(position: number): string {
  return '0'.repeat(position - 1) + '1' + '0'.repeat(12 - position);
}

test('admin permissions: each named permission has the wire bit of reference §2.3', (t) => {
  t.is(Object.keys(ADMIN_PERMISSION).length, 12);
  for (const [name, , bit] of POSITIONS) t.is(ADMIN_PERMISSION[name] as number, bit, name);
  t.is(ALL_ADMIN_BITS, 0xfff);
});

for (const [name, position, bit] of POSITIONS) {
  test(`admin permissions: ${name} is character ${position} of the string`, (t) => {
    t.is(adminBitsToString(bit), onlyPosition(position), 'bits to string');
    t.is(parseAdminPermissions(onlyPosition(position), FIELD), bit, 'string to bits');
    const array = Array.from({ length: 12 }, (_, i) => i === 12 - position);
    t.is(parseAdminPermissions(array, FIELD), bit, 'array element 0 is ADD_HANDLE');
  });
}

const TO_STRING: ReadonlyArray<readonly [number, string]> = [
  [0, '000000000000'],
  [0xfff, '111111111111'],
  [0x7ff, '011111111111'],
  [0x7f3, '011111110011'],
  [1, '000000000001'],
  [0x800, '100000000000'],
  [0xaaa, '101010101010'],
  [0x555, '010101010101'],
  [0x1000, '000000000000'],
  [0x1fff, '111111111111'],
];

test('admin permissions: adminBitsToString always gives 12 characters, most significant first', (t) => {
  for (const [bits, expected] of TO_STRING) {
    const text = adminBitsToString(bits);
    t.is(text, expected, `0x${bits.toString(16)}`);
    t.is(text.length, 12, `0x${bits.toString(16)} length`);
  }
});

const FORMS: ReadonlyArray<{ why: string; input: unknown; bits: number }> = [
  { why: 'star', input: '*', bits: 0xfff },
  { why: 'true', input: true, bits: 0xfff },
  { why: 'false', input: false, bits: 0 },
  { why: 'number 0', input: 0, bits: 0 },
  { why: 'number 4095', input: 4095, bits: 0xfff },
  { why: 'number 0x7ff', input: 0x7ff, bits: 0x7ff },
  { why: 'number 5', input: 5, bits: 0b101 },
  { why: 'all but listing', input: '011111111111', bits: 0x7ff },
  { why: 'all but listing and derived prefixes', input: '011111110011', bits: 0x7f3 },
  { why: 'twelve ones', input: '111111111111', bits: 0xfff },
  { why: 'twelve zeros', input: '000000000000', bits: 0 },
  { why: 'one character right-aligned', input: '1', bits: 0x001 },
  { why: 'two characters right-aligned', input: '10', bits: 0x002 },
  { why: 'four characters right-aligned', input: '1100', bits: 0x00c },
  { why: 'eleven characters right-aligned', input: '11111111111', bits: 0x7ff },
  { why: 'single zero', input: '0', bits: 0 },
  { why: 'empty array', input: [], bits: 0 },
  { why: 'array [true]', input: [true], bits: 0x001 },
  { why: 'array [false, true]', input: [false, true], bits: 0x002 },
  { why: 'array of 1 and 0', input: [1, 0, 1], bits: 0b101 },
  { why: 'array of truthy and falsy items', input: [0, 'x', null, {}, '', 2, undefined, Number.NaN], bits: 0b101010 },
  { why: 'array of 12 trues', input: Array.from({ length: 12 }, () => true), bits: 0xfff },
  { why: 'array with only element 11 set', input: [...Array.from({ length: 11 }, () => false), true], bits: 0x800 },
  // Absent or null grants nothing, as Handle.net reads it (GsonUtility line 427).
  { why: 'undefined (absent)', input: undefined, bits: 0 },
  { why: 'null', input: null, bits: 0 },
];

for (const c of FORMS) {
  test(`admin permissions: input form ${c.why}`, (t) => {
    t.is(parseAdminPermissions(c.input, FIELD), c.bits);
  });
}

const BAD_FORMS: ReadonlyArray<{ why: string; input: unknown }> = [
  { why: 'an object', input: { ADD_HANDLE: true } },
  { why: 'negative number', input: -1 },
  { why: 'number 4096', input: 4096 },
  { why: 'fraction', input: 1.5 },
  { why: 'NaN', input: Number.NaN },
  { why: 'infinity', input: Number.POSITIVE_INFINITY },
  { why: 'empty string', input: '' },
  { why: 'thirteen characters', input: '0111111111111' },
  { why: 'digit 2', input: '2' },
  { why: 'letters', input: 'all' },
  { why: 'string true', input: 'true' },
  { why: 'two stars', input: '**' },
  { why: 'leading space', input: ' 1' },
  { why: 'trailing newline', input: '1\n' },
  { why: 'hex text', input: '0x7ff' },
  { why: 'decimal text', input: '4095' },
  { why: 'array of 13 items', input: Array.from({ length: 13 }, () => true) },
];

for (const c of BAD_FORMS) {
  test(`admin permissions: ${c.why} is INVALID_VALUE`, (t) => {
    const error = t.throws(() => parseAdminPermissions(c.input, FIELD), { instanceOf: IdnodeError });
    t.is(error?.code, 'INVALID_VALUE');
  });
}

test('admin permissions: every 12-character string survives a round trip', (t) => {
  const strings = ['000000000000', '111111111111', '011111111111', '011111110011', '100000000001', '001100110011'];
  for (const text of strings) t.is(adminBitsToString(parseAdminPermissions(text, FIELD)), text, text);
});

test('admin permissions: short strings and arrays end up right-aligned in the output', (t) => {
  const cases: ReadonlyArray<readonly [unknown, string]> = [
    ['1', '000000000001'],
    ['101', '000000000101'],
    [[true, false, true, true], '000000001101'],
    [[false, false, false, false, false, false, false, false, false, false, false, true], '100000000000'],
  ];
  for (const [input, expected] of cases) t.is(adminBitsToString(parseAdminPermissions(input, FIELD)), expected, JSON.stringify(input));
});

test('admin permissions: hasAdminBits needs every required bit', (t) => {
  const cases: ReadonlyArray<readonly [number, number, boolean]> = [
    [0xfff, ADMIN_PERMISSION.ADD_HANDLE, true],
    [0x7ff, ADMIN_PERMISSION.LIST_HANDLES, false],
    [0x7ff, ADMIN_PERMISSION.ADD_VALUE | ADMIN_PERMISSION.REMOVE_VALUE, true],
    [ADMIN_PERMISSION.ADD_VALUE, ADMIN_PERMISSION.ADD_VALUE | ADMIN_PERMISSION.REMOVE_VALUE, false],
    [0, 0, true],
    [0, ADMIN_PERMISSION.ADD_HANDLE, false],
  ];
  for (const [bits, required, expected] of cases) t.is(hasAdminBits(bits, required), expected, `0x${bits.toString(16)} has 0x${required.toString(16)}`);
});
