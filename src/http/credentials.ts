// Authenticates `Authorization: Basic` credentials on trusted transports and puts the identity on ctx.state.

import type { Middleware } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { parseBasicAuthorization } from '../auth/identity.js';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { NodeContext, NodeState } from './state.js';

/**
 * Over an untrusted transport credentials are ignored (a request that needs them then gets 403, as on
 * Handle.net). Failed credentials → AUTHENTICATION_FAILED (401, empty body). Authenticated answers are `no-store`.
 */
export function credentials(authenticator: Authenticator, rule: CaseRule): Middleware<NodeState> {
  return async (ctx, next) => {
    const header = ctx.req.headers.authorization;
    if (header !== undefined && ctx.state.trustedTransport) {
      const basic = parseBasicAuthorization(header, rule);
      if (basic === null) throw new IdnodeError('AUTHENTICATION_FAILED', 'unsupported authorization scheme');
      ctx.state.identity = await authenticator.authenticate(basic);
      ctx.set('Cache-Control', 'no-store');
    }
    await next();
  };
}

/** The authenticated identity; throws AUTHENTICATION_NEEDED when there is none. */
export function requireIdentity(ctx: NodeContext): NonNullable<NodeContext['state']['identity']> {
  const identity = ctx.state.identity;
  if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'this operation needs credentials');
  return identity;
}
