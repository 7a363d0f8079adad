// The short mixed load in `npm test`: about 5 s of full-speed resolves while writers register and update (issue 3).

import test from 'ava';
import { checkMixedLoad } from '../support/mixed-load-check.js';
import { runMixedLoad } from '../support/mixed-load.js';

test('load: resolves at full speed while writers register and update — no errors, no stale reads, WAL and RSS bounded', async (t) => {
  t.timeout(90_000);
  const report = await runMixedLoad(t, { durationSeconds: 5, writers: 4, connections: 20 });
  checkMixedLoad(t, report);
});
