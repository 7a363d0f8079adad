// SNMS bearer tokens (snms-v5-api.md §3.3): the caller of every SNMS request that carries one, its limits and quota.

import type { Middleware } from 'koa';
import type { AccountService, Caller } from '../accounts/account-service.js';
import { IdnodeError } from '../errors.js';
import type { QuotaService } from '../quotas/quota-service.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { NodeState } from './state.js';

export interface SnmsAuthDeps {
  readonly accounts: AccountService;
  readonly limits: RateLimits;
  readonly quotas: QuotaService;
}

/** Routes that take credentials in their body and ignore any Authorization header. */
const LOGIN_ROUTES = new Set(['snms.token', 'snms.token.v1']);

/** The token of `Authorization: Bearer <token>`; a header without a scheme is taken as the token itself (seen in the wild). */
export function bearerToken(header: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match !== null) return match[1] ?? '';
  if (/^\S+$/.test(header) && !/^(Basic|Handle)$/i.test(header)) return header;
  throw new IdnodeError('AUTHENTICATION_FAILED', 'Authorization must be "Bearer <token>"');
}

/**
 * Counts the request of an authenticated caller: the per-identity rate limit, and the daily request quota (603) for
 * every account but administrators. Throws RATE_LIMITED, REQUEST_LIMIT_DAILY.
 */
export async function chargeCaller(caller: Caller, deps: SnmsAuthDeps): Promise<void> {
  const retryAfterSeconds = deps.limits.admitIdentity(`account:${caller.accountId}`);
  if (retryAfterSeconds !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds });
  if (caller.role !== 'admin') deps.quotas.chargeRequest(`account:${caller.accountId}`);
}

/**
 * On SNMS routes: a bearer token sent over a trusted transport (TLS, loopback, a trusted proxy) is checked and its
 * caller put on ctx.state; an unknown or expired one is AUTHENTICATION_FAILED (status -1: log in again), also where
 * anonymous access is allowed, so a lapsed login is never mistaken for an anonymous answer.
 */
export function snmsAuth(deps: SnmsAuthDeps): Middleware<NodeState> {
  return async (ctx, next) => {
    const header = ctx.req.headers.authorization;
    if (ctx.state.dialect === 'snms' && header !== undefined && ctx.state.trustedTransport && !LOGIN_ROUTES.has(ctx.state.route)) {
      ctx.set('Cache-Control', 'no-store');
      const caller = deps.accounts.authenticate(bearerToken(header));
      await chargeCaller(caller, deps);
      ctx.state.caller = caller;
    }
    await next();
  };
}
