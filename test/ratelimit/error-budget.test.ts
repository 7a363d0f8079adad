// The error budget charges probes and malformed requests (404, 401, 400…), not 409 answers to legitimate races.

import test from 'ava';
import { chargesErrorBudget } from '../../src/ratelimit/error-budget.js';
import { ADMIN, startNode } from '../support/node-under-test.js';

const RULE: readonly [number, boolean][] = [
  [200, false], [201, false], [204, false], [300, false], [304, false],
  [400, true], [401, true], [403, true], [404, true], [405, true], [408, true], [413, true], [415, true], [431, true],
  [409, false], [429, false],
  [500, false], [501, false], [503, false],
];

for (const [status, charged] of RULE) {
  test(`error budget: a ${status} answer ${charged ? 'is' : 'is not'} charged`, (t) => {
    t.is(chargesErrorBudget(status), charged);
  });
}

test('error budget: 100 parallel overwrite=false PUTs of one handle (one 201, 99 409) leave later requests unrefused; 404s still spend it', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '100000', IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '5' });
  const body = [{ index: 1, type: 'URL', data: 'https://example.cn/race' }];
  const replies = await Promise.all(Array.from({ length: 100 }, () => node.put('/api/handles/88.118/RACE?overwrite=false', body)));
  const statuses = replies.map((reply) => reply.status);
  t.is(statuses.filter((status) => status === 201).length, 1);
  t.is(statuses.filter((status) => status === 409).length, 99);
  const after = await Promise.all(Array.from({ length: 20 }, () => node.get('/api/handles/88.118/RACE')));
  t.deepEqual(after.map((reply) => reply.status), Array<number>(20).fill(200), 'no 429 after the conflicts');
  // The same budget does bite on not-found answers, so the check above could fail.
  const probes: number[] = [];
  for (let i = 0; i < 12; i += 1) probes.push((await node.get(`/api/handles/88.118/MISSING-${i}`)).status);
  t.true(probes.includes(429), probes.join(','));
});

test('error budget: failed credentials (401) spend it', async (t) => {
  const node = await startNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '100000', IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '5' });
  const wrong = { identity: ADMIN.identity, secret: 'wrong-secret-00000000' };
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1) statuses.push((await node.put(`/api/handles/88.118/W${i}`, [], { auth: wrong })).status);
  t.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  t.true(statuses.slice(7).every((status) => status === 429), statuses.join(','));
});
