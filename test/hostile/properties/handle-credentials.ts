// Property: any `Authorization` header — Handle challenge parameters in any spelling, quoting and separators,
// live, closed and unknown session ids, garbage of every scheme, Latin-1 bytes — on any route, the sessions API
// included, is answered in the Handle dialect: never a 5xx, a 401 always with a Handle challenge, a 401 on
// /api/sessions always `{sessionId, nonce, error}`, and no write ever succeeds (no generated answer is valid).

import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import type { Reply } from '../../support/node-under-test.js';
import { KeepAliveClient } from '../wire.js';
import { assertNodeSurvived, assertProperty, startPropertyNode, timeoutFor, type PropertyRuns } from './runs.js';

const PUBLIC = '/api/handles/88.118/FUZZ-PUBLIC';
const WRITTEN = '/api/handles/88.118/FUZZ-WRITE';
const URL_VALUE = [{ index: 1, type: 'URL', data: 'https://example.cn/fuzz' }];

interface Target {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
}

const TARGETS: readonly Target[] = [
  { method: 'GET', path: PUBLIC },
  { method: 'POST', path: PUBLIC, body: '{"pretty":true}' },
  { method: 'PUT', path: WRITTEN, body: JSON.stringify(URL_VALUE) },
  { method: 'DELETE', path: PUBLIC },
  { method: 'GET', path: '/api/site' },
  { method: 'POST', path: '/api/sessions' },
  { method: 'GET', path: '/api/sessions/this' },
  { method: 'PUT', path: '/api/sessions/this' },
  { method: 'DELETE', path: '/api/sessions/this' },
];

/** Header text Node's client will send: every character mapped into printable ASCII or Latin-1 (0x80–0xFF). */
function headerSafe(text: string): string {
  return [...text].map((c) => {
    const code = c.codePointAt(0) ?? 0x3f;
    return (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff) ? c : String.fromCharCode(0x80 + (code % 0x80));
  }).join('');
}

const KEYS = ['sessionId', 'SESSIONID', 'id', 'type', 'cnonce', 'alg', 'signature', 'salt', 'iterations', 'length', 'version', 'clientCert', 'x-ext', 'nonce', 'n0'];

/** The live values a header may name: a session opened now and never answered, one closed, one never issued. */
interface Sessions {
  open: string;
  closed: string;
}

const values = (sessions: Sessions) =>
  fc.oneof(
    fc.constantFrom(sessions.open, sessions.closed, 'never-issued', '', 'HS_PUBKEY', 'HS_SECKEY', 'SHA256', 'PBKDF2-HMAC-SHA1', '300:0.NA/88.118', '300%3A0.NA%2F88.118', 'AAAAAAAAAAAAAAAAAAAAAA==', '0', '1', '%', '%E6%B5%8B'),
    fc.string({ maxLength: 24 }).map(headerSafe),
    fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  );

const handleHeaders = (sessions: Sessions) =>
  fc
    .tuple(
      fc.constantFrom('Handle ', 'handle ', 'HANDLE  ', 'Handle\t'),
      fc.array(fc.tuple(fc.constantFrom(...KEYS), values(sessions), fc.constantFrom('"', '', '"', "'"), fc.constantFrom(', ', ',', ',, ', ' , ', ' ')), { maxLength: 7 }),
      fc.constantFrom('', ',', ' ', '"'),
    )
    .map(([scheme, params, tail]) => `${scheme}${params.map(([k, v, q, sep], i) => `${i === 0 ? '' : sep}${k}=${q}${q === '"' ? v.replace(/["\\]/g, '\\$&') : v}${q}`).join('')}${tail}`);

const headers = (sessions: Sessions) =>
  fc.oneof(
    { weight: 6, arbitrary: handleHeaders(sessions) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `Handle ${headerSafe(s)}`) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(headerSafe) },
  );

function fail(message: string, reply: Reply): never {
  throw new Error(`${message}: got ${reply.status} ${JSON.stringify(reply.headers['www-authenticate'] ?? '')} ${reply.text.slice(0, 300)}`);
}

export function handleCredentialsProperty(runs: PropertyRuns): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    t.timeout(timeoutFor(runs));
    const node = await startPropertyNode(t);
    const client = new KeepAliveClient(t, node);
    t.is((await client.request('PUT', PUBLIC, { auth: 'admin', body: JSON.stringify(URL_VALUE) })).status, 201);
    const open = (await client.request('POST', '/api/sessions')).json.sessionId as string;
    const closed = (await client.request('POST', '/api/sessions')).json.sessionId as string;
    t.is((await client.request('DELETE', '/api/sessions/this', { headers: { authorization: `Handle sessionId="${closed}"` } })).status, 204);
    const recordBefore = JSON.stringify(node.node.store.getRecord('88.118/FUZZ-PUBLIC'));
    let executed = 0;
    const statuses = new Map<number, number>();
    await assertProperty(
      fc.asyncProperty(headers({ open, closed }), fc.constantFrom(...TARGETS), async (authorization, target) => {
        executed += 1;
        const body = target.body;
        const reply = await client.request(target.method, target.path, { headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body }) });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const what = `${target.method} ${target.path} with ${JSON.stringify(authorization)}`;
        if (reply.status >= 500) fail(`${what}: never a 5xx`, reply);
        if ((target.method === 'PUT' || target.method === 'DELETE') && target.path.startsWith('/api/handles/') && reply.status < 400) fail(`${what}: no write may succeed`, reply);
        if (reply.status === 401) {
          if (!/^Handle sessionId="[^"]+", nonce="[^"]+"/.test(String(reply.headers['www-authenticate']))) fail(`${what}: a 401 carries a Handle challenge`, reply);
          if (target.path.startsWith('/api/sessions')) {
            const json = reply.json as { sessionId?: unknown; nonce?: unknown; error?: unknown } | undefined;
            if (typeof json?.sessionId !== 'string' || typeof json.nonce !== 'string' || typeof json.error !== 'string') fail(`${what}: a sessions 401 is {sessionId, nonce, error}`, reply);
          } else if (reply.text !== '' && reply.json?.responseCode !== 402) fail(`${what}: failed credentials get an empty body`, reply);
        } else if (reply.status !== 204 && reply.json === undefined && !reply.text.startsWith('{')) {
          fail(`${what}: every answer is JSON`, reply);
        }
      }),
      runs,
    );
    t.log(`statuses: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    t.is(node.node.store.getRecord('88.118/FUZZ-WRITE'), undefined, 'nothing was written');
    t.is(JSON.stringify(node.node.store.getRecord('88.118/FUZZ-PUBLIC')), recordBefore, 'nothing was changed or deleted');
    await assertNodeSurvived(t, node, executed, runs);
  };
}
