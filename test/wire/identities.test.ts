// Identities over the wire: HS_PUBKEY (RSA, DSA) and HS_SECKEY answers, authorization, and reading non-public values.

import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { dsaJwk } from '../support/handle-client.js';
import { startWireNode, storedSecret } from '../support/wire-node.js';
import { body, DEFAULT_FLAGS, F, OC, resolution, sendAuthenticated, type Credentials, type Transport } from '../support/wire-client.js';

const RSA = createPrivateKey(readFileSync(new URL('../../../test/fixtures/localhost-key.pem', import.meta.url)));
const RSA_JWK = createPublicKey(RSA).export({ format: 'jwk' });
// 1024/160 keeps parameter generation short; the protocol does not care about the size.
const DSA = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
const TRANSPORTS: Transport[] = ['tcp', 'udp'];

for (const transport of TRANSPORTS) {
  test(`HS_PUBKEY (${transport}): RSA and DSA identities of an enterprise prefix write under it`, async (t) => {
    const { node, target } = await startWireNode(t);
    const keys = [
      { index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'RSA', n: RSA_JWK.n, e: RSA_JWK.e } } },
      { index: 301, type: 'HS_PUBKEY', data: { format: 'key', value: dsaJwk(DSA.publicKey) } },
    ];
    t.is((await node.put('/api/handles/0.NA/88.118.8', keys)).status, 201);
    const ids: [string, Credentials][] = [
      ['rsa SHA-256', { kind: 'key', handle: '0.NA/88.118.8', index: 300, privateKey: RSA }],
      ['rsa SHA1', { kind: 'key', handle: '0.NA/88.118.8', index: 300, privateKey: RSA, hash: 'SHA1' }],
      ['dsa, any index', { kind: 'key', handle: '0.NA/88.118.8', index: 0, privateKey: DSA.privateKey }],
    ];
    for (const [name, credentials] of ids) {
      const handle = `88.118.8/${name.replace(/\W/g, '')}`;
      const { answers } = await sendAuthenticated(target, transport, { opCode: OC.CREATE, body: body.values(handle, [{ index: 1, type: 'URL', data: 'https://e.example.cn' }]) }, credentials);
      t.is(answers[0]?.responseCode, 1, name);
      t.is((await node.get(`/api/handles/${handle}`)).status, 200, name);
    }
    // A key of another record proves nothing here; a signature by another key fails.
    const other = await sendAuthenticated(target, transport, { opCode: OC.CREATE, body: body.values('88.118.8/X', [{ index: 1, type: 'URL', data: 'x' }]) }, { kind: 'key', handle: '0.NA/88.118.8', index: 301, privateKey: RSA });
    t.is(other.answers[0]?.responseCode, 403);
  });

  test(`HS_SECKEY (${transport}): an identity without rights is refused; the SHA1 digest form works too`, async (t) => {
    const { node, target } = await startWireNode(t);
    const secret = 'enterprise-secret-0008';
    t.is((await node.put('/api/handles/0.NA/88.118.8', [{ index: 300, type: 'HS_SECKEY', data: secret }])).status, 201);
    const enterprise: Credentials = { kind: 'secret', handle: '0.NA/88.118.8', index: 300, secret, ...storedSecret(node, '0.NA/88.118.8', 300), form: 'sha1' };
    const own = await sendAuthenticated(target, transport, { opCode: OC.CREATE, body: body.values('88.118.8/OWN', [{ index: 1, type: 'URL', data: 'x' }]) }, enterprise);
    t.is(own.answers[0]?.responseCode, 1);
    const foreign = await sendAuthenticated(target, transport, { opCode: OC.CREATE, body: body.values('88.118/FOREIGN', [{ index: 1, type: 'URL', data: 'x' }]) }, enterprise);
    t.is(foreign.answers[0]?.responseCode, 401, 'RC_INSUFFICIENT_PERMISSIONS');
    t.is((await node.get('/api/handles/88.118/FOREIGN')).status, 404, 'nothing written');
  });

  test(`non-public values (${transport}): publicOnly off asks for credentials, and READ_VALUE decides`, async (t) => {
    const { node, target, admin } = await startWireNode(t);
    await node.put('/api/handles/88.118/PRIVATE', [
      { index: 1, type: 'URL', data: 'https://public.example.cn' },
      { index: 2, type: 'NOTE', data: 'admins only', permissions: '1100' },
    ]);
    const all = { opCode: OC.RESOLUTION, flags: DEFAULT_FLAGS & ~F.PUBL, body: body.resolution('88.118/PRIVATE') };
    const read = await sendAuthenticated(target, transport, all, admin);
    t.is(read.challenge?.responseCode, 402, 'a non-public value among those asked for: a challenge');
    t.is(read.answers[0]?.responseCode, 1);
    t.deepEqual(resolution(read.answers[0]!).values.map((v) => [v.index, v.permissions]), [
      [1, 0x0e],
      [2, 0x0c],
    ]);
    // Only public values asked for (index filter): no challenge, as HandleServer.checkReadAccess.
    const publicOnly = await sendAuthenticated(target, transport, { ...all, body: body.resolution('88.118/PRIVATE', [1]) }, admin);
    t.is(publicOnly.challenge, null);
    t.is(publicOnly.answers[0]?.responseCode, 1);
    t.is((await node.put('/api/handles/0.NA/88.118.8', [{ index: 300, type: 'HS_SECKEY', data: 'enterprise-secret-0008' }])).status, 201);
    const stranger: Credentials = { kind: 'secret', handle: '0.NA/88.118.8', index: 300, secret: 'enterprise-secret-0008', ...storedSecret(node, '0.NA/88.118.8', 300) };
    t.is((await sendAuthenticated(target, transport, all, stranger)).answers[0]?.responseCode, 401, 'no READ_VALUE: RC_INSUFFICIENT_PERMISSIONS');
  });
}
