// `/snms/api/audit/page` and `/snms/api/audit/export` (idnode additions): the audit log for administrators.

import { Readable } from 'node:stream';
import type { Authority } from '../accounts/authority.js';
import type { AuditService } from '../audit/audit-service.js';
import { prefixKeyOf } from '../identifier/handle.js';
import type { AuditFilter } from '../store/audit.js';
import { optionalParam, pageOf, queryOf, requireCaller, sendEnvelope, springPage, timeParam } from './snms-envelope.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface SnmsAuditDeps {
  readonly audit: AuditService;
  readonly authority: Authority;
}

/** The filter of a request: `prefix`, `actor` (`account:<name>` or `index:handle`), `startDate`, `endDate`. */
export function auditFilter(query: URLSearchParams): AuditFilter {
  const prefix = optionalParam(query, 'prefix');
  return {
    prefixKey: prefix === null ? null : prefixKeyOf(prefix),
    actor: optionalParam(query, 'actor'),
    fromMs: timeParam(query, 'startDate'),
    toMs: timeParam(query, 'endDate', true),
  };
}

/** The handlers of the `snms.audit.*` routes. */
export function snmsAuditRoutes(deps: SnmsAuditDeps): RouteHandlers {
  async function page(ctx: NodeContext): Promise<void> {
    deps.authority.requireAdmin(requireCaller(ctx));
    const query = queryOf(ctx);
    const request = pageOf(query);
    const { records, total } = deps.audit.page(auditFilter(query), request.page, request.size);
    sendEnvelope(ctx, springPage(records, total, request));
  }

  async function exportLog(ctx: NodeContext): Promise<void> {
    deps.authority.requireAdmin(requireCaller(ctx));
    const filter = auditFilter(queryOf(ctx));
    // JSON lines, oldest first, streamed in chunks: an export of millions of entries holds one chunk in memory.
    ctx.status = 200;
    ctx.set('Content-Type', 'application/x-ndjson; charset=utf-8');
    ctx.set('Content-Disposition', 'attachment; filename="idnode-audit.jsonl"');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Readable.from(deps.audit.export(filter));
  }

  return { 'snms.audit.page': page, 'snms.audit.export': exportLog };
}
