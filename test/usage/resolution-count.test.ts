// Which resolutions the monthly report counts: every answer with the identifier's values, by any route; never a
// not-found answer or a prefix referral.

import test from 'ava';
import { ADMIN, startNode } from '../support/node-under-test.js';

test('usage: resolutions with values are counted per prefix whatever the route; not-found and referrals are not', async (t) => {
  const node = await startNode(t);
  await node.register(t, '88.118/R');
  t.is((await node.put('/api/handles/0.NA/88.118.8', [{ index: 1, type: 'HS_SITE.PREFIX', data: 'somewhere' }])).status, 201);
  await node.register(t, '88.118.8/S');
  const answers = [
    await node.get('/api/handles/88.118/R'), // fast path, cache miss
    await node.get('/api/handles/88.118/r'), // fast path, cache hit
    await node.get('/api/handles/88.118/R?type=URL'), // Koa route, filtered
    await node.request('POST', '/api/handles/88.118/R', { auth: null }), // POST resolution
    await node.get('/api/handles/88.118/R', { auth: ADMIN }), // authenticated: from the store
    await node.get('/api/handles/88.118.8/S'),
  ];
  t.deepEqual(answers.map((reply) => reply.status), [200, 200, 200, 200, 200, 200]);
  t.is((await node.get('/api/handles/88.118/MISSING')).status, 404);
  t.is((await node.get('/api/handles/88.118/MISSING')).status, 404);
  t.is((await node.get('/api/handles/0.NA/88.118.8.1')).status, 300, 'a referral');
  await node.node.usage.flush();
  const day = node.node.store.usage.dayOf(node.clock.ms);
  const counts = node.node.store.usage.countsBetween(day, day).map((row) => [row.prefixKey, row.resolved]);
  t.deepEqual(
    counts.filter(([, resolved]) => (resolved as number) > 0),
    [['88.118', 5], ['88.118.8', 1]],
  );
});
