// The faults-under-load check of test/hierarchy/faults.test.ts with the top-level node down 10 s, as issue 14 states
// it (too long for `npm test`): nothing acknowledged lost, every resolution answered in time, outboxes drained.

import test from 'ava';
import { checkFaultsUnderLoad } from '../support/hierarchy-faults.js';

test('hierarchy faults soak: the top-level node down 10 s, a secondary node SIGKILLed and restarted, a slow upstream', async (t) => {
  t.timeout(300_000);
  await checkFaultsUnderLoad(t, 10_000);
});
