// The in-memory resolution tally: counts per prefix in cells that last, bounded, drained and restored.

import test from 'ava';
import { OTHER_PREFIXES, ResolutionTally } from '../../src/usage/resolution-tally.js';

test('resolution tally: counts per prefix; a drain returns the counts and zeroes them', (t) => {
  const tally = new ResolutionTally(10);
  for (let i = 0; i < 3; i += 1) tally.resolved('88.118.1');
  tally.resolved('88.118.2');
  t.deepEqual(tally.drain(), [['88.118.1', 3], ['88.118.2', 1]]);
  t.deepEqual(tally.drain(), []);
  tally.resolved('88.118.2');
  t.deepEqual(tally.drain(), [['88.118.2', 1]]);
});

test('resolution tally: a cell handed out (as the resolve cache keeps it) keeps counting across drains', (t) => {
  const tally = new ResolutionTally(10);
  const cell = tally.cell('88.118.1');
  t.is(tally.cell('88.118.1'), cell);
  cell.count += 2;
  t.deepEqual(tally.drain(), [['88.118.1', 2]]);
  cell.count += 1;
  tally.resolved('88.118.1');
  t.deepEqual(tally.drain(), [['88.118.1', 2]]);
});

test('resolution tally: past its bound, new prefixes share one cell', (t) => {
  const tally = new ResolutionTally(2);
  for (const prefix of ['A', 'B', 'C', 'D', 'A', 'C']) tally.resolved(prefix);
  t.is(tally.cell('C'), tally.cell('D'));
  t.deepEqual(tally.drain(), [['A', 2], ['B', 1], [OTHER_PREFIXES, 3]]);
});

test('resolution tally: counts a failed flush could not store are restored for the next one', (t) => {
  const tally = new ResolutionTally(1);
  tally.resolved('A');
  tally.resolved('B');
  const drained = tally.drain();
  tally.resolved('A');
  tally.restore(drained);
  t.deepEqual(tally.drain(), [['A', 2], [OTHER_PREFIXES, 1]]);
});
