// Operator endpoints: Prometheus metrics (loopback and private networks by default, or by address or token), liveness and readiness.

import type { IncomingMessage } from 'node:http';
import { metricsGuard, type MetricsAccess as MetricsRule } from '../auth/metrics-access.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RouteHandlers } from './state.js';

export interface MetricsAccess extends MetricsRule {
  /** The client's address: behind a trusted proxy the one it names (the rate limits' view), else the peer's. */
  readonly clientAddress: (req: IncomingMessage) => string;
}

/** The handlers of the operator routes. */
export function opsRoutes(metrics: Metrics, storeAnswers: () => boolean, access: MetricsAccess): RouteHandlers {
  const guard = metricsGuard(access);
  return {
    metrics: async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      guard(access.clientAddress(ctx.req), ctx.req.headers.authorization);
      const { contentType, body } = await metrics.exposition();
      ctx.set('Content-Type', contentType);
      ctx.body = body;
    },
    healthz: (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
    },
    readyz: (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      const ready = storeAnswers();
      ctx.status = ready ? 200 : 503;
      ctx.body = { status: ready ? 'ready' : 'store unavailable' };
    },
  };
}
