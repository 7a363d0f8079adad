// The outbox's retry schedule (issue 14: "delivery is retried with backoff"): 250 ms doubling to the cap, ±20 % jitter.

import test from 'ava';
import { retryDelayMs } from '../../src/hierarchy/outbox-worker.js';

const middle = (): number => 0.5;

test('outbox: retries wait 250 ms, doubling after each failure, up to IDNODE_OUTBOX_RETRY_MAX_MS', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6, 9].map((failures) => retryDelayMs(failures, 60_000, middle)), [250, 500, 1000, 2000, 4000, 8000, 60_000]);
  t.is(retryDelayMs(1000, 60_000, middle), 60_000, 'no overflow after many failures');
  t.is(retryDelayMs(3, 400, middle), 400);
});

test('outbox: each wait is jittered within ±20 %', (t) => {
  t.is(retryDelayMs(3, 60_000, () => 0), 800);
  t.is(retryDelayMs(3, 60_000, () => 0.999_999), 1200);
});
