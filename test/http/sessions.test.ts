// Handle sessions and challenge–response over real HTTP, driven by a client written from the reference.

import { generateKeyPairSync, verify, createPublicKey, type KeyObject } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { decodeSecretHash } from '../../src/auth/secret-hash.js';
import {
  answerWithKey,
  answerWithSecret,
  challengeFrom,
  dsaJwk,
  handleAuthorization,
  type Answer,
  type SecretParameters,
} from '../support/handle-client.js';
import { startNode, type NodeUnderTest } from '../support/node-under-test.js';

const RSA_ID = '300:0.NA/88.118.8';
const SECRET_ID = '301:0.NA/88.118.8';
const SECRET = 'enterprise-8-secret-0001';
const URL_VALUES = [{ index: 1, type: 'URL', data: 'https://example.cn/s' }];

interface Enterprise {
  readonly node: NodeUnderTest;
  readonly rsa: KeyObject;
  readonly secret: SecretParameters;
}

/** 88.118.8 with an RSA key at 300 and a secret key at 301; 88.118.9 with its own RSA key at 300. */
async function enterprise(t: ExecutionContext, env: Record<string, string> = {}): Promise<Enterprise & { other: KeyObject }> {
  const node = await startNode(t, env);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (key: KeyObject) => {
    const { n, e } = key.export({ format: 'jwk' });
    return { kty: 'RSA', n, e };
  };
  const created = await node.put('/api/handles/0.NA/88.118.8', [
    { index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: jwk(rsa.publicKey) } },
    { index: 301, type: 'HS_SECKEY', data: SECRET },
  ]);
  t.is(created.status, 201, created.text);
  t.is((await node.put('/api/handles/0.NA/88.118.9', [{ index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: jwk(other.publicKey) } }])).status, 201);
  const stored = decodeSecretHash(String(node.node.store.getRecord('0.NA/88.118.8')?.values.find((v) => v.index === 301)?.data.value));
  if (stored === null) throw new Error('secret not stored hashed');
  return { node, rsa: rsa.privateKey, other: other.privateKey, secret: { secret: SECRET, salt: stored.salt.toString('base64'), iterations: stored.iterations } };
}

/** POST /api/sessions, then answer its nonce with `answer(challenge)` in PUT /api/sessions/this. */
async function login(node: NodeUnderTest, answer: (challenge: { sessionId: string; nonce: string }) => Answer): Promise<{ sessionId: string; status: number; json: any }> {
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  if (opened.status !== 201) throw new Error(`POST /api/sessions: ${opened.status} ${opened.text}`);
  const challenge = { sessionId: opened.json.sessionId as string, nonce: opened.json.nonce as string };
  const reply = await node.request('PUT', '/api/sessions/this', { auth: null, headers: { authorization: handleAuthorization(challenge.sessionId, answer(challenge)) } });
  return { sessionId: challenge.sessionId, status: reply.status, json: reply.json };
}

const withSession = (sessionId: string) => ({ auth: null, headers: { authorization: handleAuthorization(sessionId) } });

test('sessions: an RSA key logs in and the session creates, updates and deletes a handle; after logout it is refused', async (t) => {
  const { node, rsa } = await enterprise(t);
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  t.is(opened.status, 201);
  t.is(opened.headers.location, '/api/sessions/this');
  t.deepEqual(Object.keys(opened.json).sort(), ['authenticated', 'nonce', 'sessionId']);
  t.is(Buffer.from(opened.json.nonce, 'base64').length, 16);
  const session = await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge));
  t.is(session.status, 200);
  t.is(session.json.authenticated, true);
  t.is(session.json.id, RSA_ID);
  t.is((await node.put('/api/handles/88.118.8/S1', URL_VALUES, withSession(session.sessionId))).status, 201);
  t.is((await node.put('/api/handles/88.118.8/S1', [{ index: 1, type: 'URL', data: 'https://example.cn/s2' }], withSession(session.sessionId))).status, 200);
  t.is((await node.delete('/api/handles/88.118.8/S1', withSession(session.sessionId))).status, 200);
  t.is((await node.request('DELETE', '/api/sessions/this', withSession(session.sessionId))).status, 204);
  const after = await node.put('/api/handles/88.118.8/S2', URL_VALUES, withSession(session.sessionId));
  t.is(after.status, 401);
  t.regex(String(after.headers['www-authenticate']), /^Handle sessionId="/);
  t.is((await node.request('DELETE', '/api/sessions/this', withSession(session.sessionId))).status, 403, 'unknown session → 403');
});

test('sessions: SHA1 RSA signatures and DSA keys are accepted too', async (t) => {
  const { node, rsa } = await enterprise(t);
  t.is((await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge, 'SHA1'))).status, 200);
  const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  const added = await node.put('/api/handles/0.NA/88.118.8?index=302', [{ index: 302, type: 'HS_PUBKEY', data: { format: 'key', value: dsaJwk(dsa.publicKey) } }]);
  t.is(added.status, 201, added.text);
  const session = await login(node, (challenge) => answerWithKey('302:0.NA/88.118.8', dsa.privateKey, challenge));
  t.is(session.status, 200);
  t.is((await node.put('/api/handles/88.118.8/DSA', URL_VALUES, withSession(session.sessionId))).status, 201);
});

test('sessions: a secret key logs in with PBKDF2-HMAC-SHA1 and with SHA1, never holding the secret', async (t) => {
  const { node, secret } = await enterprise(t);
  for (const alg of ['PBKDF2-HMAC-SHA1', 'SHA1'] as const) {
    const session = await login(node, (challenge) => answerWithSecret(SECRET_ID, secret, challenge, alg));
    t.is(session.status, 200, alg);
    t.is(session.json.id, SECRET_ID, alg);
    t.is((await node.put(`/api/handles/88.118.8/SECRET-${alg}`, URL_VALUES, withSession(session.sessionId))).status, 201, alg);
  }
  const wrongSalt = await login(node, (challenge) => answerWithSecret(SECRET_ID, { ...secret, salt: Buffer.alloc(16).toString('base64') }, challenge));
  t.is(wrongSalt.status, 401);
});

test('sessions: the answer can come on any request, after its 401 challenge, and later requests send only the session', async (t) => {
  const { node, rsa } = await enterprise(t);
  const refused = await node.put('/api/handles/88.118.8/ONE-SHOT', URL_VALUES, { auth: null });
  t.is(refused.status, 401);
  t.regex(String(refused.headers['www-authenticate']), /^Handle sessionId="[^"]+", nonce="[^"]+", Basic realm="handle"$/);
  const challenge = challengeFrom(refused.headers['www-authenticate']);
  const answered = await node.put('/api/handles/88.118.8/ONE-SHOT', URL_VALUES, { auth: null, headers: { authorization: handleAuthorization(challenge.sessionId, answerWithKey(RSA_ID, rsa, challenge)) } });
  t.is(answered.status, 201);
  t.is((await node.put('/api/handles/88.118.8/TWO', URL_VALUES, withSession(challenge.sessionId))).status, 201);
  const xhr = await node.put('/api/handles/88.118.8/XHR', URL_VALUES, { auth: null, headers: { 'x-requested-with': 'XMLHttpRequest' } });
  t.false(String(xhr.headers['www-authenticate']).includes('Basic'), 'no Basic challenge for XHR calls');
});

test('sessions: a wrong signature, a replayed answer and an expired nonce are refused', async (t) => {
  const { node, rsa, other } = await enterprise(t);
  t.is((await login(node, (challenge) => answerWithKey(RSA_ID, other, challenge))).status, 401, 'signed with another key');
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  const challenge = { sessionId: opened.json.sessionId as string, nonce: opened.json.nonce as string };
  const answer = handleAuthorization(challenge.sessionId, answerWithKey(RSA_ID, rsa, challenge));
  t.is((await node.request('PUT', '/api/sessions/this', { auth: null, headers: { authorization: answer } })).status, 200);
  t.is((await node.request('PUT', '/api/sessions/this', { auth: null, headers: { authorization: answer } })).status, 401, 'replayed');
  const late = await node.request('POST', '/api/sessions', { auth: null });
  node.clock.advance(16_000);
  const lateChallenge = { sessionId: late.json.sessionId as string, nonce: late.json.nonce as string };
  const expired = await node.request('PUT', '/api/sessions/this', { auth: null, headers: { authorization: handleAuthorization(lateChallenge.sessionId, answerWithKey(RSA_ID, rsa, lateChallenge)) } });
  t.is(expired.status, 401, 'nonce older than IDNODE_NONCE_TTL_SECONDS');
});

test('sessions: an authenticated session ends after the idle time', async (t) => {
  const { node, rsa } = await enterprise(t, { IDNODE_SESSION_IDLE_SECONDS: '60' });
  const session = await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge));
  node.clock.advance(59_000);
  t.is((await node.request('GET', '/api/sessions/this', withSession(session.sessionId))).status, 200, 'use resets the idle timer');
  node.clock.advance(59_000);
  t.is((await node.put('/api/handles/88.118.8/IDLE', URL_VALUES, withSession(session.sessionId))).status, 201);
  node.clock.advance(61_000);
  t.is((await node.put('/api/handles/88.118.8/IDLE2', URL_VALUES, withSession(session.sessionId))).status, 401);
});

test('sessions: a key that does not administer the prefix authenticates but may not write there', async (t) => {
  const { node, other } = await enterprise(t);
  const session = await login(node, (challenge) => answerWithKey('300:0.NA/88.118.9', other, challenge));
  t.is(session.status, 200);
  const reply = await node.put('/api/handles/88.118.8/NOT-MINE', URL_VALUES, withSession(session.sessionId));
  t.is(reply.status, 403);
  t.is(reply.json.responseCode, 401);
  t.is(node.node.store.getRecord('88.118.8/NOT-MINE'), undefined);
});

test('sessions: the server proves itself with the node key published at /api/site and in its HS_SITE', async (t) => {
  const { node } = await enterprise(t);
  const cnonce = Buffer.alloc(16, 7).toString('base64');
  const opened = await node.request('POST', '/api/sessions', { auth: null, body: { cnonce } });
  t.is(opened.status, 201);
  t.is(opened.json.serverAlg, 'SHA256');
  const site = await node.get('/api/site');
  t.is(site.json.responseCode, 1);
  const jwk = site.json.site.servers[0].publicKey.value;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.concat([Buffer.from(opened.json.nonce, 'base64'), Buffer.from(cnonce, 'base64')]);
  t.true(verify('sha256', data, key, Buffer.from(opened.json.serverSignature, 'base64')));
  node.node.publishSite(node.port);
  const record = await node.get('/api/handles/0.NA/88.118?type=HS_SITE');
  t.deepEqual(record.json.values[0].data.value.servers[0].publicKey.value, jwk);
});

test('sessions: the answer may come as JSON with an unencoded id; Basic on POST authenticates the new session', async (t) => {
  const { node, secret } = await enterprise(t);
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  const answer = answerWithSecret(SECRET_ID, secret, { sessionId: opened.json.sessionId, nonce: opened.json.nonce });
  const reply = await node.request('PUT', '/api/sessions/this', {
    auth: null,
    body: { sessionId: opened.json.sessionId, id: answer.id, type: answer.type, cnonce: answer.cnonce, alg: answer.alg, signature: answer.signature, ...answer.extra },
  });
  t.is(reply.status, 200, reply.text);
  const basic = await node.request('POST', '/api/sessions', { auth: { identity: SECRET_ID, secret: SECRET } });
  t.is(basic.status, 201);
  t.is(basic.json.authenticated, true);
  t.is(basic.json.id, SECRET_ID);
});

test('sessions: failed answers count against the failed-login limit', async (t) => {
  const { node, rsa, other } = await enterprise(t, { IDNODE_RATE_LIMIT_FAILED_LOGINS: '2' });
  t.is((await login(node, (challenge) => answerWithKey(RSA_ID, other, challenge))).status, 401);
  t.is((await login(node, (challenge) => answerWithKey(RSA_ID, other, challenge))).status, 401);
  t.is((await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge))).status, 429);
});

test('sessions: over an untrusted transport the sessions API is 403', async (t) => {
  const node = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false' });
  t.is((await node.request('POST', '/api/sessions', { auth: null })).status, 403);
});
