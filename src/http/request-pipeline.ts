// The outermost middleware: the request's route from the table, security and CORS headers, errors in the route's dialect.

import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import type { SessionService } from '../auth/sessions.js';
import { IdnodeError, toIdnodeError } from '../errors.js';
import { CONSOLE_CSP, CORS_PREFLIGHT, renderError, retryAfterOf, SECURITY_HEADERS } from './answer.js';
import { sendHandleError, type Challenge } from './handle-dialect.js';
import type { RequestAccounting } from './request-accounting.js';
import { dialectOf, routeOf } from './routes.js';
import type { NodeContext, NodeState } from './state.js';

/** The verbs some resource here implements; any other is 501 on every path, as on Handle.net (issue 19). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);

function unknownMethod(method: string): IdnodeError {
  return new IdnodeError('UNKNOWN_METHOD', `Unknown method ${method}`);
}

/** Errors from Koa and @koa/router (http-errors with `status`) mapped into the catalog. */
function fromThrown(error: unknown, method: string): IdnodeError {
  if (error instanceof IdnodeError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 405) return new IdnodeError('METHOD_NOT_ALLOWED');
  if (status === 501) return unknownMethod(method);
  if (typeof status === 'number' && status >= 400 && status < 500) return new IdnodeError('BAD_REQUEST', undefined, { cause: error });
  return toIdnodeError(error);
}

export interface PipelineDeps {
  readonly sessions: SessionService;
  readonly accounting: RequestAccounting;
  readonly trustedTransport: (req: IncomingMessage) => boolean;
}

/** Text safe inside a quoted header parameter: printable ASCII, without quotes or backslashes (Node refuses the rest). */
function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '?');
}

/**
 * The challenge of a 401 (reference §6): the session the client used, or a new one, and the WWW-Authenticate values —
 * `Handle sessionId, nonce` with `error` when credentials were sent, plus `Basic realm="handle"` when the client sent
 * Basic, or sent nothing and is not an XHR call. Null when the answer is not a 401 on a trusted transport.
 */
function challengeFor(ctx: NodeContext, error: IdnodeError, sessions: SessionService): Challenge | null {
  if (error.entry.httpStatus !== 401 || !ctx.state.trustedTransport) return null;
  // A session closed by this very request (too many wrong answers) is not offered again.
  const named = ctx.state.session;
  const session = named !== null && sessions.isOpen(named) ? named : sessions.open(null);
  const nonce = sessions.challengeNonce(session);
  const sent = ctx.req.headers.authorization;
  let handle = `Handle sessionId="${session.id}", nonce="${nonce}"`;
  if (sent !== undefined) handle += `, error="${headerText(error.message)}"`;
  const basic = sent === undefined ? ctx.req.headers['x-requested-with'] !== 'XMLHttpRequest' : /^Basic\b/i.test(sent);
  return { headers: basic ? [handle, 'Basic realm="handle"'] : [handle], sessionId: session.id, nonce };
}

/** An error in the dialect of the route: Handle answers carry their challenge; plain 401s ask for a bearer token. */
function sendError(ctx: NodeContext, error: IdnodeError, sessions: SessionService): void {
  const { dialect } = ctx.state;
  if (dialect === 'handle') sendHandleError(ctx, error, challengeFor(ctx, error, sessions));
  else {
    const answer = renderError(error, dialect);
    ctx.status = answer.status;
    if (ctx.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
    ctx.set('Content-Type', answer.contentType);
    // The console's error page links its stylesheet.
    if (dialect === 'console') ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.body = answer.body;
  }
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) ctx.set('Retry-After', retryAfter);
}

export function requestPipeline(deps: PipelineDeps): Middleware<NodeState> {
  return async (ctx, next) => {
    const started = performance.now();
    const route = routeOf(ctx.method, ctx.path);
    ctx.state.route = route?.name ?? 'unknown';
    ctx.state.dialect = route?.dialect ?? dialectOf(ctx.path);
    ctx.state.identity = null;
    ctx.state.echo = undefined;
    ctx.state.session = null;
    ctx.state.login = null;
    ctx.state.handleAuth = null;
    ctx.state.params = null;
    ctx.state.caller = null;
    ctx.state.trustedTransport = deps.trustedTransport(ctx.req);
    ctx.set(SECURITY_HEADERS);
    try {
      if (ctx.method === 'OPTIONS' && ctx.req.headers.origin !== undefined && ctx.req.headers['access-control-request-method'] !== undefined) {
        ctx.set(CORS_PREFLIGHT);
        ctx.status = 204;
        return;
      }
      // Handle.net answers any verb it does not implement with 501/4 "Unknown method X", whatever the path.
      if (!KNOWN_METHODS.has(ctx.method)) throw unknownMethod(ctx.method);
      await next();
      if (ctx.body == null) {
        if (ctx.status === 404) throw new IdnodeError('ROUTE_NOT_FOUND');
        if (ctx.status === 405) throw new IdnodeError('METHOD_NOT_ALLOWED');
        if (ctx.status === 501) throw unknownMethod(ctx.method);
      }
    } catch (thrown) {
      const error = fromThrown(thrown, ctx.method);
      deps.accounting.failed(error, ctx.state.route);
      sendError(ctx, error, deps.sessions);
    } finally {
      // Answered before the request body was all received (an oversized body, or a request refused before its body
      // was wanted): close the connection after answering rather than read and discard whatever the client sends.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
      deps.accounting.finished(ctx.req, ctx.state.route, ctx.status, started);
    }
  };
}
