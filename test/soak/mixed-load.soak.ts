// The long mixed load behind `npm run soak`: 60 s of full-speed resolves while writers register and update (issue 3).

import test from 'ava';
import { checkMixedLoad } from '../support/mixed-load-check.js';
import { runMixedLoad } from '../support/mixed-load.js';

test('load soak: 60 s of resolves at full speed while writers register and update — no errors, no stale reads, WAL and RSS bounded', async (t) => {
  t.timeout(5 * 60_000);
  const report = await runMixedLoad(t, { durationSeconds: 60, writers: 8, connections: 50 });
  // 60 s of writes fill the 1,000-page WAL several times over: it must be restarted during the load, not only while seeding.
  checkMixedLoad(t, report, { walRestartsDuringLoad: 1 });
});
