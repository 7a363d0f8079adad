// Authenticates `Authorization: Basic` credentials on trusted transports and puts the identity on ctx.state.

import type { Middleware } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { parseBasicAuthorization } from '../auth/identity.js';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { NodeContext, NodeState } from './state.js';

/**
 * Over an untrusted transport credentials are ignored (a request that needs them then gets 403, as on
 * Handle.net). Failed credentials → AUTHENTICATION_FAILED (401, empty body). Authenticated answers are `no-store`.
 */
export function credentials(authenticator: Authenticator, rule: CaseRule, limits: RateLimits): Middleware<NodeState> {
  return async (ctx, next) => {
    const header = ctx.req.headers.authorization;
    // Handle credentials belong to the Handle API; /metrics has its own bearer token.
    if (header !== undefined && ctx.state.trustedTransport && ctx.path.startsWith('/api/')) {
      ctx.set('Cache-Control', 'no-store');
      const basic = parseBasicAuthorization(header, rule);
      if (basic === null) throw new IdnodeError('AUTHENTICATION_FAILED', 'unsupported authorization scheme');
      const bucket = limits.clientBucket(ctx.req);
      const claimed = `${basic.identity.index}:${basic.identity.handle.key}`;
      refuse(await limits.admitLogin(bucket, claimed));
      try {
        ctx.state.identity = await authenticator.authenticate(basic);
      } catch (error) {
        if (error instanceof IdnodeError && error.code === 'AUTHENTICATION_FAILED') limits.chargeFailedLogin(bucket, claimed);
        throw error;
      }
      refuse(await limits.admitIdentity(`${ctx.state.identity.index}:${ctx.state.identity.handle.key}`));
    }
    await next();
  };
}

function refuse(retryAfterSeconds: number | null): void {
  if (retryAfterSeconds !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds });
}

/** The authenticated identity; throws AUTHENTICATION_NEEDED when there is none. */
export function requireIdentity(ctx: NodeContext): NonNullable<NodeContext['state']['identity']> {
  const identity = ctx.state.identity;
  if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'this operation needs credentials');
  return identity;
}
