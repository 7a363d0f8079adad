// Helpers of the SNMS tests: accounts made through the service, logins and calls over HTTP with a bearer token.

import { sha256Hex } from '../../src/accounts/password.js';
import type { AccountRole } from '../../src/accounts/account-service.js';
import { httpCall, type Reply } from './http-client.js';
import type { NodeUnderTest } from './node-under-test.js';

export const CLI_ACTOR = Object.freeze({ who: 'cli', from: '' });

/** Creates an account directly through the account service (as the CLI does). */
export async function addAccount(node: NodeUnderTest, username: string, password: string, role: AccountRole, enterpriseId: number | null = null): Promise<number> {
  return node.node.business.accounts.create({ username, passwordSha256: sha256Hex(password), role, enterpriseId, email: null, mobile: null }, CLI_ACTOR);
}

/** One SNMS call: JSON body (objects and arrays serialized), optional bearer token. */
export function snms(node: NodeUnderTest, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return httpCall(node.port, method, path, { headers, body: options.body, host: node.host });
}

/** Logs in with the plain form and returns the token; throws when the login is refused. */
export async function login(node: NodeUnderTest, username: string, password: string): Promise<string> {
  const reply = await snms(node, 'POST', '/identity/token', { body: { username, password } });
  const token = (reply.json as { data?: { token?: unknown } } | undefined)?.data?.token;
  if (reply.json?.status !== 1 || typeof token !== 'string') throw new Error(`login of ${username} failed: ${reply.text}`);
  return token;
}

/** An admin account `admin` and its token. */
export async function adminToken(node: NodeUnderTest): Promise<string> {
  await addAccount(node, 'admin', 'admin-password-1', 'admin');
  return login(node, 'admin', 'admin-password-1');
}
