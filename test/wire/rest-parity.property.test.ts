// One registry, two wire formats: any record written through REST reads the same through REST and the Handle protocol.

import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { dataFromBytes } from '../../src/identifier/value-binary.js';
import { dsaJwk } from '../support/handle-client.js';
import { startWireNode } from '../support/wire-node.js';
import { body, OC, resolution, send, type RawValue } from '../support/wire-client.js';

const RSA_JWK = createPublicKey(createPrivateKey(readFileSync(new URL('../../../test/fixtures/localhost-key.pem', import.meta.url)))).export({ format: 'jwk' });
const KEYS = [{ kty: 'RSA', n: String(RSA_JWK.n), e: String(RSA_JWK.e) }, dsaJwk(generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey)];
const RUNS = 150;

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');

/** A value read over the wire in the REST API's output form (reference §2), its data shown as Handle.net shows it. */
function asJson(v: RawValue): Record<string, unknown> {
  const permissions = ['8', '4', '2', '1'].map((bit) => ((v.permissions & Number(bit)) !== 0 ? '1' : '0')).join('');
  const json: Record<string, unknown> = { index: v.index, type: v.type, data: dataFromBytes(v.type, v.data) };
  if (permissions !== '1110') json.permissions = permissions;
  json.ttl = v.ttlType === 0 ? v.ttl : iso(v.ttl);
  if (v.timestamp !== 0) json.timestamp = iso(v.timestamp);
  if (v.references.length > 0) json.references = v.references;
  return json;
}

const handle = fc.constantFrom('0.NA/88.118', '88.118/ADMIN', '88.118.8/组', '0.NA/88.118.8');
const reference = fc.record({ handle, index: fc.integer({ min: 0, max: 1000 }) });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const site = fc.record({
  version: fc.constant(1),
  protocolVersion: fc.constantFrom('2.10', '2.11'),
  serialNumber: fc.integer({ min: 0, max: 32_767 }),
  primarySite: fc.boolean(),
  multiPrimary: fc.boolean(),
  attributes: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), value: fc.string({ maxLength: 16 }) }), { maxLength: 2 }),
  servers: fc.array(
    fc.record({
      serverId: fc.integer({ min: 1, max: 10 }),
      address: ipv4,
      publicKey: fc.constantFrom(...KEYS).map((value) => ({ format: 'key', value })),
      interfaces: fc.array(fc.record({ query: fc.boolean(), admin: fc.boolean(), protocol: fc.constantFrom('TCP', 'UDP', 'HTTP', 'HTTPS'), port: fc.integer({ min: 1, max: 65_535 }) }), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const typed = fc.oneof(
  fc.record({ type: fc.constantFrom('URL', 'EMAIL', 'DESC', 'PRODUCT.MODEL', '产品.型号'), data: text }),
  fc.record({ type: fc.constantFrom('BLOB', 'HS_ADMIN', 'HS_SITE'), data: fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ format: 'base64', value: Buffer.from(bytes).toString('base64') })) }),
  fc.record({ type: fc.constant('HS_ADMIN'), data: fc.record({ handle, index: fc.integer({ min: 0, max: 1000 }), permissions: fc.integer({ min: 0, max: 4095 }).map((bits) => bits.toString(2).padStart(12, '0')) }).map((value) => ({ format: 'admin', value })) }),
  fc.record({ type: fc.constant('HS_VLIST'), data: fc.array(reference, { maxLength: 4 }).map((value) => ({ format: 'vlist', value })) }),
  fc.record({ type: fc.constant('HS_PUBKEY'), data: fc.constantFrom(...KEYS).map((value) => ({ format: 'key', value })) }),
  fc.record({ type: fc.constantFrom('HS_SITE', 'HS_SITE.PREFIX', 'HS_NA_DELEGATE'), data: site.map((value) => ({ format: 'site', value })) }),
);
const ttl = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }).map(iso));
const record = fc.uniqueArray(
  fc.record({
    index: fc.integer({ min: 1, max: 400 }),
    typed,
    ttl,
    // Publicly readable, so an anonymous reading sees every value.
    permissions: fc.constantFrom('1110', '1111', '0110', '0010', '1010'),
    references: fc.array(reference, { maxLength: 2 }),
  }),
  { selector: (value) => value.index, minLength: 1, maxLength: 6 },
);

test('rest parity: a record written through REST resolves to the same values over REST, TCP and UDP (property)', async (t) => {
  t.timeout(120_000);
  const { node, target } = await startWireNode(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(record, async (values) => {
      run += 1;
      const name = `88.118/P${run}`;
      const put = await node.put(`/api/handles/${name}`, values.map((v) => ({ index: v.index, type: v.typed.type, data: v.typed.data, ttl: v.ttl, permissions: v.permissions, references: v.references })));
      if (put.status !== 201) throw new Error(`PUT ${name}: ${put.text}`);
      const rest = (await node.get(`/api/handles/${name}`)).json.values;
      for (const transport of ['tcp', 'udp'] as const) {
        const [answer] = await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution(name) });
        if (answer?.responseCode !== 1) throw new Error(`${transport} answered ${answer?.responseCode}`);
        const wire = resolution(answer).values.map(asJson);
        // Thrown, not only recorded, so fast-check shrinks to the smallest record that differs.
        if (!isDeepStrictEqual(JSON.parse(JSON.stringify(wire)), rest)) throw new Error(`${transport}: ${name}\n  rest: ${JSON.stringify(rest)}\n  wire: ${JSON.stringify(wire)}`);
      }
    }),
    { numRuns: RUNS, seed: 18 },
  );
  t.is(run, RUNS);
});
