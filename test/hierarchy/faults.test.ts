// Faults under load (issue 14): a secondary node SIGKILLed and restarted, the top-level node stopped, a slow upstream —
// no acknowledged registration is lost, every resolution gets an answer or a clear error within its timeout, and the
// outbox drains when the peer returns. Here the top-level node is down 2 s; `npm run soak` and
// `npm run demo:hierarchy -- --faults` run the same with it down 10 s.

import test from 'ava';
import { checkFaultsUnderLoad } from '../support/hierarchy-faults.js';

test('faults: SIGKILL of a secondary node, the top-level node down, a slow upstream — nothing acknowledged lost, every resolution answered in time, outboxes drained', async (t) => {
  t.timeout(120_000);
  await checkFaultsUnderLoad(t, 2000);
});
