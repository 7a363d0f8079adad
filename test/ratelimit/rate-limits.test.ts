// Rate limits: budgets per client network and identity on an injected clock, bounded state, and the budgets over real HTTP.

import test from 'ava';
import { RateLimits } from '../../src/ratelimit/rate-limits.js';
import { ADMIN, startNode } from '../support/node-under-test.js';

function limits(overrides: Partial<ConstructorParameters<typeof RateLimits>[0]> = {}): RateLimits {
  return new RateLimits({
    perClientPerSecond: 100,
    errorsPerClientPerSecond: 10,
    perIdentityPerSecond: 100,
    failedLoginsPerMinute: 3,
    tableSize: 65536,
    ...overrides,
  });
}

test('rate limit: a client network gets exactly its budget per second, then waits for the window to end', (t) => {
  const clock = { ms: 1_000_000 };
  const l = limits({ perClientPerSecond: 3, nowMs: () => clock.ms });
  const bucket = l.bucketOf('198.51.100.0/24');
  t.deepEqual([0, 1, 2].map(() => l.admitRequest(bucket)), [null, null, null]);
  clock.ms += 400;
  t.is(l.admitRequest(bucket), 1, 'refused, retry in the window that is left (rounded up)');
  t.is(l.admitRequest(l.bucketOf('203.0.113.0/24')), null, 'another network is not');
  clock.ms += 600;
  t.is(l.admitRequest(bucket), null, 'a new window');
});

test('rate limit: overdrawing the error budget refuses the network until its window ends', (t) => {
  const clock = { ms: 1_000_000 };
  const l = limits({ perClientPerSecond: 1000, errorsPerClientPerSecond: 2, nowMs: () => clock.ms });
  const bucket = l.bucketOf('198.51.100.0/24');
  for (let i = 0; i < 2; i += 1) l.chargeError(bucket);
  t.is(l.admitRequest(bucket), null, 'within the error budget');
  l.chargeError(bucket);
  t.is(l.admitRequest(bucket), 1);
  clock.ms += 1000;
  t.is(l.admitRequest(bucket), null);
});

test('rate limit: an identity over its per-second budget waits; another identity does not', (t) => {
  const clock = { ms: 1_000_000 };
  const l = limits({ perIdentityPerSecond: 2, nowMs: () => clock.ms });
  t.deepEqual([0, 1].map(() => l.admitIdentity('300:0.NA/88.118.8')), [null, null]);
  t.is(l.admitIdentity('300:0.NA/88.118.8'), 1);
  t.is(l.admitIdentity('300:0.NA/88.118.9'), null);
  clock.ms += 1000;
  t.is(l.admitIdentity('300:0.NA/88.118.8'), null);
});

test('rate limit: limiter state is fixed tables of tableSize slots, however many client networks appear', (t) => {
  const l = limits({ tableSize: 16, perClientPerSecond: 1_000_000 });
  for (let i = 0; i < 20_000; i += 1) l.admitRequest(l.bucketOf(`10.${(i >> 8) & 255}.${i & 255}.0/24`));
  const tables = l as unknown as { requests: { used: Uint32Array; windowEnds: Float64Array }; refusedUntil: Float64Array };
  t.deepEqual([tables.requests.used.length, tables.requests.windowEnds.length, tables.refusedUntil.length], [16, 16, 16]);
  t.true(new Set(Array.from({ length: 1000 }, (_, i) => l.bucketOf(`net-${i}`))).size <= 16);
});

test('rate limit: over the per-client budget a client gets 429 with Retry-After and responseCode 3; ops stay reachable', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '20' });
  await node.register(t, '88.118/LIMITED');
  const replies = await Promise.all(Array.from({ length: 40 }, () => node.get('/api/handles/88.118/LIMITED')));
  const refused = replies.filter((reply) => reply.status === 429);
  t.true(refused.length >= 15, `${refused.length} refused`);
  t.is(refused[0]?.json.responseCode, 3);
  t.regex(String(refused[0]?.headers['retry-after']), /^[1-9]\d*$/);
  t.is((await node.get('/healthz')).status, 200);
});

test('rate limit: a random-suffix flood spends its tighter error budget without touching another client', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '10000', IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '5', IDNODE_TRUSTED_PROXIES: '127.0.0.1' });
  await node.register(t, '88.118/REAL');
  const flooder = { 'x-forwarded-for': '198.51.100.7' };
  const statuses: number[] = [];
  for (let i = 0; i < 10; i += 1) statuses.push((await node.get(`/api/handles/88.118/NOPE-${i}`, { headers: flooder })).status);
  t.deepEqual(statuses.slice(0, 5), [404, 404, 404, 404, 404]);
  // The verdict lands right after the answer that spent the budget: a budget of 5 admits at most 6.
  t.true(statuses.slice(6).every((status) => status === 429), statuses.join(','));
  t.is((await node.get('/api/handles/88.118/REAL', { headers: flooder })).status, 429, 'the flooder is refused for the window');
  t.is((await node.get('/api/handles/88.118/REAL', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200, 'another client is not');
});

test('rate limit: failed logins are limited per client and identity, even with the right secret afterwards', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_FAILED_LOGINS: '3' });
  const wrong = { identity: ADMIN.identity, secret: 'wrong-secret-00000000' };
  for (let i = 0; i < 3; i += 1) t.is((await node.put(`/api/handles/88.118/L${i}`, [], { auth: wrong })).status, 401);
  const blocked = await node.put('/api/handles/88.118/L3', []);
  t.is(blocked.status, 429);
  t.is(blocked.json.responseCode, 3);
  t.is(node.node.store.getRecord('88.118/L3'), undefined);
});

test('rate limit: an identity over its per-second budget gets 429', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_IDENTITY: '5' });
  const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => node.put(`/api/handles/88.118/I${i}`, [])));
  const statuses = replies.map((reply) => reply.status);
  t.true(statuses.filter((status) => status === 429).length >= 5, statuses.join(','));
  t.true(statuses.filter((status) => status === 201).length <= 5, statuses.join(','));
});

test('rate limit: requests pipelined on one connection stop at the budget even when parsed in one turn', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '20' });
  await node.register(t, '88.118/PIPE');
  node.clock.advance(1100); // the registration's own request leaves the window
  const one = 'GET /api/handles/88.118/PIPE HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const { text } = await node.rawExchange(`${one.repeat(299)}${one.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')}`);
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
  t.is(statuses.length, 300);
  t.is(statuses.filter((status) => status === 200).length, 20, 'exactly the budget is admitted');
  t.is(statuses.filter((status) => status === 429).length, 280);
});

test('rate limit: pipelined not-found answers stop at the error budget', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '10000', IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '5' });
  const lines = Array.from({ length: 200 }, (_, i) => `GET /api/handles/88.118/NONE-${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n${i === 199 ? 'Connection: close\r\n' : ''}\r\n`);
  const { text } = await node.rawExchange(lines.join(''));
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
  t.is(statuses.length, 200);
  // The answer that overdraws the budget is already given; the network is refused from the next one on.
  t.is(statuses.filter((status) => status === 404).length, 6, statuses.slice(0, 12).join(','));
});

test('rate limit: a 429 carries CORS for a browser caller and keeps the Handle dialect on /api with a query', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '1' });
  const replies = await Promise.all(Array.from({ length: 4 }, () => node.get('/api?x=1', { headers: { origin: 'https://app.example.cn' } })));
  const refused = replies.filter((reply) => reply.status === 429);
  t.true(refused.length >= 2, replies.map((reply) => reply.status).join(','));
  for (const reply of refused) {
    t.is(reply.headers['access-control-allow-origin'], '*');
    t.is(reply.json.responseCode, 3);
  }
});
