// Handle-protocol sessions: Diffie-Hellman setup as a Handle client does it by default, requests encrypted with the
// session key, challenges within the session, unknown and ended sessions.

import { createCipheriv, getDiffieHellman, randomBytes } from 'node:crypto';
import test from 'ava';
import { startWireNode } from '../support/wire-node.js';
import { body, bytes, DEFAULT_FLAGS, envelope, F, Fields, int32, OC, readAnswer, requestMessage, resolution, send, sendAuthenticated, signedResponse, type Exchange, type Message } from '../support/wire-client.js';
import { connect } from 'node:net';

const SESSION_SETUP = 400;
const SESSION_TERMINATE = 401;

/** A DH_PUB_KEY (Util.getBytesFromPublicKey): y, p, g as Java's BigInteger.toByteArray() writes them. */
function dhKey(y: Buffer, p: Buffer, g: Buffer): Buffer {
  const java = (n: Buffer): Buffer => ((n[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), n]) : n);
  return Buffer.concat([bytes('DH_PUB_KEY'), Buffer.alloc(2), bytes(java(y)), bytes(java(p)), bytes(java(g))]);
}

/** Sets up a session as SessionSetupInfo's defaults do (DH over a 1,024-bit group); returns its id and AES key. */
async function setUp(target: Exchange): Promise<{ id: number; key: Buffer }> {
  const dh = getDiffieHellman('modp2');
  dh.generateKeys();
  const setup = Buffer.concat([Buffer.from([0, 4]), int32(86_400), bytes(''), int32(-1), bytes(dhKey(dh.getPublicKey(), dh.getPrime(), dh.getGenerator()))]);
  const [answer] = await send(target, 'tcp', { opCode: SESSION_SETUP, flags: DEFAULT_FLAGS | F.CERT, body: setup });
  if (answer?.responseCode !== 1) throw new Error(`session setup answered ${answer?.responseCode}`);
  const f = new Fields(answer.body.subarray(2));
  const data = new Fields(f.bytes());
  if (data.int() !== 3) throw new Error('AES expected');
  data.bytes(); // DH_PUB_KEY
  data.at += 2;
  const serverY = data.bytes();
  const secret = dh.computeSecret(serverY);
  let start = 0;
  while (start + 32 < secret.length && secret[start] === 0) start += 1;
  return { id: answer.sessionId, key: secret.subarray(start, start + 16) };
}

/** Sends `m` in the session, its message encrypted (SessionInfo.encryptBuffer: IV, then AES-128-CBC) when `encrypt`. */
function sendInSession(target: Exchange, session: { id: number; key: Buffer }, m: Message, encrypt: boolean): Promise<ReturnType<typeof readAnswer>> {
  let message = requestMessage(m);
  if (encrypt) {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-128-cbc', session.key, iv);
    message = Buffer.concat([iv, cipher.update(message), cipher.final()]);
  }
  const e = envelope([2, 11], session.id, 31, 0, message.length);
  if (encrypt) e[2] = (e[2] ?? 0) | 0x40;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    let got = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 20 && got.length >= 20 + got.readInt32BE(16)) {
        socket.destroy();
        resolve(readAnswer(got.subarray(0, 20), got.subarray(20, 20 + got.readInt32BE(16))));
      }
    });
    socket.on('error', reject);
    socket.write(Buffer.concat([e, message]));
  });
}

test('sessions: DH setup, an encrypted write of a non-public value challenged within the session, and the end of it', async (t) => {
  const { node, target, admin } = await startWireNode(t);
  const session = await setUp(target);
  t.true(session.id > 0);
  const create = { opCode: OC.CREATE, sessionId: session.id, body: body.values('88.118/IN-SESSION', [{ index: 1, type: 'NOTE', data: 'private', permissions: 0x0c }]) };
  const challenge = await sendInSession(target, session, create, true);
  t.is(challenge.responseCode, 402);
  t.is(challenge.sessionId, session.id, 'the challenge uses the session id, as HandleServer.createChallenge does');
  const nonce = new Fields(challenge.body).bytes();
  const answer = { opCode: OC.ANSWER, sessionId: session.id, body: body.answer('HS_SECKEY', admin.handle, 300, signedResponse(admin, nonce, challenge.digest!.bytes)) };
  const [done] = await send(target, 'tcp', answer);
  t.is(done?.responseCode, 1);
  t.is(done?.sessionId, session.id);
  const read = await sendAuthenticated(target, 'tcp', { opCode: OC.RESOLUTION, sessionId: session.id, flags: DEFAULT_FLAGS & ~F.PUBL, body: body.resolution('88.118/IN-SESSION') }, admin);
  t.is(resolution(read.answers[0]!).values[0]?.data.toString(), 'private');
  t.is((await node.get('/api/handles/88.118/IN-SESSION')).status, 200);
  // Ending the session: its id is then unknown, RC_SESSION_TIMEOUT, as for one never set up.
  t.is((await send(target, 'tcp', { opCode: SESSION_TERMINATE, sessionId: session.id, body: body.handle('/') }))[0]?.responseCode, 1);
  t.is((await send(target, 'udp', { opCode: OC.RESOLUTION, sessionId: session.id, body: body.resolution('88.118/IN-SESSION') }))[0]?.responseCode, 500);
  t.is((await sendInSession(target, { ...session, id: 999 }, create, true)).responseCode, 500, 'encrypted for a session never set up');
});

test('sessions: other key exchanges and broken keys are refused with RC_SESSION_FAILED; a bad ciphertext too', async (t) => {
  const { target } = await startWireNode(t);
  const cipherServer = Buffer.concat([Buffer.from([0, 2]), int32(0), bytes(''), int32(-1)]);
  t.is((await send(target, 'tcp', { opCode: SESSION_SETUP, body: cipherServer }))[0]?.responseCode, 501);
  const dh = getDiffieHellman('modp2');
  dh.generateKeys();
  const small = Buffer.concat([Buffer.from([0, 4]), int32(0), bytes(''), int32(-1), bytes(dhKey(Buffer.from([5]), Buffer.from([23]), Buffer.from([5])))]);
  t.is((await send(target, 'udp', { opCode: SESSION_SETUP, body: small }))[0]?.responseCode, 501, 'a toy group');
  const garbage = Buffer.concat([Buffer.from([0, 4]), int32(0), bytes(''), int32(-1), bytes(Buffer.from('not a key'))]);
  t.is((await send(target, 'udp', { opCode: SESSION_SETUP, body: garbage }))[0]?.responseCode, 501);
  const session = await setUp(target);
  const wrong = { ...session, key: randomBytes(16) };
  t.is((await sendInSession(target, wrong, { opCode: OC.RESOLUTION, sessionId: session.id, body: body.resolution('88.118/X') }, true)).responseCode, 501, 'not decryptable with the session key');
});
