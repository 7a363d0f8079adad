// `/api/sessions`: open, inspect, authenticate and close Handle sessions (reference §3.7); trusted transports only.

import Router from '@koa/router';
import type { Session } from '../cache/session-cache.js';
import type { SessionService, SessionView } from '../auth/sessions.js';
import { IdnodeError } from '../errors.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import { readJsonBody } from './body.js';
import { answerIn } from './credentials.js';
import type { NodeContext, NodeState } from './state.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function send(ctx: NodeContext, status: number, body: SessionView | { authenticated: false; error?: string } | null): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (body === null) {
    ctx.body = null;
    return;
  }
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = JSON.stringify(body);
}

/** Reference §3.7: sessions need HTTPS (here: any trusted transport); plain HTTP gets 403. */
function requireTrusted(ctx: NodeContext): void {
  if (!ctx.state.trustedTransport) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'sessions need HTTPS');
}

function requireSession(ctx: NodeContext): Session {
  const session = ctx.state.session;
  if (session === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'send Authorization: Handle sessionId="…"');
  return session;
}

/** String fields of an optional JSON body (an empty or absent body is `{}`). */
async function bodyFields(ctx: NodeContext, limitBytes: number): Promise<Record<string, string>> {
  const length = ctx.req.headers['content-length'];
  if (ctx.req.headers['content-type'] === undefined && (length === undefined || length === '0')) return {};
  const body = await readJsonBody(ctx.req, limitBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new IdnodeError('INVALID_BODY', 'body must be a JSON object');
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function sessionsRouter(sessions: SessionService, limits: RateLimits, bodyLimitBytes: number): Router<NodeState> {
  const router = new Router<NodeState>();

  router.post('/api/sessions', async (ctx) => {
    ctx.state.route = 'sessions';
    requireTrusted(ctx);
    const fields = await bodyFields(ctx, bodyLimitBytes);
    const session = sessions.open(ctx.state.identity);
    const view = sessions.view(session);
    const cnonce = fields.cnonce ?? ctx.state.handleAuth?.cnonce;
    if (cnonce !== undefined) Object.assign(view, sessions.prove(session, cnonce));
    ctx.set('Location', '/api/sessions/this');
    send(ctx, 201, view);
  });

  router.get('/api/sessions/this', (ctx) => {
    ctx.state.route = 'sessions';
    requireTrusted(ctx);
    send(ctx, 200, sessions.view(requireSession(ctx)));
  });

  router.put('/api/sessions/this', async (ctx) => {
    ctx.state.route = 'sessions';
    requireTrusted(ctx);
    const fields = await bodyFields(ctx, bodyLimitBytes);
    let session = ctx.state.session;
    if (session === null && fields.sessionId !== undefined) session = sessions.find(fields.sessionId) ?? null;
    if (session === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'unknown or expired session');
    // The answer may come in the header (already checked by the credentials middleware) or as JSON, where `id` is
    // not percent-encoded.
    const answer = answerIn(fields);
    if (answer !== null) {
      const bucket = limits.clientBucket(ctx.req);
      const retry = await limits.admitLogin(bucket, answer.id);
      if (retry !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds: retry });
      try {
        sessions.answer(session, answer);
      } catch (error) {
        if (error instanceof IdnodeError && error.code === 'AUTHENTICATION_FAILED') limits.chargeFailedLogin(bucket, answer.id);
        ctx.state.session = session;
        throw error;
      }
    }
    if (session.identity === null) {
      ctx.state.session = session;
      throw new IdnodeError('AUTHENTICATION_FAILED', 'the session is not authenticated');
    }
    send(ctx, 200, sessions.view(session));
  });

  router.delete('/api/sessions/this', (ctx) => {
    ctx.state.route = 'sessions';
    requireTrusted(ctx);
    const id = ctx.state.handleAuth?.sessionId;
    // Reference §3.7: an unknown session → 403.
    if (id === undefined || !sessions.close(id)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'unknown session');
    send(ctx, 204, null);
  });

  return router;
}
