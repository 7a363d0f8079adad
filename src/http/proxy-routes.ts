// The `proxy` route through Koa, for the requests the fast path leaves (a GET that declares a body): the same answers.

import type { IncomingMessage } from 'node:http';
import type { ProxyAnswer } from './proxy-answer.js';
import type { RequestAccounting } from './request-accounting.js';
import type { NodeContext, RouteHandlers } from './state.js';

export function proxyRoutes(answer: (req: IncomingMessage) => ProxyAnswer, accounting: RequestAccounting): RouteHandlers {
  return {
    proxy: (ctx: NodeContext) => {
      const { status, headers, body, error } = answer(ctx.req);
      // Counted here: the pipeline counts only errors thrown through it, and this answer is complete as it is.
      if (error !== null) accounting.failed(error, ctx.state.route);
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
    },
  };
}
