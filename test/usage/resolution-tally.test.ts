// The in-memory resolution tally: counts per prefix, bounded, drained and restored.

import test from 'ava';
import { OTHER_PREFIXES, ResolutionTally } from '../../src/usage/resolution-tally.js';

test('resolution tally: counts per prefix; a drain returns the counts and zeroes them', (t) => {
  const tally = new ResolutionTally(10, () => t.fail('not full'));
  for (let i = 0; i < 3; i += 1) tally.resolved('88.118.1');
  tally.resolved('88.118.2');
  t.deepEqual(tally.drain(), [['88.118.1', 3], ['88.118.2', 1]]);
  t.deepEqual(tally.drain(), []);
  tally.resolved('88.118.2');
  t.deepEqual(tally.drain(), [['88.118.2', 1]]);
});

test('resolution tally: past its bound, new prefixes share one cell and ask once for an early flush', (t) => {
  let asked = 0;
  const tally = new ResolutionTally(2, () => (asked += 1));
  for (const prefix of ['A', 'B', 'C', 'D', 'A', 'C']) tally.resolved(prefix);
  t.is(asked, 1);
  t.deepEqual(tally.drain(), [['A', 2], ['B', 1], [OTHER_PREFIXES, 3]]);
  // Drained, a full table starts afresh: the next prefixes seen get their own cells.
  tally.resolved('C');
  t.deepEqual(tally.drain(), [['C', 1]]);
});

test('resolution tally: counts a failed flush could not store are restored for the next one', (t) => {
  const tally = new ResolutionTally(10, () => {});
  tally.resolved('A');
  tally.resolved('B');
  const drained = tally.drain();
  tally.resolved('A');
  tally.restore(drained);
  t.deepEqual(tally.drain(), [['A', 2], ['B', 1]]);
});
