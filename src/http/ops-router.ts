// Operator endpoints: Prometheus metrics (loopback and private networks by default, or by address or token), liveness and readiness.

import type { IncomingMessage } from 'node:http';
import Router from '@koa/router';
import { metricsGuard, type MetricsAccess as MetricsRule } from '../auth/metrics-access.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NodeState } from './state.js';

export interface MetricsAccess extends MetricsRule {
  /** The client's address: behind a trusted proxy the one it names (the rate limits' view), else the peer's. */
  readonly clientAddress: (req: IncomingMessage) => string;
}

export function opsRouter(metrics: Metrics, storeAnswers: () => boolean, access: MetricsAccess): Router<NodeState> {
  const router = new Router<NodeState>({ sensitive: true });
  const guard = metricsGuard(access);

  router.get('/metrics', async (ctx) => {
    ctx.state.route = 'metrics';
    ctx.set('Cache-Control', 'no-store');
    guard(access.clientAddress(ctx.req), ctx.req.headers.authorization);
    const { contentType, body } = await metrics.exposition();
    ctx.set('Content-Type', contentType);
    ctx.body = body;
  });

  router.get('/healthz', (ctx) => {
    ctx.state.route = 'healthz';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', (ctx) => {
    ctx.state.route = 'readyz';
    ctx.set('Cache-Control', 'no-store');
    const ready = storeAnswers();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'store unavailable' };
  });

  return router;
}
