// `/snms/api/v5/template` (snms-v5-api.md §5; v3 paths too): read, list, create, incremental update, delete.

import type { Authority } from '../accounts/authority.js';
import type { TemplateService } from '../templates/template-service.js';
import { normalizeTemplateInput } from '../templates/template.js';
import { IdnodeError } from '../errors.js';
import { compileSchema } from './body.js';
import { checkSnmsBody, objectBody, pageOf, queryOf, readSnmsBody, requireCaller, requiredParam, sendEnvelope, springPage } from './snms-envelope.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface SnmsTemplateDeps {
  readonly templates: TemplateService;
  readonly authority: Authority;
  readonly bodyLimitBytes: number;
  readonly addressOf: (req: NodeContext['req']) => string;
}

const templateBody = compileSchema('snms-template');

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new IdnodeError('MISSING_PARAMETER', `缺少必要的请求参数: ${name}`);
  return value;
}

/** The handlers of the `snms.template.*` routes. */
export function snmsTemplateRoutes(deps: SnmsTemplateDeps): RouteHandlers {
  const { templates } = deps;
  const actorOf = (ctx: NodeContext): { who: string; from: string } => ({ who: requireCaller(ctx).actor, from: deps.addressOf(ctx.req) });

  async function get(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    const query = queryOf(ctx);
    sendEnvelope(ctx, templates.get(caller, requiredParam(query, 'prefix'), requiredParam(query, 'version')));
  }

  async function page(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    const query = queryOf(ctx);
    const request = pageOf(query);
    const { templates: content, total } = templates.list(caller, requiredParam(query, 'prefix'), request.page, request.size);
    sendEnvelope(ctx, springPage(content, total, request));
  }

  const write = (mode: 'create' | 'update') => async (ctx: NodeContext): Promise<void> => {
    const caller = requireCaller(ctx);
    const body = objectBody(await readSnmsBody(ctx, deps.bodyLimitBytes));
    checkSnmsBody(templateBody, body);
    const input = normalizeTemplateInput(body);
    if (mode === 'create') await templates.create(caller, input, actorOf(ctx));
    else await templates.update(caller, input, actorOf(ctx));
    sendEnvelope(ctx, true);
  };

  async function remove(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    const body = objectBody(await readSnmsBody(ctx, deps.bodyLimitBytes));
    await templates.delete(caller, text(body.prefix, 'prefix'), text(body.version, 'version'), actorOf(ctx));
    sendEnvelope(ctx, true);
  }

  return { 'snms.template.get': get, 'snms.template.page': page, 'snms.template.create': write('create'), 'snms.template.update': write('update'), 'snms.template.delete': remove };
}
