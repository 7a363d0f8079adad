// Operator endpoints: Prometheus metrics, liveness and readiness.

import Router from '@koa/router';
import type { Metrics } from '../metrics/metrics.js';
import type { NodeState } from './state.js';

export function opsRouter(metrics: Metrics, storeAnswers: () => boolean): Router<NodeState> {
  const router = new Router<NodeState>();

  router.get('/metrics', async (ctx) => {
    ctx.state.route = 'metrics';
    const { contentType, body } = await metrics.exposition();
    ctx.set('Content-Type', contentType);
    ctx.set('Cache-Control', 'no-store');
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
