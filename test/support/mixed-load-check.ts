// The pass criteria of the mixed-load scenario (issue 3, "A load test"): assertions on its report, and its figures in the log.

import type { ExecutionContext } from 'ava';
import type { MixedLoadReport } from './mixed-load.js';

const MiB = 1024 * 1024;

export interface MixedLoadLimits {
  /** Largest WAL file accepted (default 64 MiB). */
  readonly walMaxBytes?: number;
  /** WAL restarts required during the load itself (default 0: a short load may not fill the WAL once). */
  readonly walRestartsDuringLoad?: number;
  /** Samples at the start of the load left out of the RSS comparison (default: a sixth of them, at least 1). */
  readonly warmupSamples?: number;
  /** The last third's RSS maximum may be at most this multiple of the first third's (default 1.5). */
  readonly rssGrowthFactor?: number;
}

/** Asserts the load-test properties on `report` and logs its figures. */
export function checkMixedLoad(t: ExecutionContext, report: MixedLoadReport, limits: MixedLoadLimits = {}): void {
  const walMaxBytes = limits.walMaxBytes ?? 64 * MiB;
  const rssGrowthFactor = limits.rssGrowthFactor ?? 1.5;
  const { resolve, writes } = report;
  const wal = thirds(report.walBytes);
  const warmup = limits.warmupSamples ?? Math.max(1, Math.floor(report.rssBytes.length / 6));
  const rss = thirds(report.rssBytes.slice(warmup));
  const fiveHundreds = Object.entries(writes.statusCodes).filter(([code]) => Number(code) >= 500);
  const unexpected = Object.entries(writes.statusCodes).filter(([code]) => code !== '200' && code !== '201');
  const checkpoints = report.walCheckpoints;

  t.log(
    `load ${report.loadSeconds.toFixed(1)} s, ${report.options.connections} connections, ${report.options.writers} writers, ${report.options.seedHandles} seeded handles`,
  );
  t.log(`resolve: ${Math.round(resolve.requestsPerSecond)} req/s (${resolve.total} total), p50 ${resolve.p50Ms} ms, p99 ${resolve.p99Ms} ms, max ${resolve.maxMs} ms`);
  t.log(
    `writes: ${writes.registered} registered + ${writes.updated} updated = ${Math.round(writes.perSecond)}/s; p99 register ${fixed(writes.registerP99Ms)} ms, ` +
      `update ${fixed(writes.updateP99Ms)} ms, read-back ${fixed(writes.readBackP99Ms)} ms (${writes.readBacks} read-backs)`,
  );
  t.log(
    `event-loop delay p50 ${ms(report.eventLoopDelay.p50Seconds)} ms, p99 ${ms(report.eventLoopDelay.p99Seconds)} ms, max ${ms(report.eventLoopDelay.maxSeconds)} ms`,
  );
  if (report.engine === 'sqlite') {
    t.log(
      `WAL MiB per second: ${report.walBytes.map(mib).join(' ')} (max ${mib(wal.max)}); ` +
        `checkpoint sequence ${checkpoints.beforeSeeding} before seeding, ${checkpoints.loadStart} at load start, ${checkpoints.end} at the end`,
    );
  } else {
    t.log('store on PostgreSQL: no WAL file of idnode\'s to measure');
  }
  t.log(`RSS MiB per second: ${report.rssBytes.map(mib).join(' ')}; after ${warmup} warm-up samples, first third max ${mib(rss.firstMax)}, last third max ${mib(rss.lastMax)}`);
  const { start, end } = report.memory;
  t.log(
    `heap used ${mib(start.heapUsedBytes)} → ${mib(end.heapUsedBytes)} MiB, external ${mib(start.externalBytes)} → ${mib(end.externalBytes)} MiB; resolve cache ${start.cacheEntries} → ${end.cacheEntries} entries, ` +
      `${mib(start.cacheBytes)} → ${mib(end.cacheBytes)} MiB`,
  );

  t.true(writes.registered > 0 && writes.updated > 0 && resolve.total > 0, 'the load did something');
  t.is(resolve.errors, 0, 'autocannon errors');
  t.is(resolve.timeouts, 0, 'autocannon timeouts');
  t.is(resolve.non2xx, 0, `autocannon non-2xx: ${JSON.stringify(resolve.statusCodes)}`);
  t.is(writes.failures, 0, 'writer requests without an answer');
  t.deepEqual(fiveHundreds, [], 'writer 5xx');
  t.deepEqual(unexpected, [], 'writer answers other than 200 and 201');
  t.is(report.node5xx, 0, '5xx counted by the node');
  t.is(report.errorLogLines, 0, 'error log lines');
  t.deepEqual(report.staleReads.slice(0, 10), [], `${report.staleReads.length} stale reads after acknowledged updates`);
  // The WAL file beside the SQLite store is idnode's to keep bounded; PostgreSQL's WAL is the server's own (its
  // checkpoints, max_wal_size), and a node on PostgreSQL has no `<db>-wal` to look at.
  if (report.engine === 'sqlite') {
    t.true(report.walBytes.length >= 3, 'WAL sampled every second');
    t.true(wal.max < walMaxBytes, `WAL max ${mib(wal.max)} MiB < ${mib(walMaxBytes)} MiB`);
    // After a complete checkpoint SQLite writes the WAL from its start again, so the file stops growing; without
    // checkpoints it grows with every commit and the sequence number never moves.
    t.true(checkpoints.end > checkpoints.beforeSeeding, 'the WAL was checkpointed and restarted');
    t.true(checkpoints.end - checkpoints.loadStart >= (limits.walRestartsDuringLoad ?? 0), 'WAL restarts during the load');
    t.true(wal.lastMax <= wal.firstMax + MiB, `WAL still growing: first third max ${mib(wal.firstMax)} MiB, last third max ${mib(wal.lastMax)} MiB`);
  }
  t.true(rss.firstMax > 0, 'RSS sampled');
  t.true(rss.lastMax <= rss.firstMax * rssGrowthFactor, `RSS grew: ${mib(rss.firstMax)} → ${mib(rss.lastMax)} MiB`);
  t.is(report.exitCode, 0, 'the node stopped cleanly on SIGTERM');
}

/** The maximum of the whole series and of its first and last thirds (at least one sample each). */
function thirds(samples: readonly number[]): { max: number; firstMax: number; lastMax: number } {
  const third = Math.max(1, Math.floor(samples.length / 3));
  return {
    max: Math.max(0, ...samples),
    firstMax: Math.max(0, ...samples.slice(0, third)),
    lastMax: Math.max(0, ...samples.slice(-third)),
  };
}

const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
const ms = (seconds: number): string => (seconds * 1000).toFixed(1);
const fixed = (value: number): string => value.toFixed(1);
