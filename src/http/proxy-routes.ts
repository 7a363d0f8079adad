// The `proxy` route through Koa, for the requests the fast path leaves (a GET that declares a body, a handle served
// elsewhere, asked of the hierarchy): the same answers.

import type { IncomingMessage } from 'node:http';
import { IdnodeError, toIdnodeError } from '../errors.js';
import type { ResolveRequest, ResolveResult } from '../resolve/resolve-service.js';
import { MAX_ALIASES, needsRemote, type ProxyOutcome } from './proxy-answer.js';
import type { RequestAccounting } from './request-accounting.js';
import type { NodeContext, RouteHandlers } from './state.js';

/** Resolution through the hierarchy of a handle not served here, from this node's own answer (hops: 0, the proxy is where a request enters). */
export type Recurse = (request: ResolveRequest, local: ResolveResult) => Promise<ResolveResult>;

export function proxyRoutes(answer: (req: IncomingMessage, beyond?: Map<string, ResolveResult | IdnodeError>) => ProxyOutcome, accounting: RequestAccounting, recurse: Recurse): RouteHandlers {
  return {
    proxy: async (ctx: NodeContext) => {
      const beyond = new Map<string, ResolveResult | IdnodeError>();
      let outcome = answer(ctx.req, beyond);
      // Each round asks about one more handle (the one asked, then each alias it leads to): bounded as aliases are.
      while (needsRemote(outcome) && beyond.size <= MAX_ALIASES) {
        const { needs, local } = outcome;
        beyond.set(needs.handle.key, await recurse(needs, local).catch((thrown: unknown) => toIdnodeError(thrown)));
        outcome = answer(ctx.req, beyond);
      }
      if (needsRemote(outcome)) throw new IdnodeError('ALIAS_CHAIN_TOO_LONG', `more than ${MAX_ALIASES} aliases across nodes`);
      const { status, headers, body, error } = outcome;
      // Counted here: the pipeline counts only errors thrown through it, and this answer is complete as it is.
      if (error !== null) accounting.failed(error, ctx.state.route);
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
    },
  };
}
