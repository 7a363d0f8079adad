// The monthly report's figures against a known data set built through real nodes over HTTP, with injected time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { openTestStore } from '../support/test-store.js';
import { sqliteOnlyTest } from '../support/engine-test.js';
import { monthlyReport, type MonthlyReport } from '../../src/usage/monthly-report.js';
import { reportCsv, reportTable } from '../../src/usage/report-format.js';
import { runCli, serveEnv } from '../support/serve-process.js';
import { NODE_PREFIX, startNode, TestClock, type NodeUnderTest } from '../support/node-under-test.js';

/** An instant in China Standard Time (UTC+8), the report's calendar. */
function cst(month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(2026, month - 1, day, hour - 8, minute);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function ok(t: ExecutionContext, reply: Promise<{ status: number; text: string }>, status: number): Promise<void> {
  const answer = await reply;
  t.is(answer.status, status, answer.text);
}

async function resolveTimes(t: ExecutionContext, node: NodeUnderTest, handle: string, times: number, status = 200): Promise<void> {
  for (let i = 0; i < times; i += 1) await ok(t, node.get(`/api/handles/${handle}`), status);
}

/** Moves the clock to `ms` and flushes, as the node's timer does every few seconds and at each midnight on the way. */
async function moveTo(clock: TestClock, node: NodeUnderTest, ms: number): Promise<void> {
  clock.ms = ms;
  await node.node.usage.flush();
}

/**
 * October: three enterprise prefixes and a derived one, two identifiers under 88.118.1 and one under the node prefix,
 * two resolutions. November: a graceful stop (Nov 10 00:30 → Nov 12 00:30 down), a crash (down from the last
 * heartbeat at Nov 12 01:00 to the next start at 03:00), identifiers created, changed and deleted, resolutions of
 * found and unknown identifiers, and resolutions just before and after midnight at the month's end.
 */
async function buildDataSet(t: ExecutionContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { IDNODE_DB_PATH: join(dir, 'idnode.db') };

  const clock = new TestClock(cst(10, 20, 10));
  const first = await startNode(t, env, clock);
  for (const prefix of ['88.118.1', '88.118.2', '88.118.3', '88.118.1.5']) {
    await ok(t, first.put(`/api/handles/0.NA/${prefix}`, [{ index: 1, type: 'DESC', data: `enterprise ${prefix}` }]), 201);
  }
  for (const handle of ['88.118.1/A', '88.118.1/B', '88.118/N']) await first.register(t, handle);
  await resolveTimes(t, first, '88.118.1/A', 2);
  await first.node.usage.flush();

  await moveTo(clock, first, cst(11, 1, 0, 30));
  for (const handle of ['88.118.1/C', '88.118.1.5/D', '88.118.2/E']) await first.register(t, handle);
  await ok(t, first.put('/api/handles/88.118.1/A', [{ index: 1, type: 'URL', data: 'https://example.cn/a2' }]), 200);
  await ok(t, first.delete('/api/handles/88.118.1/B'), 200);
  await resolveTimes(t, first, '88.118.1/A', 3);
  await resolveTimes(t, first, '88.118.2/E', 1);
  await resolveTimes(t, first, '88.118.1.5/D', 2);
  await resolveTimes(t, first, '88.118.3/NOPE', 2, 404);
  await moveTo(clock, first, cst(11, 10, 0, 30));
  await first.node.close();

  clock.ms = cst(11, 12, 0, 30);
  const second = await startNode(t, env, clock);
  await resolveTimes(t, second, '88.118.1/C', 5);
  await moveTo(clock, second, cst(11, 12, 1, 0));
  // Killed: its store and its writer thread go away without a stop event; its last heartbeat was the flush above.
  await second.node.writes.close();
  second.node.store.close();

  clock.ms = cst(11, 12, 3, 0);
  const third = await startNode(t, env, clock);
  await moveTo(clock, third, cst(11, 30, 23, 59));
  await resolveTimes(t, third, '88.118.2/E', 1);
  await moveTo(clock, third, cst(12, 1, 0, 0));
  clock.ms = cst(12, 1, 0, 0) + 30_000;
  await resolveTimes(t, third, '88.118.2/E', 1);
  await moveTo(clock, third, cst(12, 1, 10, 0));
  await third.node.close();
  return env.IDNODE_DB_PATH;
}

function reportOf(t: ExecutionContext, path: string, month: string): MonthlyReport {
  const store = openTestStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  return monthlyReport(store.usage, month, NODE_PREFIX, cst(12, 6, 9));
}

const row = (report: MonthlyReport, prefix: string) => report.prefixes.find((figures) => figures.prefix === prefix);

test('report: November figures per prefix, enterprises and availability equal the data set', async (t) => {
  const path = await buildDataSet(t);
  const report = reportOf(t, path, '2026-11');
  t.is(report.utcOffset, '+08:00');
  t.deepEqual(
    report.prefixes.map((figures) => figures.prefix),
    ['88.118', '88.118.1', '88.118.1.5', '88.118.2', '88.118.3'],
    'every prefix homed by the month end, in dotted order; prefix records (0.NA) are not identifiers',
  );
  t.deepEqual(row(report, '88.118'), { prefix: '88.118', enterprise: null, identifiers: 1, registered: 0, updated: 0, deleted: 0, resolutions: 0 });
  t.deepEqual(row(report, '88.118.1'), { prefix: '88.118.1', enterprise: '88.118.1', identifiers: 2, registered: 1, updated: 1, deleted: 1, resolutions: 8 });
  t.deepEqual(row(report, '88.118.1.5'), { prefix: '88.118.1.5', enterprise: '88.118.1', identifiers: 1, registered: 1, updated: 0, deleted: 0, resolutions: 2 });
  t.deepEqual(row(report, '88.118.2'), { prefix: '88.118.2', enterprise: '88.118.2', identifiers: 1, registered: 1, updated: 0, deleted: 0, resolutions: 2 });
  t.deepEqual(row(report, '88.118.3'), { prefix: '88.118.3', enterprise: '88.118.3', identifiers: 0, registered: 0, updated: 0, deleted: 0, resolutions: 0 });
  t.deepEqual(report.total, { identifiers: 5, registered: 3, updated: 1, deleted: 1, resolutions: 12 });
  t.is(report.enterprises, 3);
  t.is(report.activeEnterprises, 2, '88.118.1 (with its derived 88.118.1.5) and 88.118.2 wrote identifiers; 88.118.3 did not');

  const { availability } = report;
  t.is(availability.observedMs, 30 * DAY);
  t.is(availability.observedMs - availability.upMs, 2 * DAY + 2 * HOUR, 'two days stopped, two hours from the crashed run’s last heartbeat to the next start');
  t.is(availability.starts, 2);
  t.is(availability.uncleanStops, 1);
  t.is(availability.ratio, (28 * DAY - 2 * HOUR) / (30 * DAY));
});

test('report: October and December take their own days (the node’s first start bounds what is observed)', async (t) => {
  const path = await buildDataSet(t);
  const october = reportOf(t, path, '2026-10');
  t.deepEqual(row(october, '88.118.1'), { prefix: '88.118.1', enterprise: '88.118.1', identifiers: 2, registered: 2, updated: 0, deleted: 0, resolutions: 2 });
  t.is(row(october, '88.118.2')?.identifiers, 0);
  t.is(october.activeEnterprises, 1);
  t.is(october.availability.observedMs, cst(11, 1) - cst(10, 20, 10), 'from the first start on record to the month end');
  t.is(october.availability.ratio, 1);

  const december = reportOf(t, path, '2026-12');
  t.is(row(december, '88.118.2')?.resolutions, 1, 'the resolution after midnight lands on December 1');
  t.is(row(december, '88.118.2')?.identifiers, 1);
  t.is(december.total.registered, 0);
  t.is(december.activeEnterprises, 0);
  t.is(december.availability.upMs, 10 * HOUR, 'up until the stop at 10:00 on December 1');
  t.is(december.availability.observedMs, cst(12, 6, 9) - cst(12, 1), 'up to the report’s time');

  const september = reportOf(t, path, '2026-09');
  t.deepEqual(september.prefixes, []);
  t.is(september.availability.ratio, null, 'before the first start nothing is observed');
});

test('report: the daily counters add up to the identifiers the store holds', async (t) => {
  const path = await buildDataSet(t);
  const report = reportOf(t, path, '2026-12');
  const store = openTestStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  for (const figures of report.prefixes) t.is(figures.identifiers, store.countHandles(figures.prefix), figures.prefix);
});

test('report: table and CSV show the same figures; idnode report --csv prints the CSV', async (t) => {
  const path = await buildDataSet(t);
  const report = reportOf(t, path, '2026-11');
  const table = reportTable(report);
  t.regex(table, /^idnode monthly report 2026-11 — node prefix 88\.118, days in UTC\+08:00$/m);
  t.regex(table, /^88\.118\.1 +88\.118\.1 +2 +1 +1 +1 +8$/m);
  t.regex(table, /^total +5 +3 +1 +1 +12$/m);
  t.regex(table, /^active enterprises +2 /m);
  t.regex(table, /^availability +93\.055 % +\(up 27 d 22 h 0 m 0 s of 30 d 0 h 0 m 0 s observed\)$/m);
  t.regex(table, /^downtime +2 d 2 h 0 m 0 s$/m);
  t.regex(table, /^unclean stops +1 /m);

  const csv = reportCsv(report);
  const lines = csv.split('\r\n');
  t.is(lines[0], 'month,prefix,enterprise,identifiers,registered,updated,deleted,resolutions');
  t.true(lines.includes('2026-11,88.118,,1,0,0,0,0'));
  t.true(lines.includes('2026-11,88.118.1.5,88.118.1,1,1,0,0,2'));
  t.true(lines.includes('2026-11,total,,5,3,1,1,12'));
  t.true(lines.includes('2026-11,availability_percent,93.055'));
  t.true(lines.includes('2026-11,downtime_seconds,180000'));
  t.is(lines.indexOf(''), 7, 'the figures block follows the prefix block after one empty line');

  // The command reads the same store in a process of its own (availability there is as of the real clock).
  const cli = runCli(['report', '--month', '2026-11', '--csv'], serveEnv(path));
  t.is(cli.status, 0, cli.stderr);
  t.deepEqual(cli.stdout.split('\r\n').slice(0, 7), lines.slice(0, 7));
  t.true(cli.stdout.includes('\r\n2026-11,active_enterprises,2\r\n'));
});

sqliteOnlyTest('report: idnode report refuses a malformed month and a missing store, exit 1', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const month of ['2026-13', '2026-1', 'November', '2026-11-01']) {
    const result = runCli(['report', '--month', month], serveEnv(join(dir, 'absent.db')));
    t.is(result.status, 1, month);
    t.regex(result.stderr, /month must be YYYY-MM/, month);
  }
  const missing = runCli(['report', '--month', '2026-11'], serveEnv(join(dir, 'absent.db')));
  t.is(missing.status, 1);
  t.regex(missing.stderr, /no store at/);
});
