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
import { postgresOnlyTest, sqliteOnlyTest } from '../support/engine-test.js';

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
// Generated once for the file: RSA key generation is the slowest step of every test here.
const KEYS = { rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }), other: generateKeyPairSync('rsa', { modulusLength: 2048 }) };

async function enterprise(t: ExecutionContext, env: Record<string, string> = {}): Promise<Enterprise & { other: KeyObject }> {
  const node = await startNode(t, env);
  const { rsa, other } = KEYS;
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
  t.deepEqual(Object.keys(opened.json).sort(), ['nonce', 'sessionId'], 'authenticated appears only once true (reference §3.7)');
  t.is(Buffer.from(opened.json.nonce, 'base64').length, 16);
  const session = await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge));
  t.is(session.status, 200);
  t.is(session.json.authenticated, true);
  t.is(session.json.id, RSA_ID);
  t.is((await node.put('/api/handles/88.118.8/S1', URL_VALUES, withSession(session.sessionId))).status, 201);
  t.is((await node.put('/api/handles/88.118.8/S1', [{ index: 1, type: 'URL', data: 'https://example.cn/s2' }], withSession(session.sessionId))).status, 200);
  t.is((await node.delete('/api/handles/88.118.8/S1', withSession(session.sessionId))).status, 200);
  t.is(await node.metric('idnode_sessions{state="authenticated"}'), 1);
  t.is(await node.metric('idnode_sessions{state="open"}'), 1, 'the first POST, never answered');
  t.is((await node.request('DELETE', '/api/sessions/this', withSession(session.sessionId))).status, 204);
  t.is(await node.metric('idnode_sessions{state="authenticated"}'), 0);
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

test('sessions: a session the node does not know is a 401 with a fresh challenge on any request, never an anonymous answer', async (t) => {
  const { node, rsa } = await enterprise(t);
  const created = await node.put('/api/handles/88.118.8/PRIVATE', [...URL_VALUES, { index: 2, type: 'EMAIL', data: 'ops@example.cn', permissions: '1100' }]);
  t.is(created.status, 201);
  const session = await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge));
  t.is((await node.get('/api/handles/88.118.8/PRIVATE', withSession(session.sessionId))).json.values.length, 2, 'logged in: both values');
  t.is((await node.request('DELETE', '/api/sessions/this', withSession(session.sessionId))).status, 204);
  for (const sessionId of [session.sessionId, 'never-issued']) {
    const read = await node.get('/api/handles/88.118.8/PRIVATE', withSession(sessionId));
    t.is(read.status, 401, `a read with ${sessionId}`);
    t.is(read.text, '');
    const fresh = challengeFrom(read.headers['www-authenticate']);
    t.not(fresh.sessionId, sessionId);
    t.regex(String(read.headers['www-authenticate']), /error="unknown or expired session; log in again"/);
    // The fresh challenge can be answered at once, on the same request.
    const again = await node.get('/api/handles/88.118.8/PRIVATE', { auth: null, headers: { authorization: handleAuthorization(fresh.sessionId, answerWithKey(RSA_ID, rsa, fresh)) } });
    t.is(again.status, 200);
    t.is(again.json.values.length, 2);
  }
});

test('sessions: GET /api/sessions/this reports nothing without a session, 401 in JSON for an unknown one, never a 500', async (t) => {
  const { node } = await enterprise(t);
  const nothing = await node.request('GET', '/api/sessions/this', { auth: null });
  t.is(nothing.status, 200);
  t.deepEqual(nothing.json, { authenticated: false });
  // Regression: the error text once held a non-ASCII character, which Node refuses in a header → text/plain 500.
  const bare = await node.request('GET', '/api/sessions/this', { auth: null, headers: { authorization: 'Handle' } });
  t.deepEqual([bare.status, bare.json], [200, { authenticated: false }], 'a bare Handle header names no session either');
  for (const header of ['Handle sessionId="nope"', 'Handle sessionId="unclosed', 'Handle sessionId="a", sessionId="b"']) {
    const reply = await node.request('GET', '/api/sessions/this', { auth: null, headers: { authorization: header } });
    t.is(reply.status, 401, header);
    t.regex(String(reply.headers['content-type']), /^application\/json/, header);
    t.is(typeof reply.json.sessionId, 'string', header);
    t.is(Buffer.from(reply.json.nonce, 'base64').length, 16, header);
    t.is(typeof reply.json.error, 'string', header);
    t.regex(String(reply.headers['www-authenticate']), /^Handle sessionId="[^"]+", nonce="[^"]+", error="[\x20-\x7e]+"$/, header);
  }
  const basic = await node.request('GET', '/api/sessions/this', { auth: { identity: SECRET_ID, secret: 'wrong-secret-000000' } });
  t.is(basic.status, 401);
  t.is(typeof basic.json.error, 'string');
});

test('sessions: a wrong answer to PUT /api/sessions/this is 401 with {sessionId, nonce, error}, header or JSON', async (t) => {
  const { node, other } = await enterprise(t);
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  const challenge = { sessionId: opened.json.sessionId as string, nonce: opened.json.nonce as string };
  const header = await node.request('PUT', '/api/sessions/this', { auth: null, headers: { authorization: handleAuthorization(challenge.sessionId, answerWithKey(RSA_ID, other, challenge)) } });
  t.is(header.status, 401);
  t.is(header.json.sessionId, challenge.sessionId);
  t.is(header.json.nonce, challenge.nonce, 'a wrong answer leaves the nonce as it was (issue 10)');
  t.is(header.json.error, 'the answer does not match a key of this identity');
  const next = { sessionId: challenge.sessionId, nonce: header.json.nonce as string };
  const answer = answerWithKey(RSA_ID, other, next);
  const json = await node.request('PUT', '/api/sessions/this', { auth: null, body: { sessionId: next.sessionId, ...answer } });
  t.is(json.status, 401);
  t.is(json.json.error, 'the answer does not match a key of this identity');
  const nameless = await node.request('PUT', '/api/sessions/this', { auth: null, body: {} });
  t.is(nameless.status, 401);
  t.is(nameless.json.error, 'name a session: sessionId');
});

test('sessions: an answer missing a field is refused, and a bad cnonce is 400 before any session exists', async (t) => {
  const { node, rsa } = await enterprise(t);
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  const challenge = { sessionId: opened.json.sessionId as string, nonce: opened.json.nonce as string };
  const { cnonce: _cnonce, ...noCnonce } = answerWithKey(RSA_ID, rsa, challenge);
  const missing = await node.request('PUT', '/api/sessions/this', { auth: null, body: { sessionId: challenge.sessionId, ...noCnonce } });
  t.is(missing.status, 401);
  t.is(missing.json.error, 'missing fields in authentication data: cnonce');

  const before = node.node.sessions.size;
  for (const cnonce of ['a-b_!', '', 'not base64 at all']) {
    const reply = await node.request('POST', '/api/sessions', { auth: null, body: { cnonce } });
    t.is(reply.status, 400, JSON.stringify(cnonce));
    t.is(reply.json.responseCode, 4);
  }
  t.deepEqual(node.node.sessions.size, before, 'no session was opened for a refused request');
});

test('sessions: after an answer the server proof names the nonce it signed, so the client can check it', async (t) => {
  const { node, rsa } = await enterprise(t);
  const refused = await node.put('/api/handles/88.118.8/PROOF', URL_VALUES, { auth: null });
  const challenge = challengeFrom(refused.headers['www-authenticate']);
  t.is((await node.put('/api/handles/88.118.8/PROOF', URL_VALUES, { auth: null, headers: { authorization: handleAuthorization(challenge.sessionId, answerWithKey(RSA_ID, rsa, challenge)) } })).status, 201);
  const cnonce = Buffer.alloc(16, 9).toString('base64');
  const reply = await node.get('/api/handles/88.118.8/PROOF', { auth: null, headers: { authorization: `Handle sessionId="${challenge.sessionId}", cnonce="${cnonce}"` } });
  t.is(reply.status, 200);
  const info = String(reply.headers['authentication-info']);
  const field = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(info)?.[1] ?? '';
  t.is(field('sessionId'), challenge.sessionId);
  t.not(field('nonce'), challenge.nonce, 'the answered nonce was replaced');
  t.is(field('serverAlg'), 'SHA256');
  const key = createPublicKey({ key: (await node.get('/api/site')).json.site.servers[0].publicKey.value, format: 'jwk' });
  const data = Buffer.concat([Buffer.from(field('nonce'), 'base64'), Buffer.from(cnonce, 'base64')]);
  t.true(verify('sha256', data, key, Buffer.from(field('serverSignature'), 'base64')));
});

test('sessions: failed JSON answers are limited by the identity in any spelling, together with header answers', async (t) => {
  const { node, other } = await enterprise(t, { IDNODE_RATE_LIMIT_FAILED_LOGINS: '3', IDNODE_RATE_LIMIT_PER_CLIENT: '0' });
  const jsonAnswer = async (id: string) => {
    const opened = await node.request('POST', '/api/sessions', { auth: null });
    const answer = answerWithKey(id, other, { sessionId: opened.json.sessionId, nonce: opened.json.nonce });
    return node.request('PUT', '/api/sessions/this', { auth: null, body: { sessionId: opened.json.sessionId, ...answer } });
  };
  t.is((await jsonAnswer('300:0.na/88.118.8')).status, 401);
  t.is((await jsonAnswer('0300:0.NA/88.118.8')).status, 401);
  t.is((await login(node, (challenge) => answerWithKey(RSA_ID, other, challenge))).status, 401);
  const limited = await jsonAnswer(RSA_ID);
  t.is(limited.status, 429, 'three spellings of one identity share one budget');
  t.truthy(limited.headers['retry-after']);
});

test('sessions: a secret-key session creates, updates and deletes; refused after logout and after expiry', async (t) => {
  const { node, secret } = await enterprise(t, { IDNODE_SESSION_IDLE_SECONDS: '60' });
  const session = await login(node, (challenge) => answerWithSecret(SECRET_ID, secret, challenge));
  t.is(session.status, 200);
  t.is((await node.put('/api/handles/88.118.8/SK', URL_VALUES, withSession(session.sessionId))).status, 201);
  t.is((await node.put('/api/handles/88.118.8/SK', [{ index: 1, type: 'URL', data: 'https://example.cn/sk2' }], withSession(session.sessionId))).status, 200);
  t.is((await node.delete('/api/handles/88.118.8/SK', withSession(session.sessionId))).status, 200);
  t.is((await node.request('DELETE', '/api/sessions/this', withSession(session.sessionId))).status, 204);
  t.is((await node.put('/api/handles/88.118.8/SK', URL_VALUES, withSession(session.sessionId))).status, 401, 'after logout');
  const second = await login(node, (challenge) => answerWithSecret(SECRET_ID, secret, challenge));
  node.clock.advance(61_000);
  t.is((await node.put('/api/handles/88.118.8/SK', URL_VALUES, withSession(second.sessionId))).status, 401, 'after expiry');
  t.is(node.node.store.getRecord('88.118.8/SK'), undefined);
});

test('sessions: alg is matched without regard to case or punctuation, and JSON numbers are accepted', async (t) => {
  const { node, secret } = await enterprise(t);
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  const answer = answerWithSecret(SECRET_ID, secret, { sessionId: opened.json.sessionId, nonce: opened.json.nonce });
  const reply = await node.request('PUT', '/api/sessions/this', {
    auth: null,
    body: { sessionId: opened.json.sessionId, ...answer, alg: 'pbkdf2_hmac_sha1', salt: secret.salt, iterations: secret.iterations, length: 160, extra: undefined },
  });
  t.is(reply.status, 200, reply.text);
  t.is(reply.json.id, SECRET_ID);
});

test('sessions: a session left unanswered for the nonce lifetime is gone; the fresh one offered instead can be answered for its whole lifetime', async (t) => {
  const { node, rsa } = await enterprise(t, { IDNODE_NONCE_TTL_SECONDS: '5' });
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  node.clock.advance(6_000);
  const expired = await node.request('PUT', '/api/sessions/this', {
    auth: null,
    headers: { authorization: handleAuthorization(opened.json.sessionId, answerWithKey(RSA_ID, rsa, { sessionId: opened.json.sessionId, nonce: opened.json.nonce })) },
  });
  t.is(expired.status, 401);
  t.not(expired.json.sessionId, opened.json.sessionId, 'a new session, with its own nonce');
  node.clock.advance(4_500);
  const fresh = { sessionId: expired.json.sessionId as string, nonce: expired.json.nonce as string };
  const answered = await node.request('PUT', '/api/sessions/this', { auth: null, headers: { authorization: handleAuthorization(fresh.sessionId, answerWithKey(RSA_ID, rsa, fresh)) } });
  t.is(answered.status, 200, answered.text);
});

sqliteOnlyTest('sessions: they live in one process — another process on the same store (a restart, a second worker) answers 401 and a fresh challenge', async (t) => {
  const first = await enterprise(t);
  const session = await login(first.node, (challenge) => answerWithKey(RSA_ID, first.rsa, challenge));
  t.is((await first.node.put('/api/handles/88.118.8/P1', URL_VALUES, withSession(session.sessionId))).status, 201);
  const second = await startNode(t, { IDNODE_DB_PATH: first.node.config.dbPath });
  const elsewhere = await second.put('/api/handles/88.118.8/P2', URL_VALUES, withSession(session.sessionId));
  t.is(elsewhere.status, 401);
  const fresh = challengeFrom(elsewhere.headers['www-authenticate']);
  t.not(fresh.sessionId, session.sessionId);
  // Logging in again there works at once, and both processes prove themselves with the one node key in the store.
  const again = await login(second, (challenge) => answerWithKey(RSA_ID, first.rsa, challenge));
  t.is(again.status, 200);
  t.deepEqual((await second.get('/api/site')).json.site.servers[0].publicKey, (await first.node.get('/api/site')).json.site.servers[0].publicKey);
});

postgresOnlyTest('sessions: on PostgreSQL every process over the store shares them — a session opened on one node is good on another', async (t) => {
  const first = await enterprise(t);
  const session = await login(first.node, (challenge) => answerWithKey(RSA_ID, first.rsa, challenge));
  t.is((await first.node.put('/api/handles/88.118.8/P1', URL_VALUES, withSession(session.sessionId))).status, 201);
  const second = await startNode(t, { IDNODE_DB_PATH: first.node.config.dbPath });
  const elsewhere = await second.put('/api/handles/88.118.8/P2', URL_VALUES, withSession(session.sessionId));
  t.is(elsewhere.status, 201, elsewhere.text);
  // Ended on the second, it is over on the first too.
  t.is((await second.request('DELETE', '/api/sessions/this', withSession(session.sessionId))).status, 204);
  t.is((await first.node.put('/api/handles/88.118.8/P3', URL_VALUES, withSession(session.sessionId))).status, 401);
});

test('sessions: a challenge never names a stale nonce — a waiting or logged-in session that is challenged later can answer at once', async (t) => {
  const { node, rsa } = await enterprise(t, { IDNODE_NONCE_TTL_SECONDS: '10' });
  const opened = await node.request('POST', '/api/sessions', { auth: null });
  node.clock.advance(9_000);
  const refused = await node.put('/api/handles/88.118.8/STALE', URL_VALUES, withSession(opened.json.sessionId));
  t.is(refused.status, 401);
  const challenge = challengeFrom(refused.headers['www-authenticate']);
  t.is(challenge.sessionId, opened.json.sessionId);
  t.is(challenge.nonce, opened.json.nonce, 'the same nonce (issue 10), its lifetime restarted as it is handed out again');
  node.clock.advance(4_000);
  const answered = await node.put('/api/handles/88.118.8/STALE', URL_VALUES, { auth: null, headers: { authorization: handleAuthorization(challenge.sessionId, answerWithKey(RSA_ID, rsa, challenge)) } });
  t.is(answered.status, 201, answered.text);
  // Logged in, the session's nonce (spent by the answer, then renewed) goes stale too; what GET /this shows stays answerable.
  node.clock.advance(20_000);
  const shown = await node.request('GET', '/api/sessions/this', withSession(challenge.sessionId));
  t.is(shown.status, 200);
  const again = await node.request('PUT', '/api/sessions/this', {
    auth: null,
    headers: { authorization: handleAuthorization(challenge.sessionId, answerWithKey(RSA_ID, rsa, { sessionId: challenge.sessionId, nonce: shown.json.nonce })) },
  });
  t.is(again.status, 200, again.text);
});

test('sessions: a session ends when the key it logged in with is replaced or removed, or its record deleted', async (t) => {
  const { node, rsa, other, secret } = await enterprise(t);
  const jwk = (key: KeyObject) => ({ kty: 'RSA', ...createPublicKey(key).export({ format: 'jwk' }) });
  // Another value of the record changing leaves the session alone.
  const rsaSession = await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge));
  const secretSession = await login(node, (challenge) => answerWithSecret(SECRET_ID, secret, challenge));
  const basicSession = await node.request('POST', '/api/sessions', { auth: { identity: SECRET_ID, secret: SECRET } });
  t.is(basicSession.json.authenticated, true);
  t.is((await node.put('/api/handles/0.NA/88.118.8?index=2', [{ index: 2, type: 'EMAIL', data: 'ops@example.cn' }])).status, 201, 'a new value at index 2');
  t.is((await node.put('/api/handles/88.118.8/KEPT', URL_VALUES, withSession(rsaSession.sessionId))).status, 201);
  // The RSA key replaced by another: the RSA session ends, with a fresh challenge; the secret-key sessions go on.
  t.is((await node.put('/api/handles/0.NA/88.118.8?index=300', [{ index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: jwk(other) } }])).status, 200);
  const ended = await node.put('/api/handles/88.118.8/REPLACED', URL_VALUES, withSession(rsaSession.sessionId));
  t.is(ended.status, 401);
  t.regex(String(ended.headers['www-authenticate']), /error="the key this session logged in with was changed or removed; log in again"/);
  t.not(challengeFrom(ended.headers['www-authenticate']).sessionId, rsaSession.sessionId);
  t.is((await node.request('GET', '/api/sessions/this', withSession(rsaSession.sessionId))).status, 401, 'and it is gone');
  // On /api/sessions a session ended this way is simply unknown: logging out of it is 403, like any unknown session.
  const staleLogout = await login(node, (challenge) => answerWithKey(RSA_ID, other, challenge));
  t.is((await node.put('/api/handles/0.NA/88.118.8?index=300', [{ index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: jwk(rsa) } }])).status, 200);
  const openBefore = await node.metric('idnode_sessions{state="open"}');
  t.is((await node.request('DELETE', '/api/sessions/this', withSession(staleLogout.sessionId))).status, 403);
  t.is(await node.metric('idnode_sessions{state="open"}'), openBefore, 'no new challenge was opened for it');
  t.is((await node.put('/api/handles/0.NA/88.118.8?index=300', [{ index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: jwk(other) } }])).status, 200);
  t.is((await node.put('/api/handles/88.118.8/SECRET-GOES-ON', URL_VALUES, withSession(secretSession.sessionId))).status, 201);
  // The secret key removed: both sessions that proved it end.
  t.is((await node.delete('/api/handles/0.NA/88.118.8?index=301')).status, 200);
  t.is((await node.put('/api/handles/88.118.8/REMOVED', URL_VALUES, withSession(secretSession.sessionId))).status, 401);
  t.is((await node.put('/api/handles/88.118.8/REMOVED', URL_VALUES, withSession(basicSession.json.sessionId))).status, 401);
  // The whole record deleted: a session logged in with its key ends.
  const renewed = await login(node, (challenge) => answerWithKey(RSA_ID, other, challenge));
  t.is(renewed.status, 200);
  t.is((await node.delete('/api/handles/0.NA/88.118.8')).status, 200);
  t.is((await node.put('/api/handles/88.118.8/RECORD-GONE', URL_VALUES, withSession(renewed.sessionId))).status, 401);
  for (const suffix of ['REPLACED', 'REMOVED', 'RECORD-GONE']) t.is(node.node.store.getRecord(`88.118.8/${suffix}`), undefined, suffix);
});

test('sessions: POST /api/sessions naming a session is 400 and changes nothing; a cnonce alone on any request opens a session with a proof', async (t) => {
  const { node, rsa } = await enterprise(t);
  const session = await login(node, (challenge) => answerWithKey(RSA_ID, rsa, challenge));
  const named = await node.request('POST', '/api/sessions', withSession(session.sessionId));
  t.is(named.status, 400);
  t.is(named.json.responseCode, 4);
  const inBody = await node.request('POST', '/api/sessions', { auth: null, body: { sessionId: session.sessionId } });
  t.is(inBody.status, 400);
  t.is(await node.metric('idnode_sessions{state="authenticated"}'), 1, 'no copy of the login was made');
  t.is(await node.metric('idnode_sessions{state="open"}'), 0);
  // GET /api/sessions/this with Basic reports who the credentials are.
  const basic = await node.request('GET', '/api/sessions/this', { auth: { identity: SECRET_ID, secret: SECRET } });
  t.deepEqual(basic.json, { authenticated: true, id: SECRET_ID });
  // A cnonce alone (no sessionId, no id) on an ordinary request: a new session, whose nonce the proof signs.
  const cnonce = Buffer.alloc(16, 3).toString('base64');
  const read = await node.get('/api/handles/0.NA/88.118.8', { auth: null, headers: { authorization: `Handle cnonce="${cnonce}"` } });
  t.is(read.status, 200);
  const info = String(read.headers['authentication-info']);
  const field = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(info)?.[1] ?? '';
  const key = createPublicKey({ key: (await node.get('/api/site')).json.site.servers[0].publicKey.value, format: 'jwk' });
  t.true(verify('sha256', Buffer.concat([Buffer.from(field('nonce'), 'base64'), Buffer.from(cnonce, 'base64')]), key, Buffer.from(field('serverSignature'), 'base64')));
  // That session can then be logged into by answering the nonce it named.
  const answered = await node.request('PUT', '/api/sessions/this', {
    auth: null,
    headers: { authorization: handleAuthorization(field('sessionId'), answerWithKey(RSA_ID, rsa, { sessionId: field('sessionId'), nonce: field('nonce') })) },
  });
  t.is(answered.status, 200, answered.text);
  const bad = await node.get('/api/handles/0.NA/88.118.8', { auth: null, headers: { authorization: 'Handle cnonce="not base64!"' } });
  t.is(bad.status, 400);
  t.is(await node.metric('idnode_sessions{state="open"}'), 0, 'a bad cnonce opens nothing');
});
