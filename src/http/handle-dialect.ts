// Rendering in the Handle REST dialect (reference §3.1, §5): JSON bodies, `pretty`, JSONP `callback`, error shapes.

import type { IdnodeError } from '../errors.js';
import type { NodeContext } from './state.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends `json` (already serialized) with `status`, honouring `pretty` and `callback` when present — in the query, or
 * in a POST resolution's body fields (ctx.state.params).
 */
export function sendHandleJson(ctx: NodeContext, status: number, json: string): void {
  ctx.status = status;
  const query = ctx.querystring;
  const merged = ctx.state.params ?? null;
  if (merged !== null || (query.length > 0 && (query.includes('pretty') || query.includes('callback')))) {
    const params = merged ?? new URLSearchParams(query);
    const pretty = params.get('pretty');
    if (pretty !== null && ['', 'true', 'yes'].includes(pretty.toLowerCase())) json = JSON.stringify(JSON.parse(json), null, 2);
    const callback = params.get('callback');
    // No JSONP for authenticated answers: a script tag on another site would carry the browser's credentials.
    if (callback !== null && callback.length > 0 && ctx.state.identity === null) {
      // Characters not valid in a JavaScript identifier become `_` (reference §3.1).
      const name = callback.slice(0, 128).replace(/[^A-Za-z0-9_$.]/g, '_').replace(/^[0-9.]/, '_');
      ctx.set('Content-Type', 'application/javascript; charset=utf-8');
      ctx.body = `${name}(${json});`;
      return;
    }
  }
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = json;
}

/** A 401's challenge: its WWW-Authenticate values and the session and nonce they name. */
export interface Challenge {
  readonly headers: readonly string[];
  readonly sessionId: string;
  readonly nonce: string;
}

/**
 * Renders an error: `{"responseCode","handle"?,"message"}`. 5xx bodies carry only the catalog text.
 * Every 401 carries the challenge as WWW-Authenticate; over an untrusted transport a 401 becomes 403. Failed
 * credentials get 401 with an empty body (reference §6) — except on `/api/sessions`, whose 401s are
 * `{sessionId, nonce, error}` (reference §3.7: errors go in "error").
 */
export function sendHandleError(ctx: NodeContext, error: IdnodeError, challenge: Challenge | null): void {
  const { entry } = error;
  if (challenge !== null && (ctx.path === '/api/sessions' || ctx.path.startsWith('/api/sessions/'))) {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', [...challenge.headers]);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Type', JSON_TYPE);
    ctx.body = JSON.stringify({ sessionId: challenge.sessionId, nonce: challenge.nonce, error: error.message });
    return;
  }
  if (error.code === 'AUTHENTICATION_FAILED') {
    ctx.status = 401;
    if (challenge !== null) ctx.set('WWW-Authenticate', [...challenge.headers]);
    ctx.body = '';
    return;
  }
  let status = entry.httpStatus;
  if (status === 401) {
    if (challenge !== null) ctx.set('WWW-Authenticate', [...challenge.headers]);
    else status = 403;
  }
  const message = error.answerMessage;
  const body: Record<string, unknown> = { responseCode: entry.responseCode };
  if (ctx.state.echo !== undefined) body.handle = ctx.state.echo;
  body.message = message;
  sendHandleJson(ctx, status, JSON.stringify(body));
}

/** Plain JSON errors for non-Handle surfaces (ops): `{"code","message"}`. */
export function sendPlainError(ctx: NodeContext, error: IdnodeError): void {
  ctx.status = error.entry.httpStatus;
  if (ctx.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = JSON.stringify({ code: error.code, message: error.answerMessage });
}
