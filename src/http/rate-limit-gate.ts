// The first thing every request meets: the per-client and error budgets, checked before Koa or the fast path.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import { SECURITY_HEADERS } from './request-pipeline.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

// Operator endpoints stay reachable for load balancers and Prometheus whatever a client network did.
const EXEMPT = /^\/(metrics|healthz|readyz)(\?|$)/;

/** True for the operator endpoints; `/api/…` (every request that matters for speed) is told apart by one character. */
function isExempt(url: string | undefined): boolean {
  return url !== undefined && url.charCodeAt(1) !== 0x61 && EXEMPT.test(url);
}

/** True when a request declares a body (which a refusal does not read). */
export function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * 429 in the dialect of the path: Handle `responseCode` 3 under /api/, `{"code","message"}` elsewhere; CORS like
 * every other answer; and the connection closed when the request declares a body, which is not read.
 */
function sendTooMany(req: IncomingMessage, res: ServerResponse, retryAfterSeconds: number): void {
  const url = req.url ?? '/';
  const path = url.split('?', 1)[0];
  const message = 'too many requests, retry later';
  const body = path === '/api' || url.startsWith('/api/') ? JSON.stringify({ responseCode: 3, message }) : JSON.stringify({ code: 'RATE_LIMITED', message });
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Retry-After': String(retryAfterSeconds),
  };
  if (declaresBody(req)) headers.Connection = 'close';
  res.writeHead(429, headers);
  res.end(body);
}

/**
 * Wraps the request listener: refuses with 429 + Retry-After when the client network's request budget or its
 * tighter not-found/error budget is spent (`refused` hears of each). Whoever answers charges errors with chargeIfError.
 */
export function rateLimitGate(limits: RateLimits, next: Listener, refused: () => void = () => {}): Listener {
  return (req, res) => {
    if (isExempt(req.url)) {
      next(req, res);
      return;
    }
    const retryAfterSeconds = limits.admitRequest(limits.clientBucket(req));
    if (retryAfterSeconds === null) {
      next(req, res);
      return;
    }
    sendTooMany(req, res, retryAfterSeconds);
    refused();
  };
}

/**
 * Charges a 404 or error answer (but 401 and 429) to the client's tighter error budget. Called by the code that
 * knows the status (the fast path, the Koa pipeline) rather than from a per-request 'finish' listener, which
 * measurably slowed the hot path.
 */
export function chargeIfError(limits: RateLimits, req: IncomingMessage, status: number): void {
  if (status >= 400 && status !== 401 && status !== 429 && !isExempt(req.url)) limits.chargeError(limits.clientBucket(req));
}
