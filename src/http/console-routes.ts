// The web console at /snms/ui: server-rendered pages over the same services as the SNMS API, a session cookie, CSRF tokens.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { AccountService, Caller } from '../accounts/account-service.js';
import type { Authority } from '../accounts/authority.js';
import type { AuditService } from '../audit/audit-service.js';
import { loginPage, sectionsOf, type Viewer } from '../console/layout.js';
import { auditPage, type AuditView } from '../console/pages/audit-page.js';
import { identifierPage, type Detail } from '../console/pages/identifier-page.js';
import { enterprisesPage, prefixesPage, type PrefixItem } from '../console/pages/prefix-pages.js';
import { templateEditor, templatesPage, type TemplateView } from '../console/pages/template-pages.js';
import type { PrefixLifecycle, ReviewAction } from '../enterprises/prefix-lifecycle.js';
import type { EnterpriseViews } from '../enterprises/views.js';
import { IdnodeError } from '../errors.js';
import type { QuotaService } from '../quotas/quota-service.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { IdentifierService } from '../snms/identifier-service.js';
import type { TemplateService } from '../templates/template-service.js';
import { CONSOLE_CSP, HTML_TYPE, snmsMessageOf } from './answer.js';
import { readFormBody } from './body.js';
import { templateInputOf } from './console-forms.js';
import { chargeCaller } from './snms-auth.js';
import { auditFilter } from './snms-audit-routes.js';
import { loginWithLimits } from './snms-identity-routes.js';
import type { ClientAddressing } from './client-address.js';
import { optionalParam, pageOf, queryOf, springPage } from './snms-envelope.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface ConsoleDeps {
  readonly accounts: AccountService;
  readonly authority: Authority;
  readonly audit: AuditService;
  readonly quotas: QuotaService;
  readonly limits: RateLimits;
  readonly clients: ClientAddressing;
  readonly views: EnterpriseViews;
  readonly lifecycle: PrefixLifecycle;
  readonly templates: TemplateService;
  readonly identifiers: IdentifierService;
  readonly bodyLimitBytes: number;
  readonly addressOf: (req: NodeContext['req']) => string;
}

const COOKIE = 'idnode_console';
const ASSETS = new URL('../../../assets/', import.meta.url);
const ASSET_TYPES: Readonly<Record<string, string>> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

/** The form token of a session: derived from its secret token, so only a page of that session can carry it. */
function csrfOf(token: string): string {
  return createHash('sha256').update(`idnode console form\n${token}`, 'utf8').digest('hex');
}

function cookieToken(ctx: NodeContext): string | null {
  for (const part of (ctx.req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=') || null;
  }
  return null;
}

function setCookie(ctx: NodeContext, token: string, maxAgeSeconds: number): void {
  const secure = (ctx.req.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : '';
  ctx.set('Set-Cookie', `${COOKIE}=${token}; Path=/snms/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

function sendPage(ctx: NodeContext, html: string, status = 200): void {
  ctx.status = status;
  ctx.set('Content-Type', HTML_TYPE);
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}

function redirect(ctx: NodeContext, location: string): void {
  ctx.status = 303;
  ctx.set('Location', location);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = '';
}

/** The handlers of the `console.*` routes. */
export function consoleRoutes(deps: ConsoleDeps): RouteHandlers {
  const assets = new Map(Object.keys(ASSET_TYPES).map((name) => [name, readFileSync(new URL(name, ASSETS))]));

  /** The signed-in session of the request, or null (no cookie, an ended one, or credentials on an untrusted transport). */
  async function session(ctx: NodeContext): Promise<{ caller: Caller; viewer: Viewer; token: string } | null> {
    const token = cookieToken(ctx);
    if (token === null || !ctx.state.trustedTransport) return null;
    let caller: Caller;
    try {
      caller = deps.accounts.authenticate(token);
    } catch {
      return null;
    }
    await chargeCaller(caller, deps);
    ctx.state.caller = caller;
    return { caller, token, viewer: { username: caller.username, role: caller.role, csrf: csrfOf(token) } };
  }

  async function pages(ctx: NodeContext): Promise<void> {
    const path = ctx.path.replace(/\/$/, '');
    if (path === '/snms/ui/login') {
      sendPage(ctx, loginPage(null));
      return;
    }
    const signedIn = await session(ctx);
    if (signedIn === null) {
      redirect(ctx, '/snms/ui/login');
      return;
    }
    const { caller, viewer } = signedIn;
    const query = queryOf(ctx);
    const notice = optionalParam(query, 'notice');
    const section = path.slice('/snms/ui/'.length);
    switch (section) {
      case '':
        redirect(ctx, `/snms/ui/${sectionsOf(caller.role)[0] ?? 'identifiers'}`);
        return;
      case 'enterprises':
      case 'prefixes': {
        if (section === 'enterprises') deps.authority.requireStaff(caller);
        const request = { page: pageOf(query).page, size: 20 };
        const { content, total } = deps.views.prefixPage(caller, optionalParam(query, 'entName'), optionalParam(query, 'entPrefix'), { fromMs: null, toMs: null }, request.page, request.size);
        const listing = springPage(content, total, request) as { content: PrefixItem[]; number: number; totalPages: number; totalElements: number };
        sendPage(ctx, section === 'enterprises' ? enterprisesPage(viewer, listing, query, notice) : prefixesPage(viewer, listing, query, notice));
        return;
      }
      case 'templates': {
        const prefix = optionalParam(query, 'prefix');
        const list = prefix === null ? [] : deps.templates.list(caller, prefix, 1, 100).templates;
        sendPage(ctx, templatesPage(viewer, prefix, list as unknown as TemplateView[], notice));
        return;
      }
      case 'template': {
        const prefix = optionalParam(query, 'prefix');
        if (prefix === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: prefix');
        deps.authority.requireAdministers(caller, prefix);
        const version = optionalParam(query, 'version');
        const template = version === null ? null : (deps.templates.get(caller, prefix, version) as unknown as TemplateView);
        sendPage(ctx, templateEditor(viewer, prefix, template));
        return;
      }
      case 'identifiers': {
        const handle = optionalParam(query, 'handle');
        let detail: Detail | null = null;
        let error: string | null = null;
        if (handle !== null) {
          try {
            detail = deps.identifiers.detail(caller, handle) as unknown as Detail;
          } catch (thrown) {
            if (!(thrown instanceof IdnodeError) || thrown.isServerError) throw thrown;
            error = snmsMessageOf(thrown);
          }
        }
        sendPage(ctx, identifierPage(viewer, handle, detail, error));
        return;
      }
      case 'audit': {
        deps.authority.requireAdmin(caller);
        const request = { page: pageOf(query).page, size: 50 };
        const { records, total } = deps.audit.page(auditFilter(query), request.page, request.size);
        sendPage(ctx, auditPage(viewer, records as AuditView[], query, request.page, Math.ceil(total / request.size), total));
        return;
      }
      case 'audit/export': {
        deps.authority.requireAdmin(caller);
        ctx.status = 200;
        ctx.set('Content-Type', 'application/x-ndjson; charset=utf-8');
        ctx.set('Content-Disposition', 'attachment; filename="idnode-audit.jsonl"');
        ctx.set('Cache-Control', 'no-store');
        ctx.body = Readable.from(deps.audit.export(auditFilter(query)));
        return;
      }
      default:
        throw new IdnodeError('ROUTE_NOT_FOUND');
    }
  }

  async function actions(ctx: NodeContext): Promise<void> {
    const action = ctx.path.slice('/snms/ui/'.length);
    const form = await readFormBody(ctx.req, ctx.res, deps.bodyLimitBytes);
    if (action === 'login') {
      try {
        const token = await loginWithLimits(ctx, deps, form.get('username') ?? '', form.get('password') ?? '', 'plain');
        setCookie(ctx, token, 24 * 3600);
        redirect(ctx, '/snms/ui');
      } catch (error) {
        if (!(error instanceof IdnodeError) || error.code !== 'LOGIN_FAILED') throw error;
        sendPage(ctx, loginPage(snmsMessageOf(error)), 401);
      }
      return;
    }
    const signedIn = await session(ctx);
    if (signedIn === null) throw new IdnodeError('AUTHENTICATION_NEEDED', '请先登录 (sign in first)');
    const expected = Buffer.from(signedIn.viewer.csrf);
    const sent = Buffer.from(form.get('csrf') ?? '');
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '表单已失效，请刷新页面 (stale form)');
    const { caller } = signedIn;
    const actor = { who: caller.actor, from: deps.addressOf(ctx.req) };
    const entPrefix = form.get('entPrefix') ?? '';
    switch (action) {
      case 'logout':
        await deps.accounts.revoke(signedIn.token);
        setCookie(ctx, '', 0);
        redirect(ctx, '/snms/ui/login');
        return;
      case 'review': {
        const reviewAction = form.get('action') as ReviewAction;
        if (!['review', 'approve', 'reject'].includes(reviewAction)) throw new IdnodeError('INVALID_BODY', 'action must be review, approve or reject');
        const reason = form.get('reason')?.trim() || null;
        await deps.lifecycle.review(caller, entPrefix, reviewAction, reason, actor);
        redirect(ctx, `/snms/ui/enterprises?notice=${{ review: 'reviewing', approve: 'approved', reject: 'rejected' }[reviewAction]}`);
        return;
      }
      case 'prefix-state': {
        const state = Number(form.get('state'));
        await deps.lifecycle.setState(caller, entPrefix, state, null, actor);
        redirect(ctx, `/snms/ui/prefixes?notice=${state === 1 ? 'enabled' : state === 0 ? 'disabled' : 'pending-deletion'}`);
        return;
      }
      case 'template': {
        const input = templateInputOf(form);
        if (form.get('mode') === 'update') await deps.templates.update(caller, input, actor);
        else await deps.templates.create(caller, input, actor);
        redirect(ctx, `/snms/ui/templates?prefix=${encodeURIComponent(input.prefix)}&notice=saved`);
        return;
      }
      default:
        throw new IdnodeError('ROUTE_NOT_FOUND');
    }
  }

  async function asset(ctx: NodeContext): Promise<void> {
    const name = ctx.path.slice('/snms/ui/assets/'.length);
    const body = assets.get(name);
    if (body === undefined) throw new IdnodeError('ROUTE_NOT_FOUND');
    ctx.status = 200;
    ctx.set('Content-Type', ASSET_TYPES[name] ?? 'application/octet-stream');
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = body;
  }

  return { 'console.page': pages, 'console.action': actions, 'console.asset': asset };
}
