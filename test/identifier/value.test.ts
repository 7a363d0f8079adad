// Table-driven tests of the handle value model (reference §2): input rules, stored form and JSON output.

import test from 'ava';
import type { ExecutionContext } from 'ava';
import { IdnodeError, type ErrorCode } from '../../src/errors.js';
import type { CaseRule } from '../../src/identifier/handle.js';
import {
  DEFAULT_PERMISSIONS,
  DEFAULT_TTL_SECONDS,
  isTypeOrSubtype,
  MAX_INDEX,
  MAX_VALUES_PER_RECORD,
  matchesTypeFilter,
  parseValue,
  parseValueList,
  plainData,
  type HandleValue,
} from '../../src/identifier/value.js';
import { publicView, publicViewExpiryMs, valueToJson } from '../../src/identifier/value-json.js';

const INSENSITIVE: CaseRule = { suffixCaseSensitive: false };
const SENSITIVE: CaseRule = { suffixCaseSensitive: true };
/** 2024-05-20T08:00:00Z, the injected "now". */
const NOW = Date.UTC(2024, 4, 20, 8, 0, 0) / 1000;
const NOW_ISO = '2024-05-20T08:00:00Z';

function throwsCode(t: ExecutionContext, fn: () => unknown, code: ErrorCode, label: string): void {
  const error = t.throws(fn, { instanceOf: IdnodeError }, label);
  t.is(error?.code, code, label);
}

function parse(input: unknown, rule: CaseRule = INSENSITIVE): HandleValue {
  return parseValue(input, 'values[0]', NOW, rule);
}

/** A URL value with `extra` fields merged in. */
function url(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { index: 1, type: 'URL', data: 'https://example.cn/p/1', ...extra };
}

function stored(extra: Partial<HandleValue> = {}): HandleValue {
  return {
    index: 1,
    type: 'URL',
    data: { format: 'string', value: 'https://example.cn/p/1' },
    ttlType: 0,
    ttl: 86_400,
    timestamp: NOW,
    permissions: '1110',
    references: [],
    ...extra,
  };
}

const SITE = Object.freeze({
  version: 1,
  protocolVersion: '2.11',
  serialNumber: 1,
  primarySite: true,
  multiPrimary: false,
  attributes: [{ name: 'desc', value: 'primary' }],
  servers: [{ serverId: 1, address: '192.0.2.10', interfaces: [{ query: true, admin: true, protocol: 'TCP', port: 2641 }] }],
});

function site(): Record<string, unknown> {
  return structuredClone(SITE) as unknown as Record<string, unknown>;
}

const RSA = Object.freeze({ kty: 'RSA', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw', e: 'AQAB' });
const DSA = Object.freeze({ kty: 'DSA', y: 'AKN3', p: 'AP1_', q: 'AJdg', g: 'APfh' });

// ---------------------------------------------------------------------------------------------------
// Constants

test('value: documented limits and defaults', (t) => {
  t.is(MAX_VALUES_PER_RECORD, 2048);
  t.is(MAX_INDEX, 2 ** 31 - 1);
  t.is(DEFAULT_TTL_SECONDS, 86_400);
  t.is(DEFAULT_PERMISSIONS, '1110');
});

// ---------------------------------------------------------------------------------------------------
// The value object and its index

const NOT_OBJECTS: ReadonlyArray<readonly [unknown, string]> = [
  [null, 'null'],
  [undefined, 'undefined'],
  ['URL', 'a string'],
  [1, 'a number'],
  [[url()], 'an array'],
];

test('value: input must be an object', (t) => {
  for (const [input, why] of NOT_OBJECTS) throwsCode(t, () => parse(input), 'INVALID_VALUE', why);
});

test('value: index above 0 and at most 2^31-1 is kept', (t) => {
  for (const index of [1, 2, 100, 300, 2 ** 31 - 1]) t.is(parse(url({ index })).index, index, String(index));
});

// Issue 10: Handle.net reads an index with Gson's getAsInt, so a decimal string is that integer (Java parseInt rules).
test('value: an index given as a decimal string is that integer', (t) => {
  const cases: ReadonlyArray<readonly [string, number]> = [['1', 1], ['300', 300], ['+7', 7], ['007', 7], ['2147483647', 2 ** 31 - 1]];
  for (const [text, index] of cases) t.is(parse(url({ index: text })).index, index, text);
});

const BAD_INDEXES: ReadonlyArray<readonly [unknown, string]> = [
  [0, 'zero'],
  [-1, 'negative'],
  [-(2 ** 31), 'most negative int32'],
  [2 ** 31, '2^31'],
  [2 ** 32 + 1, 'beyond 32 bits'],
  [1.5, 'fraction'],
  [Number.NaN, 'NaN'],
  [Number.POSITIVE_INFINITY, 'infinity'],
  ['0', 'numeric string zero'],
  ['-1', 'numeric string below 1'],
  ['2147483648', 'numeric string beyond 32 bits'],
  ['1.0', 'decimal string with a fraction'],
  ['1e2', 'decimal string with an exponent'],
  [' 1', 'decimal string with a space'],
  ['0x10', 'hexadecimal string'],
  ['\u0661', 'non-ASCII digit'],
  ['', 'empty string'],
  [null, 'null'],
  [undefined, 'missing'],
  [true, 'boolean'],
];

for (const [index, why] of BAD_INDEXES) {
  test(`value: index rejected when ${why}`, (t) => {
    throwsCode(t, () => parse(url({ index })), 'INVALID_VALUE', why);
  });
}

test('value: a rejected index answers responseCode 202 / HTTP 400', (t) => {
  const error = t.throws(() => parse(url({ index: 0 })), { instanceOf: IdnodeError });
  t.is(error?.entry.responseCode, 202);
  t.is(error?.entry.httpStatus, 400);
});

// ---------------------------------------------------------------------------------------------------
// type

const GOOD_TYPES = ['URL', 'url', 'URL.METADATA', 'EMAIL', '10320/loc', 'HS_NAMESPACE', '设备类型', 'x', 'A'.repeat(255), '\u{1F600}'.repeat(255), 'type with spaces'];

test('value: type is kept as written', (t) => {
  for (const type of GOOD_TYPES) t.is(parse(url({ type })).type, type, type.slice(0, 20));
});

test('value: a type given as a JSON integer is its digits (Gson getAsString)', (t) => {
  t.is(parse(url({ type: 10320 })).type, '10320');
  t.is(parse(url({ type: 0 })).type, '0');
});

const BAD_TYPES: ReadonlyArray<readonly [unknown, string]> = [
  [undefined, 'missing'],
  ['', 'empty'],
  [null, 'null'],
  [1.5, 'a number with a fraction'],
  [2 ** 53, 'an integer JavaScript does not hold exactly'],
  [true, 'a boolean'],
  [['URL'], 'an array'],
  ['A'.repeat(256), '256 characters'],
  ['\u{1F600}'.repeat(256), '256 astral code points'],
  ['URL\u0000', 'NUL'],
  ['URL\n', 'newline'],
  ['U\tRL', 'tab'],
  ['URL\u007f', 'DEL'],
];

test('value: type is required and must be clean text', (t) => {
  for (const [type, why] of BAD_TYPES) throwsCode(t, () => parse(url({ type })), 'INVALID_VALUE', why);
});

// ---------------------------------------------------------------------------------------------------
// Plain data: string, base64, hex and output normalisation

const PLAIN: ReadonlyArray<{ why: string; data: unknown; format: string; value: string }> = [
  { why: 'bare string', data: 'https://example.cn/p/1', format: 'string', value: 'https://example.cn/p/1' },
  { why: 'empty bare string', data: '', format: 'string', value: '' },
  { why: 'bare non-ASCII string', data: '设备 ✓ café', format: 'string', value: '设备 ✓ café' },
  { why: 'bare string with astral characters', data: 'a\u{1F600}b', format: 'string', value: 'a\u{1F600}b' },
  { why: 'bare string with tab, LF, CR', data: 'a\tb\nc\rd', format: 'string', value: 'a\tb\nc\rd' },
  { why: 'bare string with a leading BOM', data: '\ufeffhello', format: 'string', value: '\ufeffhello' },
  { why: 'bare string with a BOM inside', data: 'a\ufeffb', format: 'string', value: 'a\ufeffb' },
  { why: 'bare string with SOH', data: 'a\u0001b', format: 'base64', value: 'YQFi' },
  { why: 'bare string with NUL', data: '\u0000', format: 'base64', value: 'AA==' },
  { why: 'bare string with DEL', data: '\u007f', format: 'base64', value: 'fw==' },
  { why: 'string format', data: { format: 'string', value: 'x y' }, format: 'string', value: 'x y' },
  { why: 'STRING format in upper case', data: { format: 'STRING', value: 'x' }, format: 'string', value: 'x' },
  { why: 'String format in mixed case', data: { format: 'String', value: 'x' }, format: 'string', value: 'x' },
  { why: 'hex text', data: { format: 'hex', value: '48656c6c6f' }, format: 'string', value: 'Hello' },
  { why: 'HEX format with upper-case digits', data: { format: 'HEX', value: '48454C4C4F' }, format: 'string', value: 'HELLO' },
  { why: 'Hex with mixed-case digits', data: { format: 'Hex', value: 'c3A9' }, format: 'string', value: 'é' },
  { why: 'empty hex', data: { format: 'hex', value: '' }, format: 'string', value: '' },
  { why: 'hex binary', data: { format: 'hex', value: '00ff' }, format: 'base64', value: 'AP8=' },
  { why: 'hex with 0x08', data: { format: 'hex', value: '410842' }, format: 'base64', value: 'QQhC' },
  { why: 'hex with 0x09', data: { format: 'hex', value: '410942' }, format: 'string', value: 'A\tB' },
  { why: 'hex with 0x13', data: { format: 'hex', value: '411342' }, format: 'string', value: 'A\u0013B' },
  { why: 'hex with 0x14', data: { format: 'hex', value: '411442' }, format: 'base64', value: 'QRRC' },
  { why: 'hex of a UTF-8 BOM and text', data: { format: 'hex', value: 'efbbbf41' }, format: 'string', value: '\ufeffA' },
  { why: 'hex of a lone 0x80', data: { format: 'hex', value: '80' }, format: 'base64', value: 'gA==' },
  { why: 'hex of truncated UTF-8', data: { format: 'hex', value: '41c3' }, format: 'base64', value: 'QcM=' },
  { why: 'hex of overlong UTF-8', data: { format: 'hex', value: 'c080' }, format: 'base64', value: 'wIA=' },
  { why: 'hex of an encoded surrogate', data: { format: 'hex', value: 'eda080' }, format: 'base64', value: '7aCA' },
  { why: 'base64 text', data: { format: 'base64', value: 'SGVsbG8=' }, format: 'string', value: 'Hello' },
  { why: 'BASE64 format in upper case', data: { format: 'BASE64', value: 'SGVsbG8=' }, format: 'string', value: 'Hello' },
  { why: 'base64 without padding', data: { format: 'base64', value: 'SGVsbG8' }, format: 'string', value: 'Hello' },
  { why: 'base64 of UTF-8 text', data: { format: 'base64', value: '4pyTIMOgIGxhIG1vZGU=' }, format: 'string', value: '✓ à la mode' },
  { why: 'base64 binary kept', data: { format: 'base64', value: '/w==' }, format: 'base64', value: '/w==' },
  { why: 'base64 binary without padding gets padded', data: { format: 'base64', value: '/w' }, format: 'base64', value: '/w==' },
  { why: 'base64 with + and /', data: { format: 'base64', value: '+/+/' }, format: 'base64', value: '+/+/' },
  { why: 'empty base64', data: { format: 'base64', value: '' }, format: 'string', value: '' },
];

for (const c of PLAIN) {
  test(`value: data, ${c.why}, is output as ${c.format}`, (t) => {
    t.deepEqual(parse(url({ data: c.data })).data, { format: c.format, value: c.value });
  });
}

test('value: every ASCII byte is classed as text or binary as Handle.net does', (t) => {
  for (let b = 0; b < 0x80; b += 1) {
    const binary = b <= 0x08 || (b >= 0x14 && b <= 0x1f) || b === 0x7f;
    const hex = `41${b.toString(16).padStart(2, '0')}42`;
    const bytes = Buffer.from([0x41, b, 0x42]);
    const expected = binary ? { format: 'base64', value: bytes.toString('base64') } : { format: 'string', value: String.fromCharCode(0x41, b, 0x42) };
    t.deepEqual(parse(url({ data: { format: 'hex', value: hex } })).data, expected, `byte 0x${b.toString(16)}`);
  }
});

test('value: plainData picks string for clean UTF-8 and base64 otherwise', (t) => {
  const cases: ReadonlyArray<readonly [number[], { format: string; value: string }]> = [
    [[], { format: 'string', value: '' }],
    [[0x68, 0x69], { format: 'string', value: 'hi' }],
    [[0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13], { format: 'string', value: '\t\n\u000b\u000c\r\u000e\u000f\u0010\u0011\u0012\u0013' }],
    [[0xe8, 0xae, 0xbe], { format: 'string', value: '设' }],
    [[0xf0, 0x9f, 0x98, 0x80], { format: 'string', value: '\u{1F600}' }],
    [[0xef, 0xbb, 0xbf], { format: 'string', value: '\ufeff' }],
    [[0x00], { format: 'base64', value: 'AA==' }],
    [[0x08], { format: 'base64', value: 'CA==' }],
    [[0x14], { format: 'base64', value: 'FA==' }],
    [[0x1f], { format: 'base64', value: 'Hw==' }],
    [[0x7f], { format: 'base64', value: 'fw==' }],
    [[0xff, 0xfe], { format: 'base64', value: '//4=' }],
    [[0xe8, 0xae], { format: 'base64', value: '6K4=' }],
  ];
  for (const [bytes, expected] of cases) t.deepEqual(plainData(Uint8Array.from(bytes)), expected, JSON.stringify(bytes));
});

const BAD_DATA: ReadonlyArray<readonly [unknown, string]> = [
  [undefined, 'missing data'],
  [null, 'null data'],
  [4.2, 'numeric data with a fraction'],
  [true, 'boolean data'],
  [['x'], 'array data'],
  [{ value: 'x' }, 'format missing'],
  [{ format: 1, value: 'x' }, 'numeric format'],
  [{ format: 'utf8', value: 'x' }, 'unknown format utf8'],
  [{ format: 'json', value: {} }, 'unknown format json'],
  [{ format: '', value: 'x' }, 'empty format'],
  [{ format: 'string' }, 'string without value'],
  [{ format: 'string', value: 0.5 }, 'string with a fractional value'],
  [{ format: 'string', value: null }, 'string with a null value'],
  [{ format: 'hex', value: 'abc' }, 'odd-length hex'],
  [{ format: 'hex', value: 'zz' }, 'non-hex digits'],
  [{ format: 'hex', value: '0x41' }, 'hex with 0x'],
  [{ format: 'hex', value: '41 42' }, 'hex with a space'],
  [{ format: 'hex', value: 414 }, 'hex as a number of odd length'],
  [{ format: 'base64', value: 'S' }, 'base64 of one character'],
  [{ format: 'base64', value: 'SGVsbG8=x' }, 'base64 with data after padding'],
  [{ format: 'base64', value: '====' }, 'base64 of padding only'],
  [{ format: 'base64', value: 'SGV sbG8=' }, 'base64 with a space'],
  [{ format: 'base64', value: 'SGVs\nbG8=' }, 'base64 with a newline'],
  [{ format: 'base64', value: '-_8' }, 'base64url alphabet'],
  [{ format: 'base64', value: 'SGVsbG8===' }, 'base64 with three pad characters'],
  [{ format: 'base64', value: ['SGVsbG8='] }, 'base64 as an array'],
];

for (const [data, why] of BAD_DATA) {
  test(`value: data rejected, ${why}`, (t) => {
    throwsCode(t, () => parse(url({ data })), 'INVALID_VALUE', why);
  });
}

// ---------------------------------------------------------------------------------------------------
// Structured formats

const ADMIN_FORMS: ReadonlyArray<readonly [unknown, string]> = [
  ['011111111111', '011111111111'],
  ['011111110011', '011111110011'],
  ['*', '111111111111'],
  [true, '111111111111'],
  [false, '000000000000'],
  [0x7ff, '011111111111'],
  [0, '000000000000'],
  [[true, true], '000000000011'],
  [[1], '000000000001'],
  ['11', '000000000011'],
  ['1', '000000000001'],
];

for (const [permissions, expected] of ADMIN_FORMS) {
  test(`value: HS_ADMIN permissions ${JSON.stringify(permissions)} are stored as ${expected}`, (t) => {
    const value = parse({ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 200, permissions } } });
    t.deepEqual(value.data, { format: 'admin', value: { handle: '0.NA/88.118', index: 200, permissions: expected } });
  });
}

const STRUCTURED_OK: ReadonlyArray<{ why: string; type: string; data: Record<string, unknown>; expected: unknown }> = [
  {
    why: 'ADMIN format name in upper case',
    type: 'HS_ADMIN',
    data: { format: 'ADMIN', value: { handle: '88.118/admin', index: 300, permissions: '011111111111' } },
    expected: { format: 'admin', value: { handle: '88.118/admin', index: 300, permissions: '011111111111' } },
  },
  {
    why: 'admin for a lower-case hs_admin type',
    type: 'hs_admin',
    data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '*' } },
    expected: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '111111111111' } },
  },
  {
    why: 'admin for a sub-type of HS_ADMIN',
    type: 'HS_ADMIN.EXTRA',
    data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '1' } },
    expected: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '000000000001' } },
  },
  {
    why: 'vlist of references',
    type: 'HS_VLIST',
    data: { format: 'vlist', value: [{ handle: '0.NA/88.118', index: 300 }, { handle: '88.118/ops', index: 301 }] },
    expected: { format: 'vlist', value: [{ handle: '0.NA/88.118', index: 300 }, { handle: '88.118/ops', index: 301 }] },
  },
  { why: 'empty vlist', type: 'HS_VLIST', data: { format: 'VList', value: [] }, expected: { format: 'vlist', value: [] } },
  { why: 'site for HS_SITE', type: 'HS_SITE', data: { format: 'site', value: site() }, expected: { format: 'site', value: site() } },
  { why: 'site for HS_SITE.6', type: 'HS_SITE.6', data: { format: 'site', value: site() }, expected: { format: 'site', value: site() } },
  { why: 'site for HS_SITE.PREFIX', type: 'HS_SITE.PREFIX', data: { format: 'SITE', value: site() }, expected: { format: 'site', value: site() } },
  { why: 'site for HS_NA_DELEGATE', type: 'HS_NA_DELEGATE', data: { format: 'site', value: site() }, expected: { format: 'site', value: site() } },
  { why: 'RSA key', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA } }, expected: { format: 'key', value: { ...RSA } } },
  { why: 'DSA key', type: 'HS_PUBKEY', data: { format: 'Key', value: { ...DSA } }, expected: { format: 'key', value: { ...DSA } } },
  {
    why: 'admin index and permissions as PYHANDLE writes them (index a decimal string)',
    type: 'HS_ADMIN',
    data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: '200', permissions: '011111110011' } },
    expected: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 200, permissions: '011111110011' } },
  },
  {
    why: 'admin with legacyByteLength (accepted, not kept: it only picks an old wire encoding)',
    type: 'HS_ADMIN',
    data: { format: 'admin', value: { handle: '0.NA/88', index: '300', permissions: '111111111111', legacyByteLength: true } },
    expected: { format: 'admin', value: { handle: '0.NA/88', index: 300, permissions: '111111111111' } },
  },
  {
    why: 'admin without permissions grants nothing (GsonUtility line 427)',
    type: 'HS_ADMIN',
    data: { format: 'admin', value: { handle: '0.NA/88', index: 200 } },
    expected: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '000000000000' } },
  },
  {
    why: 'vlist indexes as decimal strings',
    type: 'HS_VLIST',
    data: { format: 'vlist', value: [{ handle: '0.NA/88.118', index: '300' }] },
    expected: { format: 'vlist', value: [{ handle: '0.NA/88.118', index: 300 }] },
  },
  { why: 'key with lower-case kty', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA, kty: 'rsa' } }, expected: { format: 'key', value: { ...RSA } } },
  { why: 'RSA key with padded e', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA, e: 'AQAB==' } }, expected: { format: 'key', value: { ...RSA } } },
  { why: 'RSA key with standard base64 n', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA, n: 'ab+/cw==' } }, expected: { format: 'key', value: { ...RSA, n: 'ab-_cw' } } },
  {
    why: 'RSA key with private members dropped',
    type: 'HS_PUBKEY',
    data: { format: 'key', value: { ...RSA, d: 'c2VjcmV0', p: 'AQAB', q: 'AQAB' } },
    expected: { format: 'key', value: { ...RSA } },
  },
];

const OPAQUE_STRUCTURED: ReadonlyArray<{ type: string; data: unknown; expected: unknown }> = [
  // The binary DSA key form Handle.net falls back to base64 for (length-prefixed "DSA_PUB_KEY", …).
  { type: 'HS_PUBKEY', data: { format: 'base64', value: 'AAAAC0RTQV9QVUJfS0VZAAA=' }, expected: { format: 'base64', value: 'AAAAC0RTQV9QVUJfS0VZAAA=' } },
  { type: 'HS_SITE', data: { format: 'hex', value: '0001' }, expected: { format: 'base64', value: 'AAE=' } },
  { type: 'HS_ADMIN', data: 'not an admin record', expected: { format: 'string', value: 'not an admin record' } },
  { type: 'HS_VLIST', data: { format: 'string', value: '300:0.NA/88' }, expected: { format: 'string', value: '300:0.NA/88' } },
];

for (const c of OPAQUE_STRUCTURED) {
  test(`value: ${c.type} in a plain format is kept as opaque bytes (reference §2.1)`, (t) => {
    t.deepEqual(parse({ index: 100, type: c.type, data: c.data }).data, c.expected);
  });
}

for (const c of STRUCTURED_OK) {
  test(`value: structured data accepted, ${c.why}`, (t) => {
    t.deepEqual(parse({ index: 100, type: c.type, data: c.data }).data, c.expected);
  });
}

const STRUCTURED_BAD: ReadonlyArray<{ why: string; type: string; data: unknown }> = [
  { why: 'admin format on URL', type: 'URL', data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '*' } } },
  { why: 'admin format on HS_VLIST', type: 'HS_VLIST', data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '*' } } },
  { why: 'vlist format on URL', type: 'URL', data: { format: 'vlist', value: [] } },
  { why: 'vlist format on HS_ADMIN', type: 'HS_ADMIN', data: { format: 'vlist', value: [] } },
  { why: 'site format on URL', type: 'URL', data: { format: 'site', value: site() } },
  { why: 'site format on HS_PUBKEY', type: 'HS_PUBKEY', data: { format: 'site', value: site() } },
  { why: 'site format on HS_SERV', type: 'HS_SERV', data: { format: 'site', value: site() } },
  { why: 'key format on URL', type: 'URL', data: { format: 'key', value: { ...RSA } } },
  { why: 'key format on HS_SITE', type: 'HS_SITE', data: { format: 'key', value: { ...RSA } } },
  { why: 'key format on HS_SECKEY', type: 'HS_SECKEY', data: { format: 'key', value: { ...RSA } } },
  { why: 'admin value not an object', type: 'HS_ADMIN', data: { format: 'admin', value: '0.NA/88' } },
  { why: 'admin value an array', type: 'HS_ADMIN', data: { format: 'admin', value: [] } },
  { why: 'admin handle missing', type: 'HS_ADMIN', data: { format: 'admin', value: { index: 200, permissions: '*' } } },
  { why: 'admin handle invalid', type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '88/', index: 200, permissions: '*' } } },
  { why: 'admin index negative', type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88', index: -1, permissions: '*' } } },
  { why: 'admin index a fractional string', type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88', index: '200.0', permissions: '*' } } },
  { why: 'admin permissions not 0/1', type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '0111x1111111' } } },
  { why: 'admin permissions as a decimal string', type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '4095' } } },
  { why: 'admin permissions 13 characters', type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '0111111111111' } } },
  { why: 'vlist not an array', type: 'HS_VLIST', data: { format: 'vlist', value: { handle: '0.NA/88', index: 300 } } },
  { why: 'vlist item not an object', type: 'HS_VLIST', data: { format: 'vlist', value: ['300:0.NA/88'] } },
  { why: 'vlist item with a bad handle', type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '/x', index: 300 }] } },
  { why: 'vlist item without index', type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '0.NA/88' }] } },
  { why: 'vlist of 2049 items', type: 'HS_VLIST', data: { format: 'vlist', value: Array.from({ length: 2049 }, (_, i) => ({ handle: '0.NA/88', index: i + 1 })) } },
  { why: 'site not an object', type: 'HS_SITE', data: { format: 'site', value: 'server' } },
  { why: 'site without servers', type: 'HS_SITE', data: { format: 'site', value: { ...site(), servers: undefined } } },
  { why: 'site with no servers', type: 'HS_SITE', data: { format: 'site', value: { ...site(), servers: [] } } },
  { why: 'site server not an object', type: 'HS_SITE', data: { format: 'site', value: { ...site(), servers: ['192.0.2.10'] } } },
  { why: 'site server with empty address', type: 'HS_SITE', data: { format: 'site', value: { servers: [{ address: '', interfaces: [{ port: 1 }] }] } } },
  { why: 'site server without address', type: 'HS_SITE', data: { format: 'site', value: { servers: [{ interfaces: [{ port: 1 }] }] } } },
  { why: 'site server with no interfaces', type: 'HS_SITE', data: { format: 'site', value: { servers: [{ address: '192.0.2.10', interfaces: [] }] } } },
  { why: 'key not an object', type: 'HS_PUBKEY', data: { format: 'key', value: 'AQAB' } },
  { why: 'key of kty EC', type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'EC', crv: 'P-256', x: 'AQAB', y: 'AQAB' } } },
  { why: 'key without kty', type: 'HS_PUBKEY', data: { format: 'key', value: { n: RSA.n, e: RSA.e } } },
  { why: 'RSA key without e', type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'RSA', n: RSA.n } } },
  { why: 'RSA key with a part of one base64 character too many', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA, n: 'abcde' } } },
  { why: 'RSA key with empty n', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA, n: '' } } },
  { why: 'RSA key with numeric e', type: 'HS_PUBKEY', data: { format: 'key', value: { ...RSA, e: 65537 } } },
  { why: 'DSA key without g', type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'DSA', y: DSA.y, p: DSA.p, q: DSA.q } } },
];

for (const c of STRUCTURED_BAD) {
  test(`value: structured data rejected, ${c.why}`, (t) => {
    throwsCode(t, () => parse({ index: 100, type: c.type, data: c.data }), 'INVALID_VALUE', c.why);
  });
}

test('value: admin and vlist handles are checked under either case rule', (t) => {
  for (const rule of [INSENSITIVE, SENSITIVE]) {
    const admin = parse({ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.na/88.Abc', index: 200, permissions: '*' } } }, rule);
    t.is(admin.data.format, 'admin');
    t.deepEqual(admin.data.value, { handle: '0.na/88.Abc', index: 200, permissions: '111111111111' }, 'handle keeps the spelling');
    throwsCode(t, () => parse({ index: 200, type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '88 1/x', index: 1 }] } }, rule), 'INVALID_VALUE', 'bad vlist handle');
  }
});

// ---------------------------------------------------------------------------------------------------
// site (GsonUtility SiteInfo, ServerInfo and Interface readers, lines 513-626)

function siteOf(value: unknown): Record<string, unknown> {
  return parse({ index: 1, type: 'HS_SITE', data: { format: 'site', value } }).data.value as Record<string, unknown>;
}

test('value: site numbers given as decimal strings and flags as "true"/"false" are stored as JSON numbers and booleans', (t) => {
  const written = {
    ...site(),
    version: '1',
    serialNumber: '7',
    hashOption: '0',
    primarySite: 'true',
    multiPrimary: 'FALSE',
    servers: [{ serverId: '1', address: '192.0.2.10', interfaces: [{ query: 'true', admin: false, protocol: 'TCP', port: '2641' }, { query: true, admin: true, protocol: '2', port: 8000 }] }],
  };
  t.deepEqual(siteOf(written), {
    ...site(),
    version: 1,
    serialNumber: 7,
    hashOption: 0,
    primarySite: true,
    multiPrimary: false,
    servers: [{ serverId: 1, address: '192.0.2.10', interfaces: [{ query: true, admin: false, protocol: 'TCP', port: 2641 }, { query: true, admin: true, protocol: 2, port: 8000 }] }],
  });
});

test('value: site attributes in the object form become the list form; a server key is checked and kept', (t) => {
  const value = siteOf({ ...site(), attributes: { desc: 'primary', alt: ['a', 'b'] } });
  t.deepEqual(value.attributes, [{ name: 'desc', value: 'primary' }, { name: 'alt', value: 'a' }, { name: 'alt', value: 'b' }]);
  const keyed = siteOf({ ...site(), servers: [{ ...SITE.servers[0], publicKey: { format: 'KEY', value: { ...RSA, kty: 'rsa' } } }] });
  t.deepEqual((keyed.servers as Record<string, unknown>[])[0]?.publicKey, { format: 'key', value: { ...RSA } });
  t.deepEqual(siteOf(site()), site(), 'a site in the form Handle.net writes is kept as it is');
});

const BAD_SITES: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
  [{ ...site(), version: 1.5 }, 'version with a fraction'],
  [{ ...site(), version: {} }, 'version an object'],
  [{ ...site(), serialNumber: '1e3' }, 'serialNumber with an exponent'],
  [{ ...site(), hashOption: 300 }, 'hashOption beyond a byte'],
  [{ ...site(), primarySite: 'yes' }, 'primarySite "yes" (Handle.net would read false)'],
  [{ ...site(), multiPrimary: 1 }, 'multiPrimary 1'],
  [{ ...site(), protocolVersion: 2.11 }, 'protocolVersion a JSON number (2.10 and 2.1 read the same)'],
  [{ ...site(), protocolVersion: '2' }, 'protocolVersion without a minor version'],
  [{ ...site(), attributes: 'desc' }, 'attributes a string'],
  [{ ...site(), attributes: [{ name: 'desc' }] }, 'an attribute without a value'],
  [{ ...site(), servers: [{ ...SITE.servers[0], serverId: 'one' }] }, 'serverId a word'],
  [{ ...site(), servers: [{ ...SITE.servers[0], interfaces: [{ query: true, admin: true, protocol: 'udp', port: 2641 }] }] }, 'protocol in lower case'],
  [{ ...site(), servers: [{ ...SITE.servers[0], interfaces: [{ query: true, admin: true, protocol: 'TCP', port: 2641.5 }] }] }, 'port with a fraction'],
  [{ ...site(), servers: [{ ...SITE.servers[0], interfaces: ['TCP:2641'] }] }, 'an interface that is a string'],
  [{ ...site(), servers: [{ ...SITE.servers[0], publicKey: 'AQAB' }] }, 'a server key as bare text'],
  [{ ServerList: SITE.servers }, 'the pre-8 capitalized file form'],
];

for (const [value, why] of BAD_SITES) {
  test(`value: site rejected, ${why}`, (t) => {
    throwsCode(t, () => siteOf(value), 'INVALID_VALUE', why);
  });
}

// ---------------------------------------------------------------------------------------------------
// ttl

const TTLS: ReadonlyArray<{ why: string; ttl: unknown; ttlType: 0 | 1; seconds: number }> = [
  { why: 'default', ttl: undefined, ttlType: 0, seconds: 86_400 },
  { why: 'zero', ttl: 0, ttlType: 0, seconds: 0 },
  { why: 'one hour', ttl: 3600, ttlType: 0, seconds: 3600 },
  { why: '2^31-1 seconds', ttl: 2 ** 31 - 1, ttlType: 0, seconds: 2 ** 31 - 1 },
  { why: 'ISO-8601 UTC', ttl: '2030-01-01T00:00:00Z', ttlType: 1, seconds: Date.UTC(2030, 0, 1) / 1000 },
  { why: 'ISO-8601 with offset', ttl: '2030-01-01T08:00:00+08:00', ttlType: 1, seconds: Date.UTC(2030, 0, 1) / 1000 },
  { why: 'ISO-8601 with negative offset', ttl: '2029-12-31T19:00:00-05:00', ttlType: 1, seconds: Date.UTC(2030, 0, 1) / 1000 },
  { why: 'ISO-8601 with milliseconds', ttl: '2030-01-01T00:00:00.750Z', ttlType: 1, seconds: Date.UTC(2030, 0, 1) / 1000 },
  { why: 'ISO-8601 without seconds', ttl: '2030-01-01T00:00Z', ttlType: 1, seconds: Date.UTC(2030, 0, 1) / 1000 },
  { why: 'ISO-8601 leap day', ttl: '2028-02-29T12:30:15Z', ttlType: 1, seconds: Date.UTC(2028, 1, 29, 12, 30, 15) / 1000 },
  // Handle.net's date reader assumes UTC and midnight when they are left out (docs/handle-compatibility.md).
  { why: 'ISO-8601 date without time', ttl: '2030-01-01', ttlType: 1, seconds: Date.UTC(2030, 0, 1) / 1000 },
  { why: 'ISO-8601 time without zone (UTC)', ttl: '2030-01-01T08:30:00', ttlType: 1, seconds: Date.UTC(2030, 0, 1, 8, 30) / 1000 },
  { why: 'ISO-8601 date with a zone', ttl: '2030-01-01+08:00', ttlType: 1, seconds: Date.UTC(2029, 11, 31, 16) / 1000 },
];

for (const c of TTLS) {
  test(`value: ttl ${c.why} is ttlType ${c.ttlType}`, (t) => {
    const value = parse(url({ ttl: c.ttl }));
    t.is(value.ttlType, c.ttlType);
    t.is(value.ttl, c.seconds);
  });
}

const BAD_TTLS: ReadonlyArray<readonly [unknown, string]> = [
  [-1, 'negative'],
  [1.5, 'fraction'],
  [2 ** 31, '2^31'],
  [Number.NaN, 'NaN'],
  ['3600', 'numeric string (a relative ttl must be a JSON number)'],
  ['-3600', 'signed numeric string'],
  ['20300101', 'digits alone (Handle.net reads a year 20300101)'],
  ['', 'empty string'],
  [null, 'null'],
  [true, 'boolean'],
  [{}, 'object'],
  ['2030-01-01T', 'T without a time'],
  ['2030-01-01T08', 'hour without minutes'],
  ['20300101T000000Z', 'compact form'],
  ['12030-01-01T00:00:00Z', 'five-digit year'],
  ['2030-01-01 00:00:00Z', 'space instead of T'],
  ['tomorrow', 'words'],
  ['Tue, 01 Jan 2030 00:00:00 GMT', 'HTTP date'],
  ['2030-13-01T00:00:00Z', 'month 13'],
  ['2030-01-32T00:00:00Z', 'day 32'],
  ['2030-02-30T00:00:00Z', 'February 30'],
  ['2030-04-31T00:00:00Z', 'April 31'],
  ['2030-01-01T25:00:00Z', 'hour 25'],
  ['2030-01-01T24:00Z', 'hour 24 (JavaScript would read the next midnight)'],
  ['2030-01-01T24:00:00+08:00', 'hour 24 with an offset'],
  ['2030-01-01T00:60:00Z', 'minute 60'],
];

for (const [ttl, why] of BAD_TTLS) {
  test(`value: ttl rejected, ${why}`, (t) => {
    throwsCode(t, () => parse(url({ ttl })), 'INVALID_VALUE', why);
  });
}

test('value: publicView keeps only publicly readable values, in output form, and their smallest TTLs', (t) => {
  const absolute = Date.UTC(2030, 0, 1) / 1000;
  const view = publicView([
    stored({ index: 1, ttlType: 0, ttl: 3600 }),
    stored({ index: 2, ttlType: 0, ttl: 600 }),
    stored({ index: 3, ttlType: 1, ttl: absolute }),
    stored({ index: 4, ttlType: 0, ttl: 5, permissions: '1100' }),
  ]);
  t.deepEqual(JSON.parse(view.valuesJson).map((v: { index: number }) => v.index), [1, 2, 3]);
  t.true(view.hasPrivate);
  t.is(view.minTtlSeconds, 600, 'the private value with ttl 5 does not count');
  t.is(view.earliestExpirySeconds, absolute);
  const open = publicView([stored({ index: 1 })]);
  t.false(open.hasPrivate);
  t.is(open.earliestExpirySeconds, null);
});

test('value: publicViewExpiryMs counts relative ttls from now, keeps absolute ones and caps both', (t) => {
  const nowMs = NOW * 1000;
  const view = (minTtlSeconds: number | null, earliestExpirySeconds: number | null) => ({ valuesJson: '[]', hasPrivate: false, minTtlSeconds, earliestExpirySeconds });
  t.is(publicViewExpiryMs(view(3600, null), nowMs, 86_400_000), nowMs + 3_600_000, 'relative');
  t.is(publicViewExpiryMs(view(0, null), nowMs, 86_400_000), nowMs, 'zero');
  t.is(publicViewExpiryMs(view(null, NOW + 60), nowMs, 86_400_000), nowMs + 60_000, 'absolute');
  t.is(publicViewExpiryMs(view(3600, NOW + 60), nowMs, 86_400_000), nowMs + 60_000, 'the earlier of both');
  t.is(publicViewExpiryMs(view(86_400, null), nowMs, 1000), nowMs + 1000, 'capped');
  t.is(publicViewExpiryMs(view(null, null), nowMs, 5000), nowMs + 5000, 'no values');
});

// ---------------------------------------------------------------------------------------------------
// permissions

const PERMISSIONS: ReadonlyArray<{ type: string; input: unknown; expected: string }> = [
  { type: 'URL', input: undefined, expected: '1110' },
  { type: 'URL', input: '1110', expected: '1110' },
  { type: 'URL', input: '*', expected: '1111' },
  { type: 'URL', input: '1111', expected: '1111' },
  { type: 'URL', input: '0000', expected: '0000' },
  { type: 'URL', input: '1100', expected: '1100' },
  { type: 'URL', input: '0110', expected: '0110' },
  { type: 'URL', input: '0010', expected: '0010' },
  { type: 'URL', input: 1110, expected: '1110' },
  { type: 'URL', input: 1111, expected: '1111' },
  { type: 'HS_ADMIN', input: undefined, expected: '1110' },
  { type: 'HS_SECKEY', input: undefined, expected: '1100' },
  { type: 'hs_seckey', input: undefined, expected: '1100' },
  { type: 'HS_SECKEY.OLD', input: undefined, expected: '1100' },
  { type: 'HS_SECKEY', input: '1100', expected: '1100' },
  { type: 'HS_SECKEY', input: '1000', expected: '1000' },
  { type: 'HS_SECKEY', input: '0000', expected: '0000' },
  { type: 'HS_SECKEY', input: '1101', expected: '1101' },
  { type: 'HS_SECKEYS', input: undefined, expected: '1110' },
];

for (const c of PERMISSIONS) {
  test(`value: permissions ${JSON.stringify(c.input)} on ${c.type} become ${c.expected}`, (t) => {
    const data = c.type === 'HS_ADMIN' ? { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '*' } } : 'secret-or-text-value';
    t.is(parse({ index: 1, type: c.type, data, permissions: c.input }).permissions, c.expected);
  });
}

const BAD_PERMISSIONS: ReadonlyArray<{ type: string; input: unknown; why: string }> = [
  { type: 'URL', input: '111', why: 'three characters' },
  { type: 'URL', input: '11100', why: 'five characters' },
  { type: 'URL', input: '', why: 'empty' },
  { type: 'URL', input: '2110', why: 'digit 2' },
  { type: 'URL', input: 'abcd', why: 'letters' },
  { type: 'URL', input: ' 1110', why: 'leading space' },
  { type: 'URL', input: '**', why: 'two stars' },
  { type: 'URL', input: 110, why: 'number losing a leading zero' },
  { type: 'URL', input: 1110.5, why: 'number with a fraction' },
  { type: 'URL', input: true, why: 'boolean' },
  { type: 'URL', input: null, why: 'null' },
  { type: 'URL', input: [1, 1, 1, 0], why: 'array' },
  { type: 'HS_SECKEY', input: '1110', why: 'public read on HS_SECKEY' },
  { type: 'HS_SECKEY', input: '1111', why: 'public read and write on HS_SECKEY' },
  { type: 'HS_SECKEY', input: '0010', why: 'only public read on HS_SECKEY' },
  { type: 'HS_SECKEY', input: '*', why: 'star on HS_SECKEY' },
  { type: 'hs_seckey', input: '1110', why: 'public read on lower-case hs_seckey' },
];

for (const c of BAD_PERMISSIONS) {
  test(`value: permissions rejected, ${c.why}`, (t) => {
    throwsCode(t, () => parse({ index: 1, type: c.type, data: 'a-valid-secret-of-24-chars', permissions: c.input }), 'INVALID_VALUE', c.why);
  });
}

test('value: HS_SECKEY data is kept as the plain secret text', (t) => {
  const cases: ReadonlyArray<readonly [unknown, string]> = [
    ['s3cret-s3cret-s3cret', 's3cret-s3cret-s3cret'],
    [{ format: 'string', value: 'pässwörd-pässwörd' }, 'pässwörd-pässwörd'],
    [{ format: 'hex', value: '7365637265742d6f662d31362d6368617273' }, 'secret-of-16-chars'],
    [{ format: 'base64', value: 'c2VjcmV0LW9mLTE2LWNoYXJz' }, 'secret-of-16-chars'],
  ];
  for (const [data, secret] of cases) {
    t.deepEqual(parse({ index: 301, type: 'HS_SECKEY', data }).data, { format: 'string', value: secret }, JSON.stringify(data));
  }
});

// ---------------------------------------------------------------------------------------------------
// references and timestamp

test('value: references default to none and are kept when given', (t) => {
  t.deepEqual(parse(url()).references, [], 'default');
  t.deepEqual(parse(url({ references: [] })).references, [], 'empty');
  const references = [{ handle: '88.118/other', index: 1 }, { handle: '0.NA/88.118', index: 300 }];
  t.deepEqual(parse(url({ references })).references, references, 'kept');
  t.deepEqual(parse(url({ references: null })).references, [], 'null is none (GsonUtility line 257)');
  t.deepEqual(parse(url({ references: [{ handle: '88.118/other', index: '1' }] })).references, [{ handle: '88.118/other', index: 1 }], 'index as a decimal string');
});

const BAD_REFERENCES: ReadonlyArray<readonly [unknown, string]> = [
  ['88.118/other', 'a string'],
  [{ handle: '88.118/other', index: 1 }, 'a single object'],
  [[{ handle: '88.118/', index: 1 }], 'a bad handle'],
  [[{ handle: 5.5, index: 1 }], 'a fractional handle'],
  [[{ handle: '88.118/other' }], 'a missing index'],
  [[{ handle: '88.118/other', index: -1 }], 'a negative index'],
  [[{ handle: '88.118/other', index: 1.5 }], 'a fractional index'],
  [['88.118/other'], 'an item that is a string'],
  [Array.from({ length: 2049 }, () => ({ handle: '88.118/other', index: 1 })), '2049 items'],
];

for (const [references, why] of BAD_REFERENCES) {
  test(`value: references rejected, ${why}`, (t) => {
    throwsCode(t, () => parse(url({ references })), 'INVALID_VALUE', why);
  });
}

test('value: the server timestamp replaces any timestamp sent by the client', (t) => {
  const sent: unknown[] = [undefined, '2000-01-01T00:00:00Z', 0, 946_684_800, 'garbage', null];
  for (const timestamp of sent) t.is(parse(url({ timestamp })).timestamp, NOW, JSON.stringify(timestamp));
  t.is(parseValue(url(), 'v', NOW + 5, INSENSITIVE).timestamp, NOW + 5, 'another now');
});

test('value: unknown fields are not carried into the stored value', (t) => {
  const value = parse(url({ extra: 'x', handle: '88/x' }));
  t.deepEqual(Object.keys(value).sort(), ['data', 'index', 'permissions', 'references', 'timestamp', 'ttl', 'ttlType', 'type']);
});

test('value: a full input is stored field by field', (t) => {
  const value = parse({ index: 7, type: 'EMAIL', data: { format: 'string', value: 'ops@example.cn' }, ttl: 60, permissions: '1111', references: [{ handle: '88/x', index: 1 }] });
  t.deepEqual(value, {
    index: 7,
    type: 'EMAIL',
    data: { format: 'string', value: 'ops@example.cn' },
    ttlType: 0,
    ttl: 60,
    timestamp: NOW,
    permissions: '1111',
    references: [{ handle: '88/x', index: 1 }],
  });
});

// ---------------------------------------------------------------------------------------------------
// parseValueList

test('value list: valid values keep their order', (t) => {
  const list = parseValueList([url({ index: 2 }), url({ index: 1 }), url({ index: 100 })], NOW, INSENSITIVE);
  t.deepEqual(list.map((v) => v.index), [2, 1, 100]);
  t.deepEqual(parseValueList([], NOW, INSENSITIVE), [], 'empty list');
});

const DUPLICATES: ReadonlyArray<readonly [number[], string]> = [
  [[1, 1], 'adjacent'],
  [[1, 2, 3, 1], 'far apart'],
  [[100, 2, 100, 3], 'in the middle'],
];

for (const [indexes, why] of DUPLICATES) {
  test(`value list: the same index twice is VALUE_ALREADY_EXISTS (${why})`, (t) => {
    throwsCode(t, () => parseValueList(indexes.map((index) => url({ index })), NOW, INSENSITIVE), 'VALUE_ALREADY_EXISTS', why);
  });
}

test('value list: a duplicate index answers responseCode 201 / HTTP 409', (t) => {
  const error = t.throws(() => parseValueList([url(), url()], NOW, INSENSITIVE), { instanceOf: IdnodeError });
  t.is(error?.entry.responseCode, 201);
  t.is(error?.entry.httpStatus, 409);
});

test('value list: 2048 values are accepted, 2049 are TOO_MANY_VALUES', (t) => {
  const values = (n: number): unknown[] => Array.from({ length: n }, (_, i) => url({ index: i + 1 }));
  t.is(parseValueList(values(2048), NOW, INSENSITIVE).length, 2048);
  throwsCode(t, () => parseValueList(values(2049), NOW, INSENSITIVE), 'TOO_MANY_VALUES', '2049 values');
  throwsCode(t, () => parseValueList(Array.from({ length: 2049 }, () => url()), NOW, INSENSITIVE), 'TOO_MANY_VALUES', 'count is checked first');
});

test('value list: one invalid value rejects the list with INVALID_VALUE', (t) => {
  const cases: ReadonlyArray<readonly [unknown[], string]> = [
    [[url({ index: 1 }), url({ index: 0 })], 'index 0 second'],
    [[url({ index: 1, type: '' }), url({ index: 2 })], 'empty type first'],
    [[url({ index: 1 }), null], 'null item'],
    [[url({ index: 1 }), url({ index: 2, ttl: -5 })], 'negative ttl'],
  ];
  for (const [inputs, why] of cases) throwsCode(t, () => parseValueList(inputs, NOW, INSENSITIVE), 'INVALID_VALUE', why);
});

// ---------------------------------------------------------------------------------------------------
// valueToJson

const JSON_SHAPES: ReadonlyArray<{ why: string; value: HandleValue; keys: string[] }> = [
  { why: 'default permissions, timestamp set', value: stored(), keys: ['index', 'type', 'data', 'ttl', 'timestamp'] },
  { why: 'other permissions', value: stored({ permissions: '1111' }), keys: ['index', 'type', 'data', 'permissions', 'ttl', 'timestamp'] },
  { why: 'timestamp 0', value: stored({ timestamp: 0 }), keys: ['index', 'type', 'data', 'ttl'] },
  { why: 'references', value: stored({ references: [{ handle: '88/x', index: 1 }] }), keys: ['index', 'type', 'data', 'ttl', 'timestamp', 'references'] },
  {
    why: 'every optional field',
    value: stored({ permissions: '1100', references: [{ handle: '88/x', index: 1 }] }),
    keys: ['index', 'type', 'data', 'permissions', 'ttl', 'timestamp', 'references'],
  },
  { why: 'permissions but no timestamp', value: stored({ permissions: '0000', timestamp: 0 }), keys: ['index', 'type', 'data', 'permissions', 'ttl'] },
];

for (const c of JSON_SHAPES) {
  test(`value json: keys in order for ${c.why}`, (t) => {
    t.deepEqual(Object.keys(valueToJson(c.value)), c.keys);
  });
}

test('value json: the serialised text of a full value', (t) => {
  const value = stored({ index: 3, permissions: '1100', ttl: 60, references: [{ handle: '88/x', index: 1 }] });
  t.is(
    JSON.stringify(valueToJson(value)),
    `{"index":3,"type":"URL","data":{"format":"string","value":"https://example.cn/p/1"},"permissions":"1100","ttl":60,"timestamp":"${NOW_ISO}","references":[{"handle":"88/x","index":1}]}`,
  );
});

test('value json: data keys are format then value', (t) => {
  const json = valueToJson(stored({ data: { format: 'base64', value: 'AP8=' } }));
  t.deepEqual(Object.keys(json.data), ['format', 'value']);
  t.deepEqual(json.data, { format: 'base64', value: 'AP8=' });
});

const JSON_TIMES: ReadonlyArray<{ why: string; value: HandleValue; ttl: number | string; timestamp: string | undefined }> = [
  { why: 'relative ttl', value: stored({ ttl: 3600 }), ttl: 3600, timestamp: NOW_ISO },
  { why: 'zero ttl', value: stored({ ttl: 0 }), ttl: 0, timestamp: NOW_ISO },
  { why: 'absolute ttl', value: stored({ ttlType: 1, ttl: Date.UTC(2030, 0, 1) / 1000 }), ttl: '2030-01-01T00:00:00Z', timestamp: NOW_ISO },
  { why: 'absolute ttl with seconds', value: stored({ ttlType: 1, ttl: Date.UTC(2028, 1, 29, 12, 30, 15) / 1000 }), ttl: '2028-02-29T12:30:15Z', timestamp: NOW_ISO },
  { why: 'epoch-second timestamp', value: stored({ timestamp: 1 }), ttl: 86_400, timestamp: '1970-01-01T00:00:01Z' },
  { why: 'no timestamp', value: stored({ timestamp: 0 }), ttl: 86_400, timestamp: undefined },
];

for (const c of JSON_TIMES) {
  test(`value json: ttl and timestamp forms, ${c.why}`, (t) => {
    const json = valueToJson(c.value);
    t.is(json.ttl, c.ttl);
    t.is(json.timestamp, c.timestamp);
  });
}

test('value json: permissions omitted only when exactly 1110', (t) => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ['1110', undefined],
    ['1111', '1111'],
    ['1100', '1100'],
    ['0110', '0110'],
    ['0000', '0000'],
  ];
  for (const [permissions, expected] of cases) t.is(valueToJson(stored({ permissions })).permissions, expected, permissions);
});

test('value json: parsed input round-trips to the documented output', (t) => {
  const cases: ReadonlyArray<readonly [Record<string, unknown>, Record<string, unknown>]> = [
    [
      { index: 1, type: 'URL', data: 'https://example.cn/p/1', timestamp: '1999-01-01T00:00:00Z' },
      { index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/p/1' }, ttl: 86_400, timestamp: NOW_ISO },
    ],
    [
      { index: 2, type: 'EMAIL', data: { format: 'hex', value: '6f7073' }, ttl: '2030-01-01T08:00:00+08:00', permissions: '*' },
      { index: 2, type: 'EMAIL', data: { format: 'string', value: 'ops' }, permissions: '1111', ttl: '2030-01-01T00:00:00Z', timestamp: NOW_ISO },
    ],
    [
      { index: 100, type: 'HS_ADMIN', data: { format: 'ADMIN', value: { handle: '0.NA/88', index: 200, permissions: 0x7ff } }, permissions: '1110' },
      { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88', index: 200, permissions: '011111111111' } }, ttl: 86_400, timestamp: NOW_ISO },
    ],
    [
      { index: 301, type: 'HS_SECKEY', data: 'a-secret-of-16-chars', references: [{ handle: '88/x', index: 1 }] },
      { index: 301, type: 'HS_SECKEY', data: { format: 'string', value: 'a-secret-of-16-chars' }, permissions: '1100', ttl: 86_400, timestamp: NOW_ISO, references: [{ handle: '88/x', index: 1 }] },
    ],
  ];
  for (const [input, output] of cases) t.deepEqual(valueToJson(parse(input)), output, String(input.type));
});

// ---------------------------------------------------------------------------------------------------
// Types

const SUBTYPES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['URL', 'URL', true],
  ['url', 'URL', true],
  ['URL', 'url', true],
  ['URL.METADATA', 'URL', true],
  ['url.metadata', 'URL', true],
  ['URL.A.B', 'URL.A', true],
  ['URL.A.B', 'URL', true],
  ['URLX', 'URL', false],
  ['URL_X', 'URL', false],
  ['URL', 'URL.METADATA', false],
  ['URL.', 'URL', true],
  ['EMAIL', 'URL', false],
  ['HS_SITE.PREFIX', 'HS_SITE', true],
  ['HS_SITE6', 'HS_SITE', false],
  ['10320/loc', '10320/LOC', true],
  ['é', 'É', false],
  ['ß.X', 'ß', true],
];

test('type: isTypeOrSubtype matches the type and its dotted sub-types ignoring ASCII case', (t) => {
  for (const [type, base, expected] of SUBTYPES) t.is(isTypeOrSubtype(type, base), expected, `${type} is a ${base}`);
});

const FILTERS: ReadonlyArray<readonly [string, string, boolean]> = [
  ['URL', 'URL', true],
  ['url', 'URL', true],
  ['URL', 'Url', true],
  ['URL.METADATA', 'URL', false],
  ['URL', 'URL.', true],
  ['URL.METADATA', 'URL.', true],
  ['url.metadata.x', 'URL.', true],
  ['URLX', 'URL.', false],
  ['EMAIL', 'URL.', false],
  ['URL.METADATA', 'URL.METADATA', true],
  ['URL', 'URL.METADATA', false],
  ['HS_ADMIN', 'HS_ADMIN', true],
  ['é', 'É', false],
];

test('type: matchesTypeFilter matches exactly, or the type and sub-types with a trailing dot', (t) => {
  for (const [type, filter, expected] of FILTERS) t.is(matchesTypeFilter(type, filter), expected, `${type} ~ ${filter}`);
});

test('value: an HS_SECKEY secret shorter than 16 characters (or empty) is refused', (t) => {
  for (const data of ['', 'k', 'fifteen-chars-x']) throwsCode(t, () => parse({ index: 300, type: 'HS_SECKEY', data }), 'INVALID_VALUE', JSON.stringify(data));
  t.is(parse({ index: 300, type: 'HS_SECKEY', data: 'sixteen-chars-xy' }).data.value, 'sixteen-chars-xy');
});
