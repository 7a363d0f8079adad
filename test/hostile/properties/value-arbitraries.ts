// Generators of handle values and PUT bodies for the hostile-input properties: mostly well-shaped (so validators are
// reached), with wrong types, huge and non-JS numbers, odd formats, prototype keys and random JSON mixed in.

import fc from 'fast-check';

/** Stands for a number token JSON.stringify cannot produce (`1e400`, `1.0`, `-0`); see bodyText. */
const RAW_NUMBER_MARK = '~raw-number~';
const RAW_NUMBER_TOKENS = ['1e400', '-1e400', '1.0', '1e0', '100000000000000000000000', '0.1e1', '-0', '2147483648', '2147483647', '1E2', '5e-324'];

/** The JSON text of a generated body, with raw number tokens put back in place. */
export function bodyText(body: unknown): string {
  const text = JSON.stringify(body) ?? 'null';
  return text.replace(new RegExp(`"${RAW_NUMBER_MARK}([^"]*)"`, 'g'), '$1');
}

const numberish = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.constantFrom(...RAW_NUMBER_TOKENS).map((token) => `${RAW_NUMBER_MARK}${token}`),
);
const jsonish = fc.jsonValue({ maxDepth: 3 });
const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  numberish,
);
const index = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 2, arbitrary: numberish }, { weight: 1, arbitrary: wrongType });
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', 'a\udc00b', '\ufeffbom', 'tab\there', 'nul\u0000', '\u0014', 'pbkdf2-hmac-sha1:1000:AAAA:BBBB') },
);
const base64 = fc.oneof(fc.base64String({ maxLength: 24 }), fc.string({ maxLength: 8 }), fc.constantFrom('', '=', 'AA==', 'AAA', 'A'));
const hex = fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{0,16}$/), fc.string({ maxLength: 6 }), fc.constantFrom('0', 'zz', '00ff'));
const handleish = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0.NA/88.118', '0.NA/88.118.8', '88.118/X', '0.na/88.118', '88.118', '', '/x', '0.NA/', '0.NA/8..8') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 1, arbitrary: wrongType },
);
const adminPermissions = fc.oneof(
  fc.constantFrom('011111111111', '111111111111', '*', '0', '1', '1111111111111', 'x', '', '0x7ff'),
  fc.boolean(),
  numberish,
  fc.array(fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 1 }), fc.constant(null), fc.string({ maxLength: 1 })), { maxLength: 14 }),
  wrongType,
);
const adminIndex = fc.oneof(fc.integer({ min: 0, max: 400 }), numberish, wrongType);
const reference = fc.record({ handle: handleish, index: adminIndex }, { requiredKeys: [] });
const admin = fc.record({ handle: handleish, index: adminIndex, permissions: adminPermissions }, { requiredKeys: [] });
const vlist = fc.oneof({ weight: 4, arbitrary: fc.array(reference, { maxLength: 4 }) }, { weight: 1, arbitrary: wrongType });
const server = fc.record(
  {
    serverId: jsonish,
    address: fc.oneof(fc.constantFrom('127.0.0.1', '::1', ''), wrongType),
    interfaces: fc.oneof(fc.array(jsonish, { maxLength: 2 }), wrongType),
    publicKey: jsonish,
  },
  { requiredKeys: [] },
);
/** Own `__proto__`/`constructor` keys, as JSON.parse creates them: they must be stored and read back as plain data. */
const prototypeKeys = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), jsonish, { maxKeys: 2 }).map((keys) => {
  const object: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(keys)) Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  return object;
});
const site = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.record({ version: jsonish, servers: fc.oneof(fc.array(server, { maxLength: 2 }), wrongType), attributes: jsonish }, { requiredKeys: [] }), prototypeKeys)
      .map(([fields, keys]) => ({ ...keys, ...fields })),
  },
  { weight: 1, arbitrary: wrongType },
);
const base64url = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), fc.constantFrom('', 'AQAB', 'a=', '+/'), wrongType);
const key = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kty: fc.constantFrom('RSA', 'DSA', 'EC', 'rsa'), n: base64url, e: base64url, y: base64url, p: base64url, q: base64url, g: base64url }, { requiredKeys: ['kty'] }) },
  { weight: 1, arbitrary: wrongType },
);

/** ISO-8601-looking times around the edges: year 0000/9999, hour 24, offsets up to ±24:60, fractions. */
const isoTime = fc
  .record({
    year: fc.oneof(fc.constantFrom(0, 1969, 1970, 2030, 9999), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.option(fc.integer({ min: 0, max: 61 })),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,4}$/)),
    zone: fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.boolean())),
  })
  .map(({ year, month, day, hour, minute, second, fraction, zone }) => {
    const two = (n: number) => String(n).padStart(2, '0');
    const seconds = second === null ? '' : `:${two(second)}${fraction === null ? '' : `.${fraction}`}`;
    const offset = typeof zone === 'string' ? zone : `${zone[0]}${two(zone[1])}${zone[3] ? ':' : ''}${two(zone[2])}`;
    return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}${seconds}${offset}`;
  });
/** A wall-clock time from the whole 4-digit-year range (fast-check biases dates towards both ends) in any zone. */
const isoWallClock = fc
  .tuple(
    fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+00:00', '-00:00', '+23:59', '-23:59', '+08:00', '-0130', '+1400'),
  )
  .map(([date, zone]) => date.toISOString().replace(/Z$/, zone))
  .filter((text) => /^\d{4}-/.test(text));
const ttl = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.nat() },
  { weight: 2, arbitrary: isoTime },
  { weight: 2, arbitrary: isoWallClock },
  { weight: 1, arbitrary: numberish },
  { weight: 1, arbitrary: wrongType },
);
const permissions = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('1110', '1111', '*', '0000', '1100', '0010', '1000', '110', '11100', 'abcd', '') },
  { weight: 1, arbitrary: wrongType },
);
const references = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.array(reference, { maxLength: 3 }) }, { weight: 1, arbitrary: wrongType });
const formatName = (name: string) => fc.constantFrom(name, name.toUpperCase(), name[0]?.toUpperCase() + name.slice(1));

/** A type with data meant for it (so the structured validators are reached), or a random mismatch. */
const typeAndData = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('URL', 'EMAIL', 'URL.METADATA', '10320/loc', 'hs_vlistx', 'desc'), fc.oneof(text, fc.record({ format: formatName('string'), value: text }), fc.record({ format: formatName('base64'), value: base64 }), fc.record({ format: formatName('hex'), value: hex }))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_SECKEY', 'hs_seckey', 'HS_SECKEY.2'), fc.oneof(text, fc.record({ format: formatName('base64'), value: base64 }), fc.record({ format: formatName('hex'), value: hex }))) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('HS_ADMIN', 'hs_admin', 'HS_ADMIN.x'), fc.record({ format: formatName('admin'), value: fc.oneof(admin, wrongType) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_VLIST', 'HS_VLIST.1'), fc.record({ format: formatName('vlist'), value: vlist })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_SITE', 'HS_SITE.PREFIX', 'HS_NA_DELEGATE', 'HS_SITE.6'), fc.record({ format: formatName('site'), value: site })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_PUBKEY', 'hs_pubkey'), fc.record({ format: formatName('key'), value: key })) },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.oneof(fc.constantFrom('URL', 'HS_ADMIN', 'HS_SECKEY', 'HS_SITE', ''), fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ minLength: 250, maxLength: 260 }), wrongType),
      fc.oneof(text, wrongType, fc.record({ format: fc.oneof(fc.constantFrom('string', 'base64', 'hex', 'admin', 'vlist', 'site', 'key', 'other', ''), wrongType), value: fc.oneof(jsonish, admin, site, key) }, { requiredKeys: [] })),
    ),
  },
) as fc.Arbitrary<[unknown, unknown]>;

// Valid by construction, but from the edges of what is valid: large indexes, any Unicode, every permission form.
const validHandle = fc.oneof(
  fc.constantFrom('0.NA/88.118', '0.NA/88.118.8', '88.118/X', '0.na/88.118', '88.118', '88.118/é/中', '0.NA/0.NA'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((suffix) => `88.118/${suffix}`),
);
const validReference = fc.record({ handle: validHandle, index: fc.oneof(fc.nat(400), fc.constant(2_147_483_647)) });
const unicodeText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const validPlain = fc.oneof(
  unicodeText,
  fc.record({ format: formatName('string'), value: unicodeText }),
  fc.record({ format: formatName('base64'), value: fc.base64String({ maxLength: 24 }) }),
  fc.record({ format: formatName('hex'), value: fc.stringMatching(/^(?:[0-9a-fA-F]{2}){0,12}$/) }),
);
const validAdminPermissions = fc.oneof(
  fc.constantFrom('011111111111', '111111111111', '*', '1', '101', '000000000000'),
  fc.boolean(),
  fc.nat(4095),
  fc.array(fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 1 })), { maxLength: 12 }),
);
const validSite = fc
  .tuple(
    fc.record({ version: jsonish, attributes: jsonish, servers: fc.array(fc.record({ address: fc.constantFrom('127.0.0.1', '::1'), interfaces: fc.array(jsonish, { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 }) }, { requiredKeys: ['servers'] }),
    prototypeKeys,
  )
  .map(([fields, keys]) => ({ ...keys, ...fields }));
const urlSafe = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
const validTypeAndData = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('URL', 'EMAIL', 'URL.METADATA', '10320/loc', 'desc', '类型', 'HS_ADMINX'), validPlain) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_SECKEY', 'hs_seckey'), fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('HS_ADMIN', 'hs_admin', 'HS_ADMIN.x'), fc.record({ format: formatName('admin'), value: fc.record({ handle: validHandle, index: fc.nat(400), permissions: validAdminPermissions }) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_VLIST'), fc.record({ format: formatName('vlist'), value: fc.array(validReference, { maxLength: 3 }) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('HS_SITE', 'HS_SITE.PREFIX', 'HS_NA_DELEGATE'), fc.record({ format: formatName('site'), value: validSite })) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('HS_PUBKEY'),
      fc.record({ format: formatName('key'), value: fc.oneof(fc.record({ kty: fc.constant('RSA'), n: urlSafe, e: urlSafe }), fc.record({ kty: fc.constant('DSA'), y: urlSafe, p: urlSafe, q: urlSafe, g: urlSafe })) }),
    ),
  },
) as fc.Arbitrary<[string, unknown]>;
const validValue = fc
  .record({
    index: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2_147_483_647 }) }),
    typeAndData: validTypeAndData,
    ttl: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2_147_483_647 }), isoWallClock),
    permissions: fc.constantFrom(undefined, '1110', '1111', '*', '0000', '1010', '1100'),
    references: fc.option(fc.array(validReference, { maxLength: 2 }), { nil: undefined }),
  })
  .map(({ typeAndData: [type, data], permissions: p, ...rest }) => {
    // A secret key may not be publicly readable: keep its permissions valid too.
    const secret = type.toUpperCase().startsWith('HS_SECKEY');
    return { ...rest, type, data, permissions: secret && p !== undefined ? '1100' : p };
  });

/** One value as a client might send it: usually well-shaped, sometimes any field missing, extra or of a wrong type. */
export const valueArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 24, arbitrary: validValue },
  {
    weight: 12,
    arbitrary: fc
      .record({
        index,
        typeAndData,
        ttl,
        permissions,
        references,
        timestamp: fc.option(fc.oneof(isoTime, wrongType), { nil: undefined }),
        extra: fc.dictionary(fc.string({ maxLength: 6 }), jsonish, { maxKeys: 2 }),
        drop: fc.constantFrom('', '', '', '', '', '', '', 'index', 'type', 'data'),
      })
      .map(({ index: i, typeAndData: [type, data], ttl: t, permissions: p, references: r, timestamp, extra, drop }) => {
        const value: Record<string, unknown> = { ...extra, index: i, type, data, ttl: t, permissions: p, references: r, timestamp };
        if (drop !== '') delete value[drop];
        return value;
      }),
  },
  { weight: 1, arbitrary: jsonish },
);

/** A PUT body in any of the accepted shapes (array, `{values}`, bare value) or any JSON at all. */
export function putBodyArbitrary(handleVariants: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const values = fc.array(valueArbitrary, { maxLength: 4 });
  return fc.oneof(
    { weight: 6, arbitrary: values },
    { weight: 2, arbitrary: fc.record({ values, handle: handleVariants }, { requiredKeys: ['values'] }) },
    { weight: 2, arbitrary: valueArbitrary },
    { weight: 1, arbitrary: jsonish },
    { weight: 1, arbitrary: fc.array(jsonish, { maxLength: 3 }) },
  );
}
