// `/api/prefixes`: list, home and unhome the prefixes served here (reference §3.6); node administrators only.

import type { PrefixService } from '../prefixes/prefix-service.js';
import { sendHandleJson } from './handle-dialect.js';
import { optionalInteger } from './query.js';
import { decodePathTail, rawTarget } from './raw-target.js';
import { PREFIX_ROUTE } from './routes.js';
import type { NodeContext, RouteHandlers } from './state.js';

function prefixFromPath(ctx: NodeContext): string {
  const text = decodePathTail(rawTarget(ctx.req.url ?? '/').path, PREFIX_ROUTE);
  ctx.state.echo = text;
  return text;
}

/** The handlers of the `prefixes.*` routes. */
export function prefixesRoutes(prefixes: PrefixService): RouteHandlers {
  const list = (ctx: NodeContext): void => {
    const { query } = rawTarget(ctx.req.url ?? '/');
    const listing = prefixes.listPrefixes(ctx.state.identity, { page: optionalInteger(query, 'page'), pageSize: optionalInteger(query, 'pageSize') });
    const paging = listing.paging === null ? '' : `,"page":${listing.paging.page},"pageSize":${listing.paging.pageSize}`;
    sendHandleJson(ctx, 200, `{"responseCode":1,"totalCount":${JSON.stringify(String(listing.totalCount))}${paging},"prefixes":${JSON.stringify(listing.page ?? [])}}`);
  };

  const home = async (ctx: NodeContext): Promise<void> => {
    const prefix = await prefixes.home(ctx.state.identity, prefixFromPath(ctx));
    sendHandleJson(ctx, 200, `{"responseCode":1,"prefix":${JSON.stringify(prefix)}}`);
  };

  const unhome = async (ctx: NodeContext): Promise<void> => {
    const prefix = await prefixes.unhome(ctx.state.identity, prefixFromPath(ctx));
    sendHandleJson(ctx, 200, `{"responseCode":1,"prefix":${JSON.stringify(prefix)}}`);
  };

  return { 'prefixes.list': list, 'prefixes.home': home, 'prefixes.unhome': unhome };
}
