// Handle values in binary form, checked byte for byte against vectors laid out from hdllib 9.2's Encoder.java.
//
// Where the vectors come from: each is the field-by-field layout of the named Encoder/Util method (MistraR/handle,
// src/main/java/net/handle/hdllib), written out by hand from the source and confirmed once against that source
// compiled locally (Encoder.encodeHandleValue, encodeAdminRecord, encodeValueReferenceList, encodeSiteInfoRecord,
// Util.getBytesFromPublicKey; the JSON forms from GsonUtility). Nothing of hdllib is needed to run these tests.

import test from 'ava';
import fc from 'fast-check';
import { ByteReader, ByteWriter } from '../../src/identifier/binary-fields.js';
import { addressOctets, addressText, decodePublicKey, decodeSite, encodePublicKey, encodeSite } from '../../src/identifier/site-binary.js';
import { dataFromBytes, decodeAdmin, decodeReferenceList, encodeAdmin, encodeReferenceList, encodeValue, readValue } from '../../src/identifier/value-binary.js';
import type { HandleValue } from '../../src/identifier/value.js';
import { IdnodeError } from '../../src/errors.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const TS = 1_768_464_000; // 2026-01-15T08:00:00Z = 0x69689e80

function value(partial: Partial<HandleValue> & Pick<HandleValue, 'index' | 'type' | 'data'>): HandleValue {
  return { ttlType: 0, ttl: 86_400, timestamp: TS, permissions: '1110', references: [], ...partial };
}

// Encoder.encodeHandleValue: index int4 | timestamp int4 | ttlType octet | ttl int4 | permissions octet
// (adminRead 8, adminWrite 4, publicRead 2, publicWrite 1) | type int4+bytes | data int4+bytes | references int4 count,
// then per reference handle int4+bytes and index int4.
const URL_VALUE = hex(`
  00000001 69689e80 00 00015180 0e
  00000003 55524c
  00000014 68747470733a2f2f6578616d706c652e636e2f61
  00000000`);
const ABSOLUTE_VALUE = hex(`
  00000002 69689e80 01 70dbd880 0c
  00000005 454d41494c
  0000000c 78406578616d706c652e636e
  00000001 0000000a 38382e3131382f524546 00000007`);

test('value-binary: a URL value is laid out as Encoder.encodeHandleValue lays it out', (t) => {
  const url = value({ index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/a' } });
  t.deepEqual(encodeValue(url), URL_VALUE);
  t.deepEqual(readValue(new ByteReader(URL_VALUE)), url);
});

test('value-binary: absolute TTL, permissions 1100 and a reference', (t) => {
  const email = value({
    index: 2,
    type: 'EMAIL',
    data: { format: 'string', value: 'x@example.cn' },
    ttlType: 1,
    ttl: 1_893_456_000,
    permissions: '1100',
    references: [{ handle: '88.118/REF', index: 7 }],
  });
  t.deepEqual(encodeValue(email), ABSOLUTE_VALUE);
  t.deepEqual(readValue(new ByteReader(ABSOLUTE_VALUE)), email);
});

// Encoder.encodeAdminRecord: permissions int2 (PERM_ADD_HANDLE 0x001 … PERM_LIST_HDLS 0x800) | handle | index.
// All but ADD_NA (0x004) and DELETE_NA (0x008): 0x0ff3, shown by GsonUtility as "111111110011".
const ADMIN = hex('0ff3 0000000b 302e4e412f38382e313138 0000012c');

test('value-binary: HS_ADMIN data as Encoder.encodeAdminRecord writes it, and back', (t) => {
  const admin = { handle: '0.NA/88.118', index: 300, permissions: '111111110011' };
  t.deepEqual(encodeAdmin(admin), ADMIN);
  t.deepEqual(decodeAdmin(ADMIN), admin);
  // Two stray octets are the legacy length (AdminRecord.legacyByteLength); anything else is not an admin record.
  t.deepEqual(decodeAdmin(Buffer.concat([ADMIN, Buffer.alloc(2)])), admin);
  t.is(decodeAdmin(Buffer.concat([ADMIN, Buffer.alloc(1)])), null);
  t.is(decodeAdmin(hex('010203')), null);
});

test('value-binary: an HS_ADMIN value in full (GsonUtility shows it with format admin)', (t) => {
  const encoded = hex('00000064 69689e80 00 00015180 0e 00000008 48535f41444d494e 00000015') ;
  const full = Buffer.concat([encoded, ADMIN, hex('00000000')]);
  const admin = value({ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '111111110011' } } });
  t.deepEqual(encodeValue(admin), full);
  t.deepEqual(readValue(new ByteReader(full)), admin);
});

// Encoder.encodeValueReferenceList: count int4, then handle int4+UTF-8 bytes and index int4 each.
const VLIST = hex('00000002 0000000b 302e4e412f38382e313138 0000012c 0000000a 38382e3131382fe7bb84 0000012d');

test('value-binary: HS_VLIST data (UTF-8 handles) and back; trailing bytes make it no list', (t) => {
  const references = [
    { handle: '0.NA/88.118', index: 300 },
    { handle: '88.118/组', index: 301 },
  ];
  t.deepEqual(encodeReferenceList(references), VLIST);
  t.deepEqual(decodeReferenceList(VLIST), references);
  t.is(decodeReferenceList(Buffer.concat([VLIST, Buffer.alloc(1)])), null);
});

// Util.getBytesFromPublicKey: "RSA_PUB_KEY" | flags int2 0 | exponent | modulus, each BigInteger.toByteArray() (two's
// complement: a leading 0x00 when the top bit is set), and four zero octets: the method sizes the buffer for four
// length fields but writes three. GsonUtility shows the JWK with unsigned base64url magnitudes.
const MODULUS = 'c5a1d9b3f0e27c4481b9d3e5f7a1c3e5d7b9f1a3c5e7d9b1f3a5c7e9d1b3f5a7c9e1d3b5f7a9c1e3d5b7f9a1c3e5d7b9f1a3c5e7d9b1f3a5c7e9d1b3f5a7c9e1';
const RSA_JWK = { kty: 'RSA', n: Buffer.from(MODULUS, 'hex').toString('base64url'), e: 'AQAB' };
const RSA_KEY = hex(`0000000b 5253415f5055425f4b4559 0000 00000003 010001 00000041 00${MODULUS} 00000000`);
// "DSA_PUB_KEY" | flags | q | p | g | y: q=0x7f, p=0xfb (top bit set: 00 fb), g=3, y=1234567=0x12d687.
const DSA_JWK = { kty: 'DSA', y: 'EtaH', p: '-w', q: 'fw', g: 'Aw' };
const DSA_KEY = hex('0000000b 4453415f5055425f4b4559 0000 00000001 7f 00000002 00fb 00000001 03 00000003 12d687');

test('value-binary: HS_PUBKEY data for RSA and DSA keys and back', (t) => {
  t.deepEqual(encodePublicKey(RSA_JWK), RSA_KEY);
  t.deepEqual(decodePublicKey(RSA_KEY), RSA_JWK);
  t.deepEqual(encodePublicKey(DSA_JWK), DSA_KEY);
  t.deepEqual(decodePublicKey(DSA_KEY), DSA_JWK);
  // Other key kinds (DH_PUB_KEY, garbage) are shown as base64, as GsonUtility falls back to.
  t.is(decodePublicKey(hex('0000000a 44485f5055425f4b4559 0000')), null);
  t.deepEqual(dataFromBytes('HS_PUBKEY', hex('0102')), { format: 'base64', value: 'AQI=' });
});

const SITE_JSON = {
  version: 1,
  protocolVersion: '2.11',
  serialNumber: 1,
  primarySite: true,
  multiPrimary: false,
  attributes: [{ name: 'desc', value: 'idnode 88.118' }],
  servers: [
    {
      serverId: 1,
      address: '127.0.0.1',
      publicKey: { format: 'key', value: RSA_JWK },
      interfaces: [
        { query: true, admin: true, protocol: 'TCP', port: 2641 },
        { query: true, admin: false, protocol: 'UDP', port: 2641 },
        { query: true, admin: true, protocol: 'HTTP', port: 8000 },
      ],
    },
  ],
};
// Encoder.encodeSiteInfoRecord: version int2 | major, minor octets | serial int2 | flags (primary 0x80, multi 0x40) |
// hashOption (2 = by all) | hashFilter int4+bytes | attributes (count, name, value) | servers: id int4, 16 address
// octets (IPv4 in the last four), public key int4+bytes, interfaces (count; type octet: query 2 | admin 1,
// protocol octet: UDP 0, TCP 1, HTTP 2, HTTPS 3, port int4).
const SITE = hex(`
  0001 02 0b 0001 80 02 00000000
  00000001 00000004 64657363 0000000d 69646e6f64652038382e313138
  00000001 00000001 000000000000000000000000 7f000001 00000061 ${RSA_KEY.toString('hex')}
  00000003 03 01 00000a51 02 00 00000a51 03 02 00001f40`);

test('value-binary: HS_SITE data as Encoder.encodeSiteInfoRecord writes it; GsonUtility JSON back', (t) => {
  t.deepEqual(encodeSite(SITE_JSON), SITE);
  t.deepEqual(decodeSite(SITE), SITE_JSON);
  t.is(decodeSite(Buffer.concat([SITE, Buffer.alloc(1)])), null, 'nothing may be left over');
});

test('value-binary: an IPv6 multi-primary site with hash option, filter and a binary key', (t) => {
  const json = {
    version: 1,
    protocolVersion: '2.10',
    serialNumber: 3,
    primarySite: false,
    multiPrimary: true,
    hashOption: 1,
    hashFilter: 'x',
    attributes: [],
    servers: [{ serverId: 2, address: '2001:db8::7', publicKey: { format: 'base64', value: 'AAEC' }, interfaces: [{ query: false, admin: true, protocol: 'HTTPS', port: 443 }] }],
  };
  const bytes = hex('0001 02 0a 0003 40 01 00000001 78 00000000 00000001 00000002 20010db8000000000000000000000007 00000003 000102 00000001 01 03 000001bb');
  t.deepEqual(encodeSite(json), bytes);
  t.deepEqual(decodeSite(bytes), json);
});

test('value-binary: addresses are shown as ServerInfo.getAddressString shows them (quirks included)', (t) => {
  const cases: [string, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['2001:db8:0:0:1:0:0:0', '2001:db8::1:0:0:0'],
    // The first twelve octets zero read as IPv4, and a trailing zero run is not shortened (Util.rfcIpRepr).
    ['::1', '0.0.0.1'],
    ['fe80::', 'fe80:0:0:0:0:0:0:0'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ];
  for (const [input, shown] of cases) t.is(addressText(addressOctets(input)), shown, input);
  t.deepEqual(addressOctets('node.example.cn'), Buffer.alloc(16), 'a host name is not resolved');
});

test('value-binary: data GsonUtility cannot decode as its type is shown as plain bytes', (t) => {
  t.deepEqual(dataFromBytes('HS_ADMIN', hex('010203')), { format: 'base64', value: 'AQID' });
  t.deepEqual(dataFromBytes('BLOB', hex('000102ff')), { format: 'base64', value: 'AAEC/w==' });
  t.deepEqual(dataFromBytes('HS_SITE', Buffer.from('not a site')), { format: 'string', value: 'not a site' });
});

test('value-binary: truncated values and impossible lengths fail with MALFORMED_MESSAGE, never more', (t) => {
  for (let cut = 0; cut < ABSOLUTE_VALUE.length; cut += 1) {
    const error = t.throws(() => readValue(new ByteReader(ABSOLUTE_VALUE.subarray(0, cut))), { instanceOf: IdnodeError });
    t.is(error?.code, 'MALFORMED_MESSAGE', `cut at ${cut}`);
  }
  const hugeCount = Buffer.from(ABSOLUTE_VALUE);
  hugeCount.writeInt32BE(0x7fffffff, ABSOLUTE_VALUE.length - 22);
  t.is(t.throws(() => readValue(new ByteReader(hugeCount)), { instanceOf: IdnodeError })?.code, 'MALFORMED_MESSAGE');
});

test('value-binary: random bytes decode as a value or fail with a catalog error, never otherwise', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const buffer = Buffer.from(bytes);
      try {
        readValue(new ByteReader(buffer));
      } catch (error) {
        return error instanceof IdnodeError && (error.code === 'MALFORMED_MESSAGE' || error.code === 'INVALID_VALUE');
      }
      return true;
    }),
    { numRuns: 2000, seed: 18 },
  );
  t.pass();
});

test('binary-fields: a writer grows and writes Java int2/int4 low bits', (t) => {
  const writer = new ByteWriter(1);
  writer.int16(-1).int32(-1).text('é');
  t.deepEqual(writer.done(), hex('ffff ffffffff 00000002 c3a9'));
});
