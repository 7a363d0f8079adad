// `GET /api/site`: this node's own HS_SITE (reference §3.6), including the public key clients verify it with.

import Router from '@koa/router';
import type { Site } from '../prefixes/site.js';
import { sendHandleJson } from './handle-dialect.js';
import type { NodeState } from './state.js';

export function siteRouter(site: () => Site): Router<NodeState> {
  const router = new Router<NodeState>({ sensitive: true });
  router.get('/api/site', (ctx) => {
    ctx.state.route = 'site';
    sendHandleJson(ctx, 200, JSON.stringify({ responseCode: 1, site: site() }));
  });
  return router;
}
