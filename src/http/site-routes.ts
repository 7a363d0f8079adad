// `GET /api/site`: this node's own HS_SITE (reference §3.6), including the public key clients verify it with.

import type { Site } from '../prefixes/site.js';
import { sendHandleJson } from './handle-dialect.js';
import type { RouteHandlers } from './state.js';

/** The handler of the `site` route. */
export function siteRoutes(site: () => Site): RouteHandlers {
  return {
    site: (ctx) => sendHandleJson(ctx, 200, JSON.stringify({ responseCode: 1, site: site() })),
  };
}
