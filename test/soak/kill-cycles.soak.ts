// The long kill-cycle run behind `npm run soak` (issue 3): 300 SIGKILLs under concurrent writes, same checks as
// test/durability/kill-cycles.test.ts. IDNODE_KILL_SEED=<n> replays a run; IDNODE_KILL_CYCLES=<n> changes its length.

import test from 'ava';
import { runKillCycles, seedFrom } from '../support/kill-cycles.js';

const CYCLES = /^\d+$/.test(process.env.IDNODE_KILL_CYCLES ?? '') ? Number(process.env.IDNODE_KILL_CYCLES) : 300;

test(`kill cycles soak: ${CYCLES} SIGKILLs under concurrent single and many-valued writes lose no acknowledged write and leave no mixed record`, async (t) => {
  t.timeout(Math.max(10, CYCLES * 6) * 1000);
  const seed = seedFrom('IDNODE_KILL_SEED');
  t.log(`seed ${seed} (replay with IDNODE_KILL_SEED=${seed})`);
  const report = await runKillCycles(t, { cycles: CYCLES, seed, workers: 8, batchHandles: 16, maxRunMs: 1000 });
  t.log(
    `${report.cycles} kills in ${(report.elapsedMs / 1000).toFixed(1)} s: ${report.acknowledged.singles} single and ` +
      `${report.acknowledged.batches} many-valued writes acknowledged (${report.acknowledged.batchValues} values); ` +
      `${report.unanswered} unanswered at a kill (${report.unansweredApplied} of them committed); ` +
      `${report.killsDuringBatch} kills with a many-valued write in flight`,
  );
  t.deepEqual(report.violations, [], `seed ${seed}`);
  t.true(report.acknowledged.singles >= CYCLES, 'single writes were acknowledged');
  t.true(report.acknowledged.batches >= CYCLES / 2, 'many-valued writes were acknowledged');
  t.true(report.killsDuringBatch >= CYCLES / 5, 'many kills hit a many-valued write in flight');
});
