// `/snms/api/v3/ent/…`, `/snms/api/prefix/…` and `/snms/api/ent/config` (snms-v5-api.md §6, §7), and the review call.

import type { Applications } from '../enterprises/applications.js';
import type { PrefixLifecycle, ReviewAction } from '../enterprises/prefix-lifecycle.js';
import type { Publication } from '../enterprises/publication.js';
import type { EnterpriseViews } from '../enterprises/views.js';
import { IdnodeError } from '../errors.js';
import { compileSchema } from './body.js';
import {
  checkSnmsBody,
  objectBody,
  optionalParam,
  pageOf,
  queryOf,
  readSnmsBody,
  requireCaller,
  requiredParam,
  sendEnvelope,
  springPage,
  timeParam,
} from './snms-envelope.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface SnmsEnterpriseDeps {
  readonly applications: Applications;
  readonly lifecycle: PrefixLifecycle;
  readonly publication: Publication;
  readonly views: EnterpriseViews;
  readonly bodyLimitBytes: number;
  readonly addressOf: (req: NodeContext['req']) => string;
}

const reviewBody = compileSchema('snms-review');

function prefixIn(body: Record<string, unknown>): string {
  // `entprefix` is how one of the reference's examples spells it (§10).
  const prefix = body.entPrefix ?? body.entprefix ?? body.prefix;
  if (typeof prefix !== 'string' || prefix === '') throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: entPrefix');
  return prefix;
}

function reasonIn(body: Record<string, unknown>): string | null {
  return typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason : null;
}

/** The handlers of the `snms.ent.*` and `snms.prefix.*` routes. */
export function snmsEnterpriseRoutes(deps: SnmsEnterpriseDeps): RouteHandlers {
  const actorOf = (ctx: NodeContext): { who: string; from: string } => ({ who: requireCaller(ctx).actor, from: deps.addressOf(ctx.req) });
  const body = async (ctx: NodeContext): Promise<Record<string, unknown>> => objectBody(await readSnmsBody(ctx, deps.bodyLimitBytes));

  async function apply(ctx: NodeContext): Promise<void> {
    await deps.applications.apply(requireCaller(ctx), await body(ctx), actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  async function upgradeApply(ctx: NodeContext): Promise<void> {
    await deps.applications.upgradeApply(requireCaller(ctx), await body(ctx), actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  async function page(ctx: NodeContext): Promise<void> {
    const query = queryOf(ctx);
    const request = pageOf(query);
    const times = { fromMs: timeParam(query, 'startDate'), toMs: timeParam(query, 'endDate', true) };
    const { content, total } = deps.views.page(requireCaller(ctx), optionalParam(query, 'orgName'), times, request.page, request.size);
    sendEnvelope(ctx, springPage(content, total, request));
  }

  async function detail(ctx: NodeContext): Promise<void> {
    const raw = optionalParam(queryOf(ctx), 'id');
    if (raw !== null && !/^\d{1,15}$/.test(raw)) throw new IdnodeError('BAD_REQUEST', 'id must be an enterprise id');
    sendEnvelope(ctx, deps.views.detail(requireCaller(ctx), raw === null ? null : Number(raw)));
  }

  async function review(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    const fields = await body(ctx);
    checkSnmsBody(reviewBody, fields);
    if (fields.action === undefined) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: action');
    await deps.lifecycle.review(caller, prefixIn(fields), fields.action as ReviewAction, reasonIn(fields), actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  async function state(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    const fields = await body(ctx);
    checkSnmsBody(reviewBody, fields);
    if (fields.state === undefined) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: state');
    await deps.lifecycle.setState(caller, prefixIn(fields), Number(fields.state), reasonIn(fields), actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  async function config(ctx: NodeContext): Promise<void> {
    await deps.publication.configure(requireCaller(ctx), await body(ctx), actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  async function prefixQuery(ctx: NodeContext): Promise<void> {
    sendEnvelope(ctx, deps.views.query(requireCaller(ctx), requiredParam(queryOf(ctx), 'prefix')));
  }

  async function prefixPage(ctx: NodeContext): Promise<void> {
    const query = queryOf(ctx);
    const request = pageOf(query);
    const times = { fromMs: timeParam(query, 'startDate'), toMs: timeParam(query, 'endDate', true) };
    const { content, total } = deps.views.prefixPage(requireCaller(ctx), optionalParam(query, 'entName'), optionalParam(query, 'entPrefix'), times, request.page, request.size);
    sendEnvelope(ctx, springPage(content, total, request));
  }

  return {
    'snms.ent.apply': apply,
    'snms.ent.upgradeApply': upgradeApply,
    'snms.ent.page': page,
    'snms.ent.detail': detail,
    'snms.ent.review': review,
    'snms.ent.config': config,
    'snms.prefix.query': prefixQuery,
    'snms.prefix.page': prefixPage,
    'snms.prefix.state': state,
  };
}
