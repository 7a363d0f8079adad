// `/api/hierarchy`: a node's place in the hierarchy, and a top-level node's routes for its secondary nodes — join,
// reports (filings, escrow, statistics), admission, takeover and hand-back, statistics (docs/hierarchy.md).

import { IdnodeError } from '../errors.js';
import type { Hierarchy } from '../hierarchy/hierarchy.js';
import type { Report } from '../hierarchy/reports.js';
import type { TopLevel } from '../hierarchy/top-level.js';
import { checkBody, compileSchema, readJsonBody } from './body.js';
import { sendHandleJson } from './handle-dialect.js';
import { decodePathTail, rawTarget } from './raw-target.js';
import { NODE_ROUTE } from './routes.js';
import type { NodeContext, RouteHandlers } from './state.js';

const joinBody = compileSchema('hierarchy-join-body');
const admitBody = compileSchema('hierarchy-admit-body');
const reportsBody = compileSchema('hierarchy-reports-body');

/** The node prefix named in `/api/hierarchy/nodes/{prefix}[/takeover]`. */
function nodeFromPath(ctx: NodeContext): string {
  const tail = decodePathTail(rawTarget(ctx.req.url ?? '/').path, NODE_ROUTE);
  const prefix = tail.endsWith('/takeover') ? tail.slice(0, -'/takeover'.length) : tail;
  ctx.state.echo = prefix;
  return prefix;
}

function send(ctx: NodeContext, fields: Record<string, unknown>): void {
  ctx.set('Cache-Control', 'no-store');
  sendHandleJson(ctx, 200, JSON.stringify({ responseCode: 1, ...fields }));
}

/** The handlers of the `hierarchy.*` routes. */
export function hierarchyRoutes(hierarchy: Hierarchy, bodyLimitBytes: number): RouteHandlers {
  const topLevel = (): TopLevel => {
    if (hierarchy.topLevel === null) throw new IdnodeError('NOT_TOP_LEVEL');
    return hierarchy.topLevel;
  };
  const views = () => {
    if (hierarchy.views === null) throw new IdnodeError('NOT_TOP_LEVEL');
    return hierarchy.views;
  };
  const body = async (ctx: NodeContext, schema: typeof joinBody): Promise<Record<string, unknown>> => {
    const parsed = await readJsonBody(ctx.req, ctx.res, bodyLimitBytes);
    checkBody(schema, parsed);
    return parsed as Record<string, unknown>;
  };

  return {
    'hierarchy.status': (ctx) => send(ctx, hierarchy.status(ctx.state.identity)),
    'hierarchy.join': async (ctx) => {
      const service = topLevel();
      const { site } = await body(ctx, joinBody);
      send(ctx, await service.join(ctx.state.identity, site));
    },
    'hierarchy.reports': async (ctx) => {
      const service = topLevel();
      const { reports, checksum } = await body(ctx, reportsBody);
      send(ctx, { results: await service.receive(ctx.state.identity, reports as Report[], checksum as string) });
    },
    'hierarchy.nodes': (ctx) => {
      topLevel().requireAdmin(ctx.state.identity);
      send(ctx, { nodes: views().nodes() });
    },
    'hierarchy.admit': async (ctx) => {
      const service = topLevel();
      const prefix = nodeFromPath(ctx);
      service.requireAdmin(ctx.state.identity);
      const { publicKey } = await body(ctx, admitBody);
      send(ctx, await service.admit(ctx.state.identity, prefix, publicKey));
    },
    'hierarchy.takeover': async (ctx) => {
      const node = await topLevel().takeOver(ctx.state.identity, nodeFromPath(ctx));
      send(ctx, { node: node.prefix, takeover: node.takeover });
    },
    'hierarchy.handback': async (ctx) => {
      const node = await topLevel().handBack(ctx.state.identity, nodeFromPath(ctx));
      send(ctx, { node: node.prefix, takeover: node.takeover });
    },
    'hierarchy.statistics': (ctx) => {
      topLevel().requireAdmin(ctx.state.identity);
      send(ctx, views().statistics());
    },
  };
}
