// The outermost middleware: timing and metrics, security and CORS headers, and every error rendered in its dialect.

import type { Middleware } from 'koa';
import { IdnodeError, toIdnodeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { sendHandleError, sendPlainError, type Challenge } from './handle-dialect.js';
import type { NodeContext, NodeState } from './state.js';
import type { SessionService } from '../auth/sessions.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import { chargeIfError } from './rate-limit-gate.js';
import type { IncomingMessage } from 'node:http';

/**
 * Sent on every response (also by the resolve fast path and the answers written before Koa): the security headers,
 * and CORS for every resource (reference §3.1) whether or not the request named an Origin, so a shared cache never
 * hands a browser an answer stored without it. Never with Access-Control-Allow-Credentials.
 */
export const SECURITY_HEADERS = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Access-Control-Allow-Origin': '*',
});

// Added to SECURITY_HEADERS (which carry Access-Control-Allow-Origin) on a preflight's 204.
const CORS_PREFLIGHT = Object.freeze({
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Requested-With',
  'Access-Control-Max-Age': '600',
});

/** Errors from Koa and @koa/router (http-errors with `status`) mapped into the catalog. */
function fromThrown(error: unknown): IdnodeError {
  if (error instanceof IdnodeError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 405) return new IdnodeError('METHOD_NOT_ALLOWED');
  if (status === 501) return new IdnodeError('OPERATION_NOT_SUPPORTED');
  if (typeof status === 'number' && status >= 400 && status < 500) return new IdnodeError('BAD_REQUEST', undefined, { cause: error });
  return toIdnodeError(error);
}

export interface PipelineDeps {
  readonly limits: RateLimits;
  readonly sessions: SessionService;
  readonly metrics: Metrics;
  readonly logger: Logger;
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
  const session = ctx.state.session ?? sessions.open(null);
  const nonce = sessions.challengeNonce(session);
  const sent = ctx.req.headers.authorization;
  let handle = `Handle sessionId="${session.id}", nonce="${nonce}"`;
  if (sent !== undefined) handle += `, error="${headerText(error.message)}"`;
  const basic = sent === undefined ? ctx.req.headers['x-requested-with'] !== 'XMLHttpRequest' : /^Basic\b/i.test(sent);
  return { headers: basic ? [handle, 'Basic realm="handle"'] : [handle], sessionId: session.id, nonce };
}

export function requestPipeline(deps: PipelineDeps): Middleware<NodeState> {
  return async (ctx, next) => {
    const started = performance.now();
    ctx.state.route = 'unknown';
    ctx.state.identity = null;
    ctx.state.echo = undefined;
    ctx.state.session = null;
    ctx.state.login = null;
    ctx.state.handleAuth = null;
    ctx.state.params = null;
    ctx.state.trustedTransport = deps.trustedTransport(ctx.req);
    ctx.set(SECURITY_HEADERS);
    try {
      if (ctx.method === 'OPTIONS' && ctx.req.headers.origin !== undefined && ctx.req.headers['access-control-request-method'] !== undefined) {
        ctx.set(CORS_PREFLIGHT);
        ctx.status = 204;
        return;
      }
      await next();
      if (ctx.body == null) {
        if (ctx.status === 404) throw new IdnodeError('ROUTE_NOT_FOUND');
        if (ctx.status === 405) throw new IdnodeError('METHOD_NOT_ALLOWED');
        if (ctx.status === 501) throw new IdnodeError('OPERATION_NOT_SUPPORTED');
      }
    } catch (thrown) {
      const error = fromThrown(thrown);
      deps.metrics.error(error.code);
      // 501 answers a client's verb (or a listing switched off), not a fault of the node: counted, not logged.
      if (error.isServerError && error.code !== 'OPERATION_NOT_SUPPORTED') deps.logger.error({ err: error.cause ?? error, code: error.code, route: ctx.state.route }, 'request failed');
      if (ctx.path === '/api' || ctx.path.startsWith('/api/')) sendHandleError(ctx, error, challengeFor(ctx, error, deps.sessions));
      else sendPlainError(ctx, error);
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      else if (error.entry.httpStatus === 503) ctx.set('Retry-After', '1');
    } finally {
      // Answered before the request body was all received (an oversized body, or a request refused before its body
      // was wanted): close the connection after answering rather than read and discard whatever the client sends.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
      deps.metrics.request(ctx.state.route, ctx.status, (performance.now() - started) / 1000);
      chargeIfError(deps.limits, ctx.req, ctx.status);
    }
  };
}
