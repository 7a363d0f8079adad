// `/api/prefixes`: list, home and unhome the prefixes served here (reference §3.6); node administrators only.

import Router from '@koa/router';
import type { PrefixService } from '../prefixes/prefix-service.js';
import { sendHandleJson } from './handle-dialect.js';
import { optionalInteger } from './query.js';
import { decodePathTail, rawTarget } from './raw-target.js';
import type { NodeContext, NodeState } from './state.js';

const ROUTE = '/api/prefixes/';
const PREFIX_PATH = /^\/api\/prefixes\/.+$/s;

function prefixFromPath(ctx: NodeContext): string {
  const text = decodePathTail(rawTarget(ctx.req.url ?? '/').path, ROUTE);
  ctx.state.echo = text;
  return text;
}

export function prefixesRouter(prefixes: PrefixService): Router<NodeState> {
  const router = new Router<NodeState>({ sensitive: true });

  router.get('/api/prefixes', (ctx) => {
    ctx.state.route = 'prefixes.list';
    const { query } = rawTarget(ctx.req.url ?? '/');
    const listing = prefixes.listPrefixes(ctx.state.identity, { page: optionalInteger(query, 'page'), pageSize: optionalInteger(query, 'pageSize') });
    const paging = listing.paging === null ? '' : `,"page":${listing.paging.page},"pageSize":${listing.paging.pageSize}`;
    sendHandleJson(ctx, 200, `{"responseCode":1,"totalCount":${JSON.stringify(String(listing.totalCount))}${paging},"prefixes":${JSON.stringify(listing.page ?? [])}}`);
  });

  router.post(PREFIX_PATH, async (ctx) => {
    ctx.state.route = 'prefixes.home';
    const prefix = await prefixes.home(ctx.state.identity, prefixFromPath(ctx));
    sendHandleJson(ctx, 200, `{"responseCode":1,"prefix":${JSON.stringify(prefix)}}`);
  });

  router.delete(PREFIX_PATH, async (ctx) => {
    ctx.state.route = 'prefixes.unhome';
    const prefix = await prefixes.unhome(ctx.state.identity, prefixFromPath(ctx));
    sendHandleJson(ctx, 200, `{"responseCode":1,"prefix":${JSON.stringify(prefix)}}`);
  });

  return router;
}
