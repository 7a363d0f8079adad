// `/identity/…` (snms-v5-api.md §3): the plain and cipher logins, logout, and creating users.

import type { AccountService, AccountRole } from '../accounts/account-service.js';
import { usernameKey } from '../accounts/account-service.js';
import type { Authority } from '../accounts/authority.js';
import { IdnodeError } from '../errors.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import { compileSchema } from './body.js';
import type { ClientAddressing } from './client-address.js';
import { bearerToken } from './snms-auth.js';
import { checkSnmsBody, objectBody, readSnmsBody, requireCaller, sendEnvelope } from './snms-envelope.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface SnmsIdentityDeps {
  readonly accounts: AccountService;
  readonly authority: Authority;
  readonly limits: RateLimits;
  readonly clients: ClientAddressing;
  readonly bodyLimitBytes: number;
  readonly addressOf: (req: NodeContext['req']) => string;
}

const loginBody = compileSchema('snms-login');
const registryBody = compileSchema('snms-registry');

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * Logs in with `username`/`password` under the failed-login limit (per client network and per account name).
 * Throws LOGIN_FAILED, RATE_LIMITED, INSUFFICIENT_PERMISSIONS (credentials on an untrusted transport).
 */
export async function loginWithLimits(ctx: NodeContext, deps: Pick<SnmsIdentityDeps, 'accounts' | 'limits' | 'clients'>, username: string, password: string, form: 'plain' | 'cipher'): Promise<string> {
  if (!ctx.state.trustedTransport) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'passwords count only over TLS, from loopback or from a trusted TLS-terminating proxy');
  const network = deps.clients.network(ctx.req);
  const claimed = `account:${usernameKey(username)}`;
  const retryAfterSeconds = deps.limits.admitLogin(network, claimed);
  if (retryAfterSeconds !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds });
  let token: string;
  try {
    token = (await deps.accounts.login(username, password, form)).token;
  } catch (error) {
    if (error instanceof IdnodeError && error.code === 'LOGIN_FAILED') deps.limits.chargeFailedLogin(network, claimed);
    throw error;
  }
  deps.limits.loginSucceeded(network, claimed);
  return token;
}

/** The handlers of the `snms.token*` and `snms.registry` routes. */
export function snmsIdentityRoutes(deps: SnmsIdentityDeps): RouteHandlers {
  const login = (form: 'plain' | 'cipher') => async (ctx: NodeContext): Promise<void> => {
    const body = objectBody(await readSnmsBody(ctx, deps.bodyLimitBytes));
    checkSnmsBody(loginBody, body);
    const username = text(body.username) ?? text(body.userName);
    if (username === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: username');
    const token = await loginWithLimits(ctx, deps, username, String(body.password), form);
    sendEnvelope(ctx, { token });
  };

  async function logout(ctx: NodeContext): Promise<void> {
    requireCaller(ctx);
    await deps.accounts.revoke(bearerToken(ctx.req.headers.authorization ?? ''));
    sendEnvelope(ctx, true);
  }

  async function registry(ctx: NodeContext): Promise<void> {
    const caller = requireCaller(ctx);
    deps.authority.requireAdmin(caller);
    const body = objectBody(await readSnmsBody(ctx, deps.bodyLimitBytes));
    checkSnmsBody(registryBody, body);
    const username = text(body.userName) ?? text(body.username);
    if (username === null) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: userName');
    await deps.accounts.create(
      {
        username,
        passwordSha256: String(body.password),
        role: (text(body.role) ?? 'enterprise') as AccountRole,
        enterpriseId: null,
        email: text(body.email),
        mobile: text(body.mobile),
        openId: text(body.openId),
        openUserName: text(body.openUserName),
        remarks: text(body.remarks),
      },
      { who: caller.actor, from: deps.addressOf(ctx.req) },
    );
    sendEnvelope(ctx, true);
  }

  return { 'snms.token': login('plain'), 'snms.token.v1': login('cipher'), 'snms.logout': logout, 'snms.registry': registry };
}
