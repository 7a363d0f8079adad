// Availability from recorded runs: the union of up intervals within the observed part of a month.

import test from 'ava';
import type { NodeRun } from '../../src/store/usage-tables.js';
import { availabilityOf } from '../../src/usage/monthly-report.js';
import { HEARTBEAT_INTERVAL_MS } from '../../src/usage/usage-recorder.js';

const H = 3_600_000;
const FROM = 0;
const TO = 100 * H;
const LATER = 1000 * H;

const run = (startedAtMs: number, lastSeenAtMs: number, stoppedAtMs: number | null = null): NodeRun => ({ startedAtMs, lastSeenAtMs, stoppedAtMs });

const cases: { title: string; runs: NodeRun[]; first?: number; now?: number; up: number; observed: number; starts: number; unclean: number }[] = [
  { title: 'one run up all month, stopped after it', runs: [run(-H, 101 * H, 101 * H)], first: -H, up: 100 * H, observed: 100 * H, starts: 0, unclean: 0 },
  { title: 'a graceful stop is down until the next start', runs: [run(-H, 40 * H, 40 * H), run(50 * H, 200 * H, 200 * H)], first: -H, up: 90 * H, observed: 100 * H, starts: 1, unclean: 0 },
  { title: 'a crash is down from the last heartbeat', runs: [run(-H, 30 * H), run(31 * H, 200 * H, 200 * H)], first: -H, up: 99 * H, observed: 100 * H, starts: 1, unclean: 1 },
  { title: 'overlapping runs (two processes on one store) count once', runs: [run(0, 60 * H, 60 * H), run(20 * H, 80 * H, 80 * H)], first: 0, up: 80 * H, observed: 100 * H, starts: 2, unclean: 0 },
  { title: 'the month before the first start is not observed', runs: [run(25 * H, 200 * H, 200 * H)], first: 25 * H, up: 75 * H, observed: 75 * H, starts: 1, unclean: 0 },
  { title: 'a run with a recent heartbeat is up to now', runs: [run(0, 50 * H - HEARTBEAT_INTERVAL_MS)], first: 0, now: 50 * H, up: 50 * H, observed: 50 * H, starts: 1, unclean: 0 },
  { title: 'a run whose heartbeat stopped long ago is down since', runs: [run(0, 10 * H)], first: 0, now: 50 * H, up: 10 * H, observed: 50 * H, starts: 1, unclean: 1 },
  { title: 'nothing on record: nothing observed', runs: [], up: 0, observed: 0, starts: 0, unclean: 0 },
];

for (const each of cases) {
  test(`availability: ${each.title}`, (t) => {
    const result = availabilityOf(each.runs, FROM, TO, each.first ?? null, each.now ?? LATER);
    t.is(result.upMs, each.up);
    t.is(result.observedMs, each.observed);
    t.is(result.ratio, each.observed === 0 ? null : each.up / each.observed);
    t.is(result.starts, each.starts);
    t.is(result.uncleanStops, each.unclean);
  });
}
