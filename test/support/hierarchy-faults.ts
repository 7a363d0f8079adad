// The faults-under-load check (issue 14), shared by test/hierarchy/faults.test.ts (the top-level node down 2 s, in
// `npm test`) and test/soak/hierarchy-faults.soak.ts (down 10 s, as the issue states it, in `npm run soak`): a
// top-level node and three secondary processes, one SIGKILLed and restarted, the top-level node stopped, a slow upstream.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { startHierarchy, urlOf, type ClusterNode } from '../../demo/cluster.js';
import { DelayProxy } from '../../demo/delay-proxy.js';
import { runFaultScenario } from '../../demo/fault-scenario.js';

const UPSTREAM_TIMEOUT_MS = 1000;
const FAST = {
  IDNODE_OUTBOX_POLL_MS: '100',
  IDNODE_OUTBOX_RETRY_MAX_MS: '400',
  IDNODE_STATISTICS_INTERVAL_SECONDS: '1',
  IDNODE_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
  IDNODE_CIRCUIT_BREAKER_OPEN_MS: '500',
};

/**
 * Runs the scenario with the top-level node down `topDownMs` and asserts: nothing acknowledged lost, every resolution
 * answered (or a catalog error) within its timeout, every outbox drained, and that the faults were really met.
 */
export async function checkFaultsUnderLoad(t: ExecutionContext, topDownMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-faults-'));
  let proxy: DelayProxy | null = null;
  const hierarchy = await startHierarchy({
    dir,
    secondaries: ['88.101', '88.102', '88.103'],
    topEnv: { ...FAST, IDNODE_PROBE_INTERVAL_MS: '200', IDNODE_TAKEOVER_AFTER_MS: '1500' },
    secondaryEnv: FAST,
    // 88.103 reaches the top-level node through a proxy that can be made slow.
    upstreamOf: async (top, prefix) => {
      if (prefix !== '88.103') return top.origin;
      proxy = await DelayProxy.start(top.port);
      return proxy.origin;
    },
  });
  t.teardown(async () => {
    await hierarchy.remove();
    await proxy?.close();
  });
  const [writer, two, three] = hierarchy.secondaries as [ClusterNode, ClusterNode, ClusterNode];
  const known: string[] = [];
  for (const [node, count] of [[two, 20], [three, 20]] as const) {
    for (let i = 0; i < count; i += 1) {
      const handle = `${node.prefix}/K-${i}`;
      const reply = await node.call('PUT', `/api/handles/${handle}`, { admin: true, body: [{ index: 1, type: 'URL', data: urlOf(handle) }] });
      t.is(reply.status, 201);
      known.push(handle);
    }
  }
  const report = await runFaultScenario({
    writer,
    top: hierarchy.top,
    secondaries: hierarchy.secondaries,
    proxy: proxy!,
    known,
    topDownMs,
    slowMs: 2000,
    upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    log: (line) => t.log(line),
  });
  t.log(`${report.acknowledged} registrations acknowledged, ${report.resolutions} resolutions ${JSON.stringify(report.answers)}, slowest ${Math.round(report.slowestMs)} ms`);
  t.deepEqual(report.violations, []);
  // The run must have done what it claims, or passing proves nothing.
  t.true(report.acknowledged >= 20, 'registrations were acknowledged throughout');
  t.true((report.answers.found ?? 0) >= 50, 'resolutions were answered');
  t.true(Object.keys(report.answers).some((kind) => kind.startsWith('status_5')), 'some resolutions met a fault and got a clear error');
  t.true((await three.metric('idnode_upstream_failures_total{reason="timeout"}')) >= 1, 'the slow upstream was met (and timed out)');
  t.true((await three.metric('idnode_upstream_failures_total{reason="circuit_open"}')) >= 1, 'and its circuit opened: later calls failed fast');
}
