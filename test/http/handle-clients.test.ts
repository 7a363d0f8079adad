// Issue 10: three public Handle clients, each request written as that client sends it (headers and bodies), against
// a real listener — PYHANDLE (Python requests), CodeObia's nodejs-handle-net-client and csu-library's handle-net-node
// (both axios in Node).

import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { MAX_WRONG_ANSWERS } from '../../src/cache/session-cache.js';
import { answerWithKey, type Challenge } from '../support/handle-client.js';
import { startNode, type NodeUnderTest, type Reply } from '../support/node-under-test.js';

const ENTERPRISE_SECRET = 'enterprise-8-secret-0001';
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 });
const OTHER = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** What `requests` adds to every call (PYHANDLE uses a requests.Session). */
const PYTHON_REQUESTS = { 'user-agent': 'python-requests/2.31.0', 'accept-encoding': 'gzip, deflate', accept: '*/*', connection: 'keep-alive' };
/** What axios 1.x in Node adds; `axios.post(url)` without data also sends this form type, with no body. */
const AXIOS = { accept: 'application/json, text/plain, */*', 'user-agent': 'axios/1.6.8', 'accept-encoding': 'gzip, compress, deflate, br' };
const AXIOS_FORM = { ...AXIOS, 'content-type': 'application/x-www-form-urlencoded' };

/** 88.118.8 with a secret key at 301 (PYHANDLE's Basic login) and an RSA key at 300 (the Node clients' key). */
async function enterprise(t: ExecutionContext, env: Record<string, string> = {}): Promise<NodeUnderTest> {
  const node = await startNode(t, env);
  const { n, e } = KEY.publicKey.export({ format: 'jwk' });
  const reply = await node.put('/api/handles/0.NA/88.118.8', [
    { index: 300, type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'RSA', n, e } } },
    { index: 301, type: 'HS_SECKEY', data: ENTERPRISE_SECRET },
  ]);
  t.is(reply.status, 201, reply.text);
  return node;
}

/** Python's `urllib.parse.quote` (safe="/"), which PYHANDLE applies to the username and the password. */
function pythonQuote(text: string): string {
  return encodeURIComponent(text).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `json.dumps` as Python writes it: ", " between items and ": " after keys. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`).join(', ')}}`;
  return JSON.stringify(value);
}

test('handle clients: PYHANDLE registers a handle whose default HS_ADMIN has its index as a string ("200")', async (t) => {
  const node = await enterprise(t);
  const user = pythonQuote('301:0.NA/88.118.8');
  const body = pythonJson({
    values: [
      { index: 1, type: 'URL', data: 'https://example.cn/pyhandle' },
      { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: '200', permissions: '011111110011' } } },
    ],
  });
  t.true(body.includes('"index": "200"'), body);
  const reply = await node.request('PUT', '/api/handles/88.118.8/PYH-1?overwrite=false', {
    auth: null,
    headers: { ...PYTHON_REQUESTS, 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${user}:${pythonQuote(ENTERPRISE_SECRET)}`).toString('base64')}` },
    body,
  });
  t.deepEqual([reply.status, reply.json], [201, { responseCode: 1, handle: '88.118.8/PYH-1' }], reply.text);
  const read = await node.get('/api/handles/88.118.8/PYH-1?index=100', { headers: { accept: 'application/json' } });
  t.deepEqual(read.json.values[0].data, { format: 'admin', value: { handle: '0.NA/88.118.8', index: 200, permissions: '011111110011' } }, 'answered with a number');
});

/** `axios.post(base + '/api/sessions')`: a form content type and no body. */
async function axiosOpen(node: NodeUnderTest, path = '/api/sessions'): Promise<Challenge> {
  const opened = await node.request('POST', path, { auth: null, headers: { ...AXIOS_FORM, 'content-length': '0' } });
  if (opened.status !== 201) throw new Error(`POST ${path}: ${opened.status} ${opened.text}`);
  return { sessionId: opened.json.sessionId, nonce: opened.json.nonce };
}

/** CodeObia's answer: no space after the commas, `id` not percent-encoded, SHA256, a cnonce that is base64 of 16 hex digits. */
function codeObiaAuthorization(sessionId: string, nonce: string, key: KeyObject): string {
  const cnonce = Buffer.from(randomBytes(8).toString('hex')).toString('base64');
  const signature = sign('sha256', Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(cnonce, 'base64')]), key).toString('base64');
  return `Handle sessionId="${sessionId}",id="300:0.NA/88.118.8",type="HS_PUBKEY",cnonce="${cnonce}",alg="SHA256",signature="${signature}"`;
}

/** `axios.put(base + '/api/sessions/this', {}, {headers: {Authorization}})`. */
function codeObiaAnswer(node: NodeUnderTest, authorization: string): Promise<Reply> {
  return node.request('PUT', '/api/sessions/this', { auth: null, headers: { ...AXIOS, 'content-type': 'application/json', authorization }, body: '{}' });
}

test('handle clients: CodeObia logs in and creates a handle whose HS_ADMIN has index "300" and legacyByteLength', async (t) => {
  const node = await enterprise(t);
  const challenge = await axiosOpen(node);
  const login = await codeObiaAnswer(node, codeObiaAuthorization(challenge.sessionId, challenge.nonce, KEY.privateKey));
  t.is(login.status, 200, login.text);
  t.is(login.json.authenticated, true);
  const body = JSON.stringify([
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: '300', permissions: '111111111111', legacyByteLength: true } } },
    { index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/codeobia' } },
  ]);
  const created = await node.request('PUT', '/api/handles/88.118.8/a1b2c3?overwrite=false', {
    auth: null,
    headers: { ...AXIOS, 'content-type': 'application/json', authorization: `Handle sessionId="${challenge.sessionId}"` },
    body,
  });
  t.deepEqual([created.status, created.json], [201, { responseCode: 1, handle: '88.118.8/a1b2c3' }], created.text);
  const read = await node.get('/api/handles/88.118.8/a1b2c3?index=100');
  t.deepEqual(read.json.values[0].data.value, { handle: '0.NA/88.118.8', index: 300, permissions: '111111111111' });
});

test('handle clients: csu-library logs in with POST /api/sessions/ and POST /api/sessions/this, both without a body, then writes', async (t) => {
  const node = await enterprise(t);
  const challenge = await axiosOpen(node, '/api/sessions/');
  const cnonce = randomBytes(16).toString('base64');
  const signature = sign('sha1', Buffer.concat([Buffer.from(challenge.nonce, 'base64'), Buffer.from(cnonce, 'base64')]), KEY.privateKey).toString('base64');
  const authorization = `Handle version="0", sessionId="${challenge.sessionId}", cnonce="${cnonce}", id="300:0.NA/88.118.8", type="HS_PUBKEY", alg="sha1", signature="${signature}"`;
  const login = await node.request('POST', '/api/sessions/this', { auth: null, headers: { ...AXIOS_FORM, 'content-length': '0', authorization } });
  t.is(login.status, 200, login.text);
  t.deepEqual([login.json.authenticated, login.json.id], [true, '300:0.NA/88.118.8']);
  const created = await node.request('PUT', '/api/handles/88.118.8/CSU-1?overwrite=false', {
    auth: null,
    headers: { ...AXIOS, 'content-type': 'application/json', authorization: `Handle version="0", sessionId="${challenge.sessionId}"` },
    body: JSON.stringify([{ index: 1, type: 'URL', data: 'https://example.cn/csu' }]),
  });
  t.is(created.status, 201, created.text);
});

test('handle clients: POST /api/sessions/this is PUT — a JSON answer, a wrong one, and a form body that is ignored', async (t) => {
  const node = await enterprise(t);
  const challenge = await axiosOpen(node);
  const wrong = answerWithKey('300:0.NA/88.118.8', OTHER.privateKey, challenge);
  const refused = await node.request('POST', '/api/sessions/this', { auth: null, body: { sessionId: challenge.sessionId, ...wrong } });
  t.is(refused.status, 401);
  t.deepEqual([refused.json.sessionId, refused.json.nonce], [challenge.sessionId, challenge.nonce]);
  const right = answerWithKey('300:0.NA/88.118.8', KEY.privateKey, challenge);
  const accepted = await node.request('POST', '/api/sessions/this', { auth: null, body: { sessionId: challenge.sessionId, ...right } });
  t.is(accepted.status, 200, accepted.text);
  // A form body is not read as parameters (a cross-site form could send one without a preflight): it is ignored.
  const form = await node.request('POST', '/api/sessions', { auth: null, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `sessionId=${challenge.sessionId}` });
  t.is(form.status, 201);
  t.not(form.json.sessionId, challenge.sessionId);
});

test('handle clients: two logins at once — a wrong answer leaves the nonce, the right one then succeeds; the sixth wrong one closes the session', async (t) => {
  // The failed-login limit lets exactly the six wrong answers that close a session through (the race's wrong answer is
  // forgotten when the right one from the same network succeeds: docs/security.md).
  const node = await enterprise(t, { IDNODE_RATE_LIMIT_FAILED_LOGINS: String(MAX_WRONG_ANSWERS + 1) });
  // CodeObia's constructor and its first 401 each open a session; both logins then name the later one, and the first
  // signs the nonce of the earlier one.
  const first = await axiosOpen(node);
  const second = await axiosOpen(node);
  const early = await codeObiaAnswer(node, codeObiaAuthorization(second.sessionId, first.nonce, KEY.privateKey));
  t.is(early.status, 401);
  t.is(early.json.nonce, second.nonce, 'the nonce the second login signs is still the one');
  const late = await codeObiaAnswer(node, codeObiaAuthorization(second.sessionId, second.nonce, KEY.privateKey));
  t.is(late.status, 200, late.text);
  t.is(late.json.id, '300:0.NA/88.118.8');

  const target = await axiosOpen(node);
  for (let i = 2; i <= MAX_WRONG_ANSWERS; i += 1) {
    const reply = await codeObiaAnswer(node, codeObiaAuthorization(target.sessionId, target.nonce, OTHER.privateKey));
    t.deepEqual([reply.status, reply.json.sessionId, reply.json.nonce], [401, target.sessionId, target.nonce], `wrong answer ${i - 1}`);
  }
  t.is((await codeObiaAnswer(node, codeObiaAuthorization(target.sessionId, target.nonce, OTHER.privateKey))).json.sessionId, target.sessionId, `wrong answer ${MAX_WRONG_ANSWERS}: still open`);
  const closing = await codeObiaAnswer(node, codeObiaAuthorization(target.sessionId, target.nonce, OTHER.privateKey));
  t.is(closing.status, 401);
  t.not(closing.json.sessionId, target.sessionId, 'the closed session is not offered again');
  t.regex(closing.json.error, /session is closed/);
  const after = await node.request('GET', '/api/sessions/this', { auth: null, headers: { authorization: `Handle sessionId="${target.sessionId}"` } });
  t.is(after.status, 401, 'the session is gone');
  // Every wrong answer counted against the failed-login limit: the next attempt, a right one, must wait.
  const limited = await codeObiaAnswer(node, codeObiaAuthorization(closing.json.sessionId, closing.json.nonce, KEY.privateKey));
  t.is(limited.status, 429);
});

test('handle clients: an answer that authenticated a session is refused when replayed', async (t) => {
  const node = await enterprise(t);
  const challenge = await axiosOpen(node);
  const authorization = codeObiaAuthorization(challenge.sessionId, challenge.nonce, KEY.privateKey);
  t.is((await codeObiaAnswer(node, authorization)).status, 200);
  const replayed = await codeObiaAnswer(node, authorization);
  t.is(replayed.status, 401);
  t.not(replayed.json.nonce, challenge.nonce, 'the answered nonce was spent');
});

test('handle clients: a request without a body is never refused for its content type, on any route', async (t) => {
  const node = await enterprise(t);
  await node.register(t, '88.118/NOBODY');
  const form = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' };
  const cases: ReadonlyArray<readonly [string, string, number]> = [
    ['POST', '/api/sessions', 201],
    ['GET', '/api/sessions/this', 200],
    ['POST', '/api/handles/88.118/NOBODY', 200],
    ['GET', '/api/handles/88.118/NOBODY', 200],
    ['POST', '/api/prefixes/88.118.5', 200],
    ['DELETE', '/api/handles/88.118/NOBODY', 200],
  ];
  for (const [method, path, status] of cases) {
    const reply = await node.request(method, path, { headers: form });
    t.is(reply.status, status, `${method} ${path}: ${reply.text}`);
  }
  // On PUT a body is the point: none at all is 400/4 (as an empty JSON body is), not 415; a form body stays 415.
  const empty = await node.request('PUT', '/api/handles/88.118/NOBODY-2', { headers: form });
  t.deepEqual([empty.status, empty.json.responseCode], [400, 4]);
  const formBody = await node.request('PUT', '/api/handles/88.118/NOBODY-2', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'index=1' });
  t.deepEqual([formBody.status, formBody.json.responseCode], [415, 4]);
  t.is(node.node.store.getRecord('88.118/NOBODY-2'), undefined);
  // A POST resolution ignores a body that is not JSON (Handle.net hasJsonEntity), and refuses JSON that is not an object.
  const ignored = await node.request('POST', '/api/handles/0.NA/88.118.8', { auth: null, headers: { 'content-type': 'text/plain' }, body: 'type=HS_SECKEY' });
  t.is(ignored.status, 200);
  const array = await node.request('POST', '/api/handles/0.NA/88.118.8', { auth: null, body: ['type'] });
  t.deepEqual([array.status, array.json.responseCode], [400, 4]);
});

test('handle clients: credentials in a sessions URL are refused; the query string is no place for a session id', async (t) => {
  const node = await enterprise(t);
  const challenge = await axiosOpen(node);
  for (const [method, path] of [['GET', `/api/sessions/this?sessionId=${challenge.sessionId}`], ['PUT', '/api/sessions/this?id=300:0.NA/88.118.8'], ['POST', '/api/sessions?cnonce=AAAA']] as const) {
    const reply = await node.request(method, path, { auth: null });
    t.deepEqual([reply.status, reply.json.responseCode], [400, 4], `${method} ${path}`);
  }
});
