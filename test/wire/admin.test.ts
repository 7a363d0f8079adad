// Writes and listings over TCP and UDP: create, add, modify, remove, delete, list — each challenged and answered as an identity.

import test from 'ava';
import { startWireNode } from '../support/wire-node.js';
import { body, DEFAULT_FLAGS, errorMessage, F, Fields, listed, OC, send, sendAuthenticated, type Transport } from '../support/wire-client.js';

const TRANSPORTS: Transport[] = ['tcp', 'udp'];

for (const transport of TRANSPORTS) {
  test(`create (${transport}): challenged, answered with the administrator's secret key, then stored and resolvable over REST`, async (t) => {
    const { node, target, admin } = await startWireNode(t);
    const create = { opCode: OC.CREATE, body: body.values('88.118/Wire-1', [{ index: 1, type: 'URL', data: 'https://w.example.cn/1' }]) };
    const { challenge, answers } = await sendAuthenticated(target, transport, create, admin);
    t.is(challenge?.responseCode, 402, 'RC_AUTHENTICATION_NEEDED');
    t.true(challenge!.sessionId > 0, 'the challenge names a session the answer must use');
    t.is(challenge?.digest?.code, 3, 'SHA-256 digest of the request');
    t.is(new Fields(challenge!.body).bytes().length, 16, '16-octet nonce');
    const [done] = answers;
    t.is(done?.responseCode, 1);
    t.is(done?.opCode, OC.CREATE, 'answered as the challenged request');
    t.is(new Fields(done!.body).text(), '88.118/Wire-1', 'CreateHandleResponse names the handle');
    const rest = await node.get('/api/handles/88.118/wire-1');
    t.is(rest.status, 200);
    t.deepEqual(rest.json.values.map((v: { data: { value: string } }) => v.data.value), ['https://w.example.cn/1']);
    // Creating it again: RC_HANDLE_ALREADY_EXISTS, unless overwriteWhenExists.
    t.is((await sendAuthenticated(target, transport, create, admin)).answers[0]?.responseCode, 101);
    const overwrite = { ...create, flags: DEFAULT_FLAGS | F.OVRW, body: body.values('88.118/Wire-1', [{ index: 5, type: 'URL', data: 'https://w.example.cn/5' }]) };
    t.is((await sendAuthenticated(target, transport, overwrite, admin)).answers[0]?.responseCode, 1);
    t.deepEqual((await node.get('/api/handles/88.118/wire-1')).json.values.map((v: { index: number }) => v.index), [5]);
  });

  test(`create (${transport}): mintNewSuffix names the minted handle`, async (t) => {
    const { node, target, admin } = await startWireNode(t);
    const mint = { opCode: OC.CREATE, flags: DEFAULT_FLAGS | F.MINT, body: body.values('88.118/dev-', [{ index: 1, type: 'URL', data: 'https://m.example.cn' }]) };
    const [done] = (await sendAuthenticated(target, transport, mint, admin)).answers;
    t.is(done?.responseCode, 1);
    const minted = new Fields(done!.body).text();
    t.regex(minted, /^88\.118\/dev-[0-9a-f-]{36}$/);
    t.is((await node.get(`/api/handles/${minted}`)).status, 200);
  });

  test(`add, modify, remove, delete (${transport}): the same rules as the REST API`, async (t) => {
    const { node, target, admin } = await startWireNode(t);
    await node.register(t, '88.118/EDIT');
    const write = async (opCode: number, payload: Buffer, flags = DEFAULT_FLAGS) => (await sendAuthenticated(target, transport, { opCode, flags, body: payload }, admin)).answers[0]!;
    const indexes = async () => (await node.get('/api/handles/88.118/EDIT')).json.values?.map((v: { index: number; data: { value: string } }) => `${v.index}:${v.data.value}`);
    t.is((await write(OC.ADD, body.values('88.118/EDIT', [{ index: 2, type: 'EMAIL', data: 'a@example.cn' }]))).responseCode, 1);
    t.is((await write(OC.ADD, body.values('88.118/EDIT', [{ index: 2, type: 'EMAIL', data: 'b@example.cn' }]))).responseCode, 201, 'RC_VALUE_ALREADY_EXISTS');
    t.is((await write(OC.ADD, body.values('88.118/EDIT', [{ index: 2, type: 'EMAIL', data: 'b@example.cn' }]), DEFAULT_FLAGS | F.OVRW)).responseCode, 1);
    t.is((await write(OC.MODIFY, body.values('88.118/EDIT', [{ index: 2, type: 'EMAIL', data: 'c@example.cn' }]))).responseCode, 1);
    t.is((await write(OC.MODIFY, body.values('88.118/EDIT', [{ index: 9, type: 'EMAIL', data: 'd@example.cn' }]))).responseCode, 200, 'RC_VALUES_NOT_FOUND');
    t.deepEqual(await indexes(), ['1:https://example.cn/88.118/EDIT', '2:c@example.cn']);
    t.is((await write(OC.REMOVE, body.remove('88.118/EDIT', [2]))).responseCode, 1);
    t.is((await write(OC.REMOVE, body.remove('88.118/EDIT', [2]))).responseCode, 200, 'RC_VALUES_NOT_FOUND');
    t.deepEqual(await indexes(), ['1:https://example.cn/88.118/EDIT']);
    t.is((await write(OC.ADD, body.values('88.118/NONE', [{ index: 2, type: 'EMAIL', data: 'a@example.cn' }]))).responseCode, 100, 'RC_HANDLE_NOT_FOUND');
    t.is((await write(OC.DELETE, body.handle('88.118/EDIT'))).responseCode, 1);
    t.is((await node.get('/api/handles/88.118/EDIT')).status, 404);
    t.is(await node.metric(`idnode_http_requests_total{route="handles.delete",status_class="2xx",protocol="${transport}"}`), 2);
  });

  test(`invalid writes (${transport}): refused with the catalog's code and a message naming the field`, async (t) => {
    const { target, admin } = await startWireNode(t);
    const create = async (values: Parameters<typeof body.values>[1], handle = '88.118/BAD') => (await sendAuthenticated(target, transport, { opCode: OC.CREATE, body: body.values(handle, values) }, admin)).answers[0]!;
    const zero = await create([{ index: 0, type: 'URL', data: 'x' }]);
    t.is(zero.responseCode, 202, 'RC_INVALID_VALUE');
    t.regex(errorMessage(zero), /values\[0\]\.index/);
    const twice = await create([{ index: 1, type: 'URL', data: 'x' }, { index: 1, type: 'URL', data: 'y' }]);
    t.is(twice.responseCode, 201, 'the same index twice: RC_VALUE_ALREADY_EXISTS, as HandleServer answers');
    // A Handle client's default permissions (public read) on a secret key are refused, as on REST.
    const secret = await create([{ index: 300, type: 'HS_SECKEY', data: 'a-secret-of-16-chars' }]);
    t.is(secret.responseCode, 202);
    t.regex(errorMessage(secret), /permissions/);
    t.is((await create([{ index: 1, type: 'URL', data: 'x' }], '99.999/X')).responseCode, 301, 'RC_SERVER_NOT_RESP: prefix not homed');
  });

  test(`list handles (${transport}): the handles under a prefix, as its administrator`, async (t) => {
    const { node, target, admin } = await startWireNode(t);
    for (const suffix of ['A', 'B', 'C']) await node.register(t, `88.118/${suffix}`);
    const { challenge, answers } = await sendAuthenticated(target, transport, { opCode: OC.LIST, body: body.handle('0.NA/88.118') }, admin);
    t.is(challenge?.responseCode, 402);
    t.is(answers.at(-1)?.responseCode, 1);
    t.is((answers.at(-1)!.flags & F.CONT) >>> 0, 0, 'the last answer is not continuous');
    t.deepEqual(answers.flatMap(listed).sort(), ['88.118/A', '88.118/B', '88.118/C']);
  });
}

test('list handles (tcp): a long listing comes in continuous messages', async (t) => {
  const { node, target, admin } = await startWireNode(t);
  const values = [{ index: 1, type: 'URL', data: 'https://example.cn' }];
  node.node.store.writeNow(() => {
    for (let i = 0; i < 1200; i += 1) node.node.store.insertRecord(`88.118/L${i}`, `88.118/L${i}`, '88.118', values.map((v) => ({ ...v, data: { format: 'string', value: v.data }, ttlType: 0, ttl: 86_400, timestamp: 0, permissions: '1110', references: [] })), 0);
  });
  const { answers } = await sendAuthenticated(target, 'tcp', { opCode: OC.LIST, body: body.handle('88.118') }, admin);
  t.true(answers.length >= 3, `${answers.length} messages`);
  t.true(answers.slice(0, -1).every((a) => (a.flags & F.CONT) !== 0));
  t.is(answers.flatMap(listed).length, 1200);
});

test('answers (udp and tcp): a wrong secret, a replayed answer, and an unknown session are refused', async (t) => {
  const { node, target, admin } = await startWireNode(t);
  const create = { opCode: OC.CREATE, body: body.values('88.118/NO', [{ index: 1, type: 'URL', data: 'x' }]) };
  if (admin.kind !== 'secret') throw new Error('secret credentials expected');
  const wrong = await sendAuthenticated(target, 'udp', create, { ...admin, secret: 'not-the-admin-secret' });
  t.is(wrong.answers[0]?.responseCode, 403, 'RC_AUTHENTICATION_FAILED');
  t.is(wrong.answers[0]?.opCode, OC.CREATE);
  // The answer to a challenge is accepted once: the same answer again finds no open challenge.
  const [challenge] = await send(target, 'tcp', create);
  const nonce = new Fields(challenge!.body).bytes();
  const { signedResponse } = await import('../support/wire-client.js');
  const answer = { opCode: OC.ANSWER, body: body.answer('HS_SECKEY', admin.handle, 300, signedResponse(admin, nonce, challenge!.digest!.bytes)), sessionId: challenge!.sessionId };
  t.is((await send(target, 'tcp', answer))[0]?.responseCode, 1);
  t.is((await send(target, 'tcp', answer))[0]?.responseCode, 403, 'replayed');
  t.is((await send(target, 'udp', { ...answer, sessionId: 12345 }))[0]?.responseCode, 403, 'unknown session');
  t.is((await node.get('/api/handles/88.118/NO')).status, 200, 'written once');
});

for (const transport of TRANSPORTS) {
  test(`audit (${transport}): a write over the Handle protocol has one audit entry naming the identity and the client address`, async (t) => {
    const { node, target, admin } = await startWireNode(t);
    const create = { opCode: OC.CREATE, body: body.values('88.118/AUDITED', [{ index: 1, type: 'URL', data: 'https://a.example.cn' }]) };
    t.is((await sendAuthenticated(target, transport, create, admin)).answers[0]?.responseCode, 1);
    t.is((await sendAuthenticated(target, transport, create, admin)).answers[0]?.responseCode, 101, 'a refused write');
    t.is((await sendAuthenticated(target, transport, { opCode: OC.DELETE, body: body.handle('88.118/AUDITED') }, admin)).answers[0]?.responseCode, 1);
    const { records } = node.node.business.audit.page({ prefixKey: '88.118', actor: null, fromMs: null, toMs: null }, 1, 10);
    const entries = records.filter((entry) => entry.target === '88.118/AUDITED');
    t.deepEqual(entries.map((entry) => entry.action), ['handle.delete', 'handle.create'], 'one entry per successful write, none for the refused one');
    for (const entry of entries) t.like(entry, { actor: '300:0.NA/88.118', client: '127.0.0.1' });
  });
}
