// The stored form of records: lossless for every value the parser accepts, and compact for the common ones.

import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { IdnodeError } from '../../src/errors.js';
import { decodeRecord, encodeRecord } from '../../src/identifier/record-encoding.js';
import { parseValue, type HandleValue } from '../../src/identifier/value.js';
import { valueArbitrary } from '../hostile/properties/value-arbitraries.js';

const RULE = { suffixCaseSensitive: false } as const;
const TS = 1_768_464_000;

function value(partial: Partial<HandleValue> & Pick<HandleValue, 'index' | 'type' | 'data'>): HandleValue {
  return { ttlType: 0, ttl: 86_400, timestamp: TS, permissions: '1110', references: [], ...partial };
}

test('record encoding: defaults are left out, so a common record is its indexes, types and data', (t) => {
  const values = [
    value({ index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/a' } }),
    value({ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '011111110011' } } }),
  ];
  t.is(encodeRecord(values), `[${TS},[1,"URL","https://example.cn/a"],[100,"HS_ADMIN",["a","0.NA/88.118",300,"011111110011"]]]`);
  t.deepEqual(decodeRecord(encodeRecord(values)), values);
});

const CASES: { name: string; values: HandleValue[]; text: string }[] = [
  { name: 'no values', values: [], text: '[0]' },
  {
    name: 'every option and every data form',
    values: [
      value({ index: 1, type: 'URL', data: { format: 'string', value: 'ünïcödé "quoted" \\ \u2028' }, ttl: 600, permissions: '1111' }),
      value({ index: 2, type: 'BIN', data: { format: 'base64', value: 'AAEC' }, ttlType: 1, ttl: 4_102_444_800, timestamp: TS + 5 }),
      value({ index: 3, type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '88.118/A', index: 1 }] }, references: [{ handle: '88.118/B', index: 0 }] }),
      value({ index: 4, type: 'HS_SITE', data: { format: 'site', value: { version: 1, servers: [{ serverId: 1, address: '192.0.2.1' }] } } }),
      value({ index: 5, type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }, permissions: '1100', ttl: 0 }),
    ],
    text:
      `[${TS},[1,"URL","ünïcödé \\"quoted\\" \\\\ \u2028",{"t":600,"p":"1111"}],[2,"BIN",["b","AAEC"],{"x":4102444800,"s":${TS + 5}}],` +
      '[3,"HS_VLIST",["v",[["88.118/A",1]]],{"r":[["88.118/B",0]]}],[4,"HS_SITE",["s",{"version":1,"servers":[{"serverId":1,"address":"192.0.2.1"}]}]],' +
      '[5,"HS_PUBKEY",["k",{"kty":"RSA","n":"AQAB","e":"AQAB"}],{"t":0,"p":"1100"}]]',
  },
  {
    name: 'the timestamp most values share is the record’s',
    values: [
      value({ index: 1, type: 'A', data: { format: 'string', value: 'a' }, timestamp: 7 }),
      value({ index: 2, type: 'B', data: { format: 'string', value: 'b' } }),
      value({ index: 3, type: 'C', data: { format: 'string', value: 'c' } }),
    ],
    text: `[${TS},[1,"A","a",{"s":7}],[2,"B","b"],[3,"C","c"]]`,
  },
];

for (const { name, values, text } of CASES) {
  test(`record encoding: ${name}`, (t) => {
    t.is(encodeRecord(values), text);
    t.deepEqual(decodeRecord(text), values);
  });
}

test('record encoding: every value the parser accepts reads back equal (property)', (t) => {
  let checked = 0;
  fc.assert(
    fc.property(fc.array(valueArbitrary, { maxLength: 4 }), fc.integer({ min: 0, max: 2 ** 31 }), (inputs, nowSeconds) => {
      const values: HandleValue[] = [];
      inputs.forEach((input, i) => {
        try {
          values.push(parseValue(input, `values[${i}]`, nowSeconds + i, RULE));
        } catch (error) {
          if (!(error instanceof IdnodeError)) throw error;
        }
      });
      const text = encodeRecord(values);
      deepStrictEqual(decodeRecord(text), values);
      strictEqual(encodeRecord(decodeRecord(text)), text);
      checked += values.length;
    }),
    { numRuns: 2000, seed: 0x13 },
  );
  // The generator must reach valid values, or the property proves nothing.
  t.true(checked > 1000, `only ${checked} valid values were generated`);
});

test('record encoding: text that is not a compact record is refused as INTERNAL', (t) => {
  for (const text of ['[]', '{"a":1}', '[{"index":1}]', '[1,[1,"URL",["?","x"]]]']) {
    const error = t.throws(() => decodeRecord(text));
    t.is((error as IdnodeError).code, 'INTERNAL', text);
  }
});
