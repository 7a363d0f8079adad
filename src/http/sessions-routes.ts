// `/api/sessions`: open, inspect, authenticate and close Handle sessions (reference §3.7); trusted transports only.

import { checkCnonce, type SessionService, type SessionView } from '../auth/sessions.js';
import { IdnodeError } from '../errors.js';
import { identityText } from '../auth/identity.js';
import { readOptionalJsonObject } from './body.js';
import { answerIn, claimedKey, type LoginAttempt } from './credentials.js';
import { rawTarget } from './raw-target.js';
import type { CaseRule } from '../identifier/handle.js';
import type { NodeContext, RouteHandlers } from './state.js';

const JSON_TYPE = 'application/json; charset=utf-8';

type SessionAnswer = SessionView | { authenticated: false } | { authenticated: true; id: string };

function send(ctx: NodeContext, status: number, body: SessionAnswer | null): void {
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

/** The sessionId the client named (header, or `fields` from a JSON body), if any. */
function namedSessionId(ctx: NodeContext, fields: Record<string, string> = {}): string | undefined {
  return ctx.state.handleAuth?.sessionId ?? fields.sessionId;
}

/** Challenge fields that are credentials (or name one): never read from a URL, where logs and Referer headers keep them. */
const CREDENTIAL_FIELDS = ['sessionId', 'id', 'type', 'cnonce', 'alg', 'signature', 'salt', 'iterations', 'length', 'version'];

/**
 * Refuses credentials in the query string (Handle.net reads them there too: HandleAuthorizationHeader
 * fromHeaderAndParameters). Throws BAD_REQUEST.
 */
function refuseCredentialsInQuery(ctx: NodeContext): void {
  const { query } = rawTarget(ctx.req.url ?? '/');
  const named = CREDENTIAL_FIELDS.find((field) => query.has(field));
  if (named !== undefined) throw new IdnodeError('BAD_REQUEST', `${named} belongs in the Authorization header or a JSON body, never in the URL`);
}

/**
 * Fields of an optional JSON object body, read as Handle.net's JsonParameterServletReq reads them: strings as they
 * are, numbers and booleans as their text (`"iterations": 1000`), an array as its first item; other values are
 * ignored. No body, or a body that is not JSON (axios sends a form type on a body-less POST), is `{}` (issue 10).
 */
async function bodyFields(ctx: NodeContext, limitBytes: number): Promise<Record<string, string>> {
  const body = await readOptionalJsonObject(ctx.req, ctx.res, limitBytes);
  const fields: Record<string, string> = {};
  for (const [name, field] of Object.entries(body ?? {})) {
    const value: unknown = Array.isArray(field) ? field[0] : field;
    if (typeof value === 'string') fields[name] = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') fields[name] = String(value);
  }
  return fields;
}

/** The handlers of the `sessions.*` routes. */
export function sessionsRoutes(sessions: SessionService, attempt: LoginAttempt, bodyLimitBytes: number, rule: CaseRule): RouteHandlers {
  const open = async (ctx: NodeContext): Promise<void> => {
    requireTrusted(ctx);
    refuseCredentialsInQuery(ctx);
    const fields = await bodyFields(ctx, bodyLimitBytes);
    // (A sessionId in the header was refused before the credentials were looked at.)
    if (fields.sessionId !== undefined) throw new IdnodeError('BAD_REQUEST', 'a new session cannot name a sessionId; use /api/sessions/this');
    const cnonce = fields.cnonce ?? ctx.state.handleAuth?.cnonce;
    // Checked before the session exists, so a bad cnonce leaves nothing behind.
    if (cnonce !== undefined) checkCnonce(cnonce);
    const session = sessions.open(ctx.state.login);
    const view = sessions.view(session);
    if (cnonce !== undefined) Object.assign(view, sessions.prove(session, cnonce));
    ctx.set('Location', '/api/sessions/this');
    send(ctx, 201, view);
  };

  const get = (ctx: NodeContext): void => {
    requireTrusted(ctx);
    refuseCredentialsInQuery(ctx);
    const session = ctx.state.session;
    if (session !== null) {
      send(ctx, 200, sessions.view(session));
      return;
    }
    // A session named but unknown: 401 and a fresh challenge. No session named: who the request's Basic
    // credentials authenticate, or nothing to report (reference §3.7).
    if (namedSessionId(ctx) !== undefined) throw new IdnodeError('AUTHENTICATION_FAILED', 'unknown or expired session');
    const identity = ctx.state.identity;
    send(ctx, 200, identity === null ? { authenticated: false } : { authenticated: true, id: identityText(identity) });
  };

  /** Answers the session's challenge (PUT, or POST as Handle.net's SessionsServlet.service takes it). */
  const answer = async (ctx: NodeContext): Promise<void> => {
    requireTrusted(ctx);
    refuseCredentialsInQuery(ctx);
    const fields = await bodyFields(ctx, bodyLimitBytes);
    let session = ctx.state.session;
    const named = namedSessionId(ctx, fields);
    if (session === null && named !== undefined) session = sessions.find(named) ?? null;
    if (session === null) {
      throw new IdnodeError(named === undefined ? 'AUTHENTICATION_NEEDED' : 'AUTHENTICATION_FAILED', named === undefined ? 'name a session: sessionId' : 'unknown or expired session');
    }
    ctx.state.session = session;
    // The answer may come in the header (already checked by the credentials middleware) or as JSON, where `id` is
    // not percent-encoded. Either way a failure counts against the same failed-login limit, keyed by the identity's
    // canonical form.
    const answer = answerIn(fields);
    const answered = session;
    if (answer !== null) await attempt(ctx.req, claimedKey(answer.id, rule), () => sessions.answer(answered, answer));
    if (sessions.identityOf(session) === null) throw new IdnodeError('AUTHENTICATION_FAILED', 'the session is not authenticated; answer its nonce');
    send(ctx, 200, sessions.view(session));
  };

  const close = (ctx: NodeContext): void => {
    requireTrusted(ctx);
    refuseCredentialsInQuery(ctx);
    const id = ctx.state.handleAuth?.sessionId;
    // Reference §3.7: an unknown session → 403.
    if (id === undefined || !sessions.close(id)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'unknown session');
    send(ctx, 204, null);
  };

  return { 'sessions.open': open, 'sessions.get': get, 'sessions.answer': answer, 'sessions.close': close };
}
