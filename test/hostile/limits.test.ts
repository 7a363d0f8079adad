// Hostile sizes (issue 3 "Hostile input"): oversized and endless bodies, deep nesting, huge value counts, too many
// query parameters, over-long headers and URLs — each refused with a clear error while memory stays bounded.

import { connect } from 'node:net';
import test from 'ava';
import { ADMIN, basicAuth, startNode, type NodeUnderTest } from '../support/node-under-test.js';
import { KeepAliveClient, sendRaw, upload, type WireReply } from './wire.js';

const LIMIT_BYTES = 262_144;
const AUTH = basicAuth(ADMIN.identity, ADMIN.secret);
const MIB = 1024 * 1024;

function putHead(node: NodeUnderTest, path: string, framing: string): string {
  return `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1:${node.port}\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
}

function values(count: number): { index: number; type: string; data: string }[] {
  return Array.from({ length: count }, (_, i) => ({ index: i + 1, type: 'URL', data: `https://example.cn/${i}` }));
}

// --- the hostile requests, each returning the node's answer -------------------------------------------------------

const HOSTILE = {
  /** Headers declaring a 1 GiB body, and not one byte of it. */
  declaredHuge: (node: NodeUnderTest) => sendRaw(node.port, Buffer.from(putHead(node, '/api/handles/88.118/BIG', `Content-Length: ${1024 * MIB}\r\nConnection: close`))),
  /** A chunked body that would grow to 16 MiB. */
  chunkedEndless: async (node: NodeUnderTest) => (await upload(node.port, putHead(node, '/api/handles/88.118/BIG', 'Transfer-Encoding: chunked'), 16 * MIB, { chunked: true })).reply,
  /** `[[[[…]]]]` 100,000 deep (200,000 bytes, within the body limit). */
  deepArrays: (client: KeepAliveClient) => client.request('PUT', '/api/handles/88.118/DEEP', { body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, auth: 'admin' }),
  /** `{"a":{"a":…}}` 20,000 deep, inside a value. */
  deepObjects: (client: KeepAliveClient) =>
    client.request('PUT', '/api/handles/88.118/DEEP', { body: `[{"index":1,"type":"HS_SITE","data":{"format":"site","value":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}]`, auth: 'admin' }),
  /** 3,000 values in one PUT. */
  manyValues: (client: KeepAliveClient) => client.request('PUT', '/api/handles/88.118/MANY', { body: JSON.stringify(values(3_000)), auth: 'admin' }),
  /** 65 query parameters. */
  manyParameters: (client: KeepAliveClient) => client.request('GET', `/api/handles/88.118/X?${Array.from({ length: 65 }, () => 'type=URL').join('&')}`),
  /** One 17 KiB header. */
  longHeader: (node: NodeUnderTest) => sendRaw(node.port, Buffer.from(`GET /api/handles/88.118/X HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ${'a'.repeat(17 * 1024)}\r\n\r\n`)),
  /** A 17 KiB URL. */
  longUrl: (node: NodeUnderTest) => sendRaw(node.port, Buffer.from(`GET /api/handles/88.118/${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)),
};

async function healthy(client: KeepAliveClient): Promise<boolean> {
  return (await client.request('GET', '/healthz')).status === 200;
}

test('limits: a body over IDNODE_BODY_LIMIT_BYTES with a declared Content-Length is 413 from the headers alone, and the connection is closed', async (t) => {
  const node = await startNode(t, { IDNODE_BODY_LIMIT_BYTES: String(LIMIT_BYTES) });
  // Not one byte of the body is sent: the answer can only come from the declared length.
  const reply = await HOSTILE.declaredHuge(node);
  t.is(reply.status, 413);
  t.is(reply.json?.responseCode, 4);
  t.is(reply.headers.connection, 'close');
  t.true(reply.closedByServer);
  // Without credentials the answer is the 401, also without reading the body.
  const anonymous = await sendRaw(node.port, Buffer.from(`PUT /api/handles/88.118/BIG HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * MIB}\r\nConnection: close\r\n\r\n`));
  t.is(anonymous.status, 401);
  t.is(node.node.store.getRecord('88.118/BIG'), undefined);
});

test('limits: a chunked body growing past IDNODE_BODY_LIMIT_BYTES is 413 and the connection is closed while the client is still sending', async (t) => {
  const node = await startNode(t, { IDNODE_BODY_LIMIT_BYTES: String(LIMIT_BYTES) });
  const result = await upload(node.port, putHead(node, '/api/handles/88.118/BIG', 'Transfer-Encoding: chunked'), 64 * MIB, { chunked: true });
  t.is(result.reply?.status, 413);
  t.is(result.reply?.json?.responseCode, 4);
  t.true(result.cutShort, `the client sent all ${result.sent} bytes: the server read an endless body to the end`);
  // The answer came once the limit was crossed, give or take the socket buffers — not after 64 MiB.
  t.true(result.sentWhenAnswered >= LIMIT_BYTES && result.sentWhenAnswered < LIMIT_BYTES + 8 * MIB, `answered after ${result.sentWhenAnswered} bytes`);
  t.is(node.node.store.getRecord('88.118/BIG'), undefined);
});

test('limits: JSON nested 100,000 deep (arrays, objects, on PUT and POST) is 400/4 and the node stays healthy', async (t) => {
  const node = await startNode(t, { IDNODE_BODY_LIMIT_BYTES: String(LIMIT_BYTES) });
  const client = new KeepAliveClient(t, node);
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const replies = [
    await HOSTILE.deepArrays(client),
    await HOSTILE.deepObjects(client),
    await client.request('POST', '/api/handles/88.118/X', { body: deep }),
    // Brackets inside strings do not count: a long string of them is not nesting.
    await client.request('PUT', '/api/handles/88.118/DEEP', { body: JSON.stringify([{ index: 1, type: 'DESC', data: '['.repeat(100_000) }]), auth: 'admin' }),
  ];
  for (const [i, reply] of replies.slice(0, 3).entries()) {
    t.is(reply.status, 400, `case ${i}: ${reply.text.slice(0, 200)}`);
    t.is(reply.json?.responseCode, 4, `case ${i}`);
  }
  t.is(replies[3]?.status, 201, replies[3]?.text.slice(0, 200));
  t.true(await healthy(client));
  t.is((await client.request('PUT', '/api/handles/88.118/AFTER', { body: JSON.stringify(values(1)), auth: 'admin' })).status, 201);
});

test('limits: 3,000 values in one PUT is 400/202 (TOO_MANY_VALUES); 2,048 is accepted and adding past 2,048 is refused', async (t) => {
  const node = await startNode(t);
  const client = new KeepAliveClient(t, node);
  const many = await HOSTILE.manyValues(client);
  t.is(many.status, 400);
  t.is(many.json?.responseCode, 202);
  t.is(node.node.store.getRecord('88.118/MANY'), undefined);
  t.is((await client.request('PUT', '/api/handles/88.118/MANY', { body: JSON.stringify(values(2_049)), auth: 'admin' })).status, 400);
  t.is((await client.request('PUT', '/api/handles/88.118/MANY', { body: JSON.stringify(values(2_048)), auth: 'admin' })).status, 201);
  // Adding one more value to a full record is the same refusal, and leaves the record as it was.
  const more = await client.request('PUT', '/api/handles/88.118/MANY?index=various', { body: JSON.stringify([{ index: 5_000, type: 'URL', data: 'x' }]), auth: 'admin' });
  t.is(more.status, 400);
  t.is(more.json?.responseCode, 202);
  t.is(node.node.store.getRecord('88.118/MANY')?.values.length, 2_048);
});

test('limits: more than 64 query parameters (a POST’s body fields included) is 400/4 on every handles route; 64 is accepted', async (t) => {
  const node = await startNode(t);
  const client = new KeepAliveClient(t, node);
  t.is((await client.request('PUT', '/api/handles/88.118/X', { body: JSON.stringify(values(1)), auth: 'admin' })).status, 201);
  const params = (n: number, name = 'type=URL') => Array.from({ length: n }, () => name).join('&');
  const refused = [
    await HOSTILE.manyParameters(client),
    await client.request('PUT', `/api/handles/88.118/X?${params(65, 'overwrite=true')}`, { body: JSON.stringify(values(1)), auth: 'admin' }),
    await client.request('DELETE', `/api/handles/88.118/X?${params(65, 'x')}`, { auth: 'admin' }),
    await client.request('GET', `/api/handles?prefix=88.118&${params(64, 'page=0')}`, { auth: 'admin' }),
    await client.request('GET', `/api/handles/88.118/X?${'&'.repeat(64)}`),
    // A POST's JSON body fields are query parameters too (reference §3.1).
    await client.request('POST', '/api/handles/88.118/X', { body: JSON.stringify({ type: Array.from({ length: 65 }, () => 'URL') }) }),
    await client.request('POST', `/api/handles/88.118/X?${params(60)}`, { body: JSON.stringify({ index: [1, 1, 1], type: ['URL', 'URL'] }) }),
  ];
  for (const [i, reply] of refused.entries()) {
    t.is(reply.status, 400, `case ${i}: ${reply.text.slice(0, 200)}`);
    t.is(reply.json?.responseCode, 4, `case ${i}`);
  }
  t.is(node.node.store.getRecord('88.118/X')?.values.length, 1, 'the refused PUT and DELETE changed nothing');
  const accepted = [
    await client.request('GET', `/api/handles/88.118/X?${params(64)}`),
    await client.request('POST', `/api/handles/88.118/X?${params(32)}`, { body: JSON.stringify({ type: Array.from({ length: 32 }, () => 'URL') }) }),
  ];
  for (const [i, reply] of accepted.entries()) {
    t.is(reply.status, 200, `accepted ${i}: ${reply.text.slice(0, 200)}`);
    t.is(reply.json?.responseCode, 1, `accepted ${i}`);
  }
});

test('limits: a header or a URL over 16 KiB is 431 with a JSON body, and the connection is closed', async (t) => {
  const node = await startNode(t);
  const manySmallHeaders = Array.from({ length: 1_500 }, (_, i) => `X-${i}: ${'v'.repeat(8)}`).join('\r\n');
  const replies: [string, WireReply][] = [
    ['one long header', await HOSTILE.longHeader(node)],
    ['a long URL', await HOSTILE.longUrl(node)],
    ['many small headers', await sendRaw(node.port, Buffer.from(`GET /api/handles/88.118/X HTTP/1.1\r\nHost: x\r\n${manySmallHeaders}\r\n\r\n`))],
  ];
  for (const [what, reply] of replies) {
    t.true(reply.status === 431 || reply.status === 414, `${what}: ${reply.status}`);
    t.is(reply.json?.responseCode, 4, what);
    t.regex(reply.headers['content-type'] ?? '', /^application\/json/, what);
    t.true(reply.closedByServer, what);
  }
  t.is((await node.get('/healthz')).status, 200);
});

// Serial: RSS is the whole test process's, so this runs before (not beside) the other tests of the file.
test.serial('limits: bursts of 50 concurrent hostile requests of each kind leave the RSS bounded and the node answering', async (t) => {
  t.timeout(120_000);
  const node = await startNode(t, { IDNODE_BODY_LIMIT_BYTES: String(LIMIT_BYTES) });
  const client = new KeepAliveClient(t, node);
  const burst = new KeepAliveClient(t, node, 50);
  const kinds: [string, () => Promise<{ status: number } | null>][] = [
    ['declared 1 GiB body', () => HOSTILE.declaredHuge(node)],
    ['endless chunked body', () => HOSTILE.chunkedEndless(node)],
    ['100,000-deep arrays', () => HOSTILE.deepArrays(burst)],
    ['20,000-deep objects', () => HOSTILE.deepObjects(burst)],
    ['3,000 values', () => HOSTILE.manyValues(burst)],
    ['65 query parameters', () => HOSTILE.manyParameters(burst)],
    ['17 KiB header', () => HOSTILE.longHeader(node)],
    ['17 KiB URL', () => HOSTILE.longUrl(node)],
  ];
  const expected: Record<string, number[]> = {
    'declared 1 GiB body': [413],
    'endless chunked body': [413],
    '100,000-deep arrays': [400],
    '20,000-deep objects': [400],
    '3,000 values': [400],
    '65 query parameters': [400],
    '17 KiB header': [431],
    '17 KiB URL': [431, 414],
  };
  // Warm up once (JIT, first allocations), then measure from there.
  for (const [, send] of kinds) await send();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  for (const [what, send] of kinds) {
    const replies = await Promise.all(Array.from({ length: 50 }, send));
    peak = Math.max(peak, process.memoryUsage().rss);
    t.deepEqual([...new Set(replies.map((r) => r?.status))].filter((s) => !expected[what]?.includes(s ?? 0)), [], what);
  }
  const growthMiB = (peak - baseline) / MIB;
  t.log(`RSS ${Math.round(baseline / MIB)} MiB before, peak growth ${growthMiB.toFixed(1)} MiB`);
  // 50 endless bodies buffered up to 16 MiB each would be 800 MiB; bounded reading keeps each under 256 KiB.
  t.true(growthMiB < 160, `RSS grew by ${growthMiB.toFixed(1)} MiB`);
  t.true(await healthy(client));
});

// Requests answered without their body being wanted: a refusal never reads (and discards) what the client sends.
const UNREAD: [string, (node: NodeUnderTest) => string, number][] = [
  ['401 (no credentials)', () => 'PUT /api/handles/88.118/UNREAD HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n', 401],
  ['405 (a verb the resource does not take)', () => 'PUT /healthz HTTP/1.1\r\nHost: x\r\n', 405],
  ['200 (a GET that declares a body)', () => 'GET /api/handles/88.118/UNREAD-GET HTTP/1.1\r\nHost: x\r\n', 200],
  ['404 (a GET that declares a body)', () => 'GET /api/handles/88.118/NOTHING HTTP/1.1\r\nHost: x\r\n', 404],
];

for (const [what, head, status] of UNREAD) {
  test(`limits: a ${what} answered before a chunked body is read closes the connection instead of reading 64 MiB`, async (t) => {
    const node = await startNode(t);
    await node.register(t, '88.118/UNREAD-GET');
    const result = await upload(node.port, `${head(node)}Transfer-Encoding: chunked\r\n\r\n`, 64 * MIB, { chunked: true });
    t.is(result.reply?.status, status);
    t.is(result.reply?.headers.connection, 'close');
    t.true(result.cutShort, `the client sent all ${result.sent} bytes`);
    t.is(node.node.store.getRecord('88.118/UNREAD'), undefined);
  });
}

test('limits: a request answered before its declared body arrives gets exactly one response, and the connection closes at once', async (t) => {
  const node = await startNode(t, { IDNODE_REQUEST_TIMEOUT_MS: '2000', IDNODE_HEADERS_TIMEOUT_MS: '1500' });
  for (const head of ['PUT /api/handles/88.118/HALF HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n', 'PUT /healthz HTTP/1.1\r\nHost: x\r\n']) {
    const started = Date.now();
    const { text, closedByServer } = await node.rawExchange(`${head}Content-Length: 100\r\n\r\n{"a"`);
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    t.is(statuses.length, 1, `${head}: ${statuses.join(', ')}`);
    t.true(closedByServer);
    t.true(Date.now() - started < 1500, `closed after ${Date.now() - started} ms, not at the request timeout`);
  }
});

test('limits: Expect: 100-continue gets 100 Continue only when the body is wanted', async (t) => {
  const node = await startNode(t);
  const body = JSON.stringify(values(1));
  const refused = await node.rawExchange(`PUT /api/handles/88.118/EXPECT HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
  t.regex(refused.text, /^HTTP\/1\.1 401 /, 'no 100 Continue before the refusal');
  t.false(refused.text.includes('100 Continue'));
  const tooBig = await node.rawExchange(`${putHead(node, '/api/handles/88.118/EXPECT', `Expect: 100-continue\r\nContent-Length: ${1024 * MIB}`)}`);
  t.regex(tooBig.text, /^HTTP\/1\.1 413 /);
  // The accepted case: the client waits for 100 Continue, then sends the body. Node hands an Expect naming
  // 100-continue among other tokens (or twice) to the same path, so those are answered too.
  const afterContinue = (handle: string, expect: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: node.port });
      let received = '';
      socket.setTimeout(5000, () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(body);
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(putHead(node, `/api/handles/${handle}`, `Expect: ${expect}\r\nContent-Length: ${body.length}\r\nConnection: close`));
    });
  for (const [handle, expect] of [['88.118/EXPECT', '100-continue'], ['88.118/EXPECT-2', '100-continue, x-other'], ['88.118/EXPECT-3', '100-Continue\r\nExpect: 100-continue']] as const) {
    t.regex(await afterContinue(handle, expect), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /, expect);
    t.is(node.node.store.getRecord(handle)?.values.length, 1, expect);
  }
});
