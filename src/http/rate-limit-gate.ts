// The first thing every request meets: the per-client and error budgets, checked before Koa or the fast path.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { IdnodeError } from '../errors.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { ClientAddressing } from './client-address.js';
import { renderError, writeAnswer } from './answer.js';
import { dialectOf, isExemptTarget } from './routes.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** True when a request declares a body (which a refusal does not read). */
export function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** 429 in the dialect of the path, with Retry-After; the connection is closed when the request declares a body, which is not read. */
function sendTooMany(req: IncomingMessage, res: ServerResponse, retryAfterSeconds: number): void {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const { status, body, contentType } = renderError(new IdnodeError('RATE_LIMITED'), dialectOf(mark < 0 ? url : url.slice(0, mark)));
  const headers: Record<string, string> = { 'Content-Type': contentType, 'Retry-After': String(retryAfterSeconds) };
  if (declaresBody(req)) headers.Connection = 'close';
  writeAnswer(res, status, body, headers);
}

/**
 * Wraps the request listener: refuses with 429 + Retry-After when the client network's request budget or its
 * tighter not-found/error budget is spent (`refused` hears of each, for the metrics). Whoever answers charges errors
 * (request-accounting.ts).
 */
export function rateLimitGate(limits: RateLimits, clients: ClientAddressing, next: Listener, refused: () => void = () => {}): Listener {
  return (req, res) => {
    if (isExemptTarget(req.url)) {
      next(req, res);
      return;
    }
    const retryAfterSeconds = limits.admitRequest(clients.bucket(req));
    if (retryAfterSeconds === null) {
      next(req, res);
      return;
    }
    sendTooMany(req, res, retryAfterSeconds);
    refused();
  };
}
