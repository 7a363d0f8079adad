// How many runs a hostile-input property gets, and the checks every property ends with.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { startNode, type NodeUnderTest } from '../../support/node-under-test.js';

export interface PropertyRuns {
  readonly numRuns: number;
  /** Fixed in `npm test` so a run is reproducible; left out in `npm run soak` so each soak explores new inputs. */
  readonly seed?: number;
}

/** `npm test`: 10,000 runs per property, deterministic (issue 3 "Hostile input"). */
export const TEST_RUNS: PropertyRuns = Object.freeze({ numRuns: 10_000, seed: 0x1d_0de });
/** `npm run soak`: 100,000 runs per property from a fresh seed (fast-check prints it with any counterexample). */
export const SOAK_RUNS: PropertyRuns = Object.freeze({ numRuns: 100_000 });

/** Generous per-test timeout: about 10 ms per run (the slowest property registers and reads back each run). */
export function timeoutFor(runs: PropertyRuns): number {
  return 60_000 + runs.numRuns * 10;
}

/**
 * A node for a property, its SQLite file in /dev/shm where there is one: durability is not under test here, and
 * with a real fsync per acknowledged write the disk, not the node, would set the pace of 10,000 runs.
 */
export async function startPropertyNode(t: ExecutionContext, env: Record<string, string> = {}): Promise<NodeUnderTest> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'idnode-hostile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return startNode(t, { IDNODE_DB_PATH: join(dir, 'idnode.db'), ...env });
}

/**
 * Runs `property` `runs.numRuns` times; a failure throws fast-check's report (shrunk counterexample, seed, path).
 */
export async function assertProperty<T>(property: fc.IAsyncProperty<T>, runs: PropertyRuns): Promise<void> {
  await fc.assert(property, { numRuns: runs.numRuns, includeErrorInReport: true, ...(runs.seed === undefined ? {} : { seed: runs.seed }) });
}

/** Sum of `idnode_http_requests_total` over every route for the 5xx status class. */
export async function serverErrorCount(node: NodeUnderTest): Promise<number> {
  const text = await node.metricsText();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('idnode_http_requests_total{') && line.includes('status_class="5xx"')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The checks every property ends with: the property really ran, the node still answers, and it never answered 5xx. */
export async function assertNodeSurvived(t: ExecutionContext, node: NodeUnderTest, executed: number, runs: PropertyRuns): Promise<void> {
  t.true(executed >= runs.numRuns, `the property ran ${executed} times, expected at least ${runs.numRuns}`);
  const health = await node.get('/healthz');
  t.is(health.status, 200, 'the node still answers /healthz');
  t.is(await serverErrorCount(node), 0, 'no request was answered with a 5xx');
}
