// `/identityv2/data…` (snms-v5-api.md §4): detail, create, update, delete, and the three batch calls.

import { IdnodeError } from '../errors.js';
import type { IdentifierService } from '../snms/identifier-service.js';
import { objectBody, optionalParam, queryOf, readSnmsBody, requireCaller, requiredParam, sendEnvelope } from './snms-envelope.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface SnmsDataDeps {
  readonly identifiers: IdentifierService;
  readonly bodyLimitBytes: number;
  readonly batchBodyLimitBytes: number;
  readonly addressOf: (req: NodeContext['req']) => string;
}


function arrayBody(body: unknown): unknown[] {
  if (!Array.isArray(body)) throw new IdnodeError('INVALID_BODY', 'the body must be a JSON array (snms-v5-api.md §4.5)');
  return body;
}

/** The handlers of the `snms.data.*` routes. */
export function snmsDataRoutes(deps: SnmsDataDeps): RouteHandlers {
  const { identifiers } = deps;
  const actorOf = (ctx: NodeContext): { who: string; from: string } => ({ who: requireCaller(ctx).actor, from: deps.addressOf(ctx.req) });

  async function detail(ctx: NodeContext): Promise<void> {
    // Anonymous calls read public values, as a public resolution page does (§10.1; docs/snms.md).
    sendEnvelope(ctx, identifiers.detail(ctx.state.caller, requiredParam(queryOf(ctx), 'handle')));
  }

  const put = (mode: 'create' | 'update') => async (ctx: NodeContext): Promise<void> => {
    const caller = requireCaller(ctx);
    const body = await readSnmsBody(ctx, deps.bodyLimitBytes);
    if (mode === 'create') await identifiers.create(caller, body, actorOf(ctx));
    else await identifiers.update(caller, body, actorOf(ctx));
    sendEnvelope(ctx, true);
  };

  async function remove(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    // The handle comes in the JSON body (§4.4); `?handle=` is taken too.
    let handle = optionalParam(queryOf(ctx), 'handle');
    if (handle === null) {
      const body = objectBody(await readSnmsBody(ctx, deps.bodyLimitBytes));
      handle = typeof body.handle === 'string' && body.handle !== '' ? body.handle : null;
    }
    if (handle === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: handle');
    await identifiers.delete(caller, handle, actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  const batch = (mode: 'create' | 'update' | 'delete') => async (ctx: NodeContext): Promise<void> => {
    const caller = requireCaller(ctx);
    const items = arrayBody(await readSnmsBody(ctx, deps.batchBodyLimitBytes));
    const results = mode === 'delete' ? await identifiers.batchDelete(caller, items, actorOf(ctx)) : await identifiers.batchPut(caller, items, mode, actorOf(ctx));
    sendEnvelope(ctx, results);
  };

  return {
    'snms.data.detail': detail,
    'snms.data.create': put('create'),
    'snms.data.update': put('update'),
    'snms.data.delete': remove,
    'snms.data.batchCreate': batch('create'),
    'snms.data.batchUpdate': batch('update'),
    'snms.data.batchDelete': batch('delete'),
  };
}
