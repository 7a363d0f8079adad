// Authenticates credentials on trusted transports — Basic, or Handle sessions and challenge answers — onto ctx.state.

import type { Middleware } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { parseHandleAuthorization, type HandleAuthorization } from '../auth/handle-authorization.js';
import { parseBasicAuthorization, parseIdentity, type Identity } from '../auth/identity.js';
import { checkCnonce } from '../auth/sessions.js';
import type { SessionService } from '../auth/sessions.js';
import type { Session } from '../auth/sessions.js';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { IncomingMessage } from 'node:http';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { ClientAddressing } from './client-address.js';
import type { NodeContext, NodeState } from './state.js';

export interface CredentialsDeps {
  readonly authenticator: Authenticator;
  readonly sessions: SessionService;
  readonly limits: RateLimits;
  readonly clients: ClientAddressing;
  readonly rule: CaseRule;
  /** Counts a request of an authenticated identity against its daily quota; throws REQUEST_LIMIT_DAILY (603). */
  readonly chargeIdentity?: (identity: Identity) => void;
}

/** Runs a credential check for `claimed` (canonical `index:handle`, '' when unreadable) from the client behind `req`. */
export type LoginAttempt = <T>(req: IncomingMessage, claimed: string, check: () => Promise<T> | T) => Promise<T>;

/**
 * Credential checks under the failed-login policy (src/ratelimit/failed-logins.ts), by client network and identity:
 * refused (RATE_LIMITED) while locked out; an AUTHENTICATION_FAILED is charged; a success forgives that network's
 * failures on the identity. Basic logins and challenge answers, in headers or in /api/sessions bodies, all go through it.
 */
export function loginAttempts(limits: RateLimits, clients: ClientAddressing): LoginAttempt {
  return async (req, claimed, check) => {
    const network = clients.network(req);
    refuse(limits.admitLogin(network, claimed));
    let result;
    try {
      result = await check();
    } catch (error) {
      if (error instanceof IdnodeError && error.code === 'AUTHENTICATION_FAILED') limits.chargeFailedLogin(network, claimed);
      throw error;
    }
    limits.loginSucceeded(network, claimed);
    return result;
  };
}

function refuse(retryAfterSeconds: number | null): void {
  if (retryAfterSeconds !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds });
}

/** The canonical key of the identity a credential claims, for rate-limiting failed attempts ('' if unparsable). */
export function claimedKey(text: string | undefined, rule: CaseRule): string {
  if (text === undefined) return '';
  try {
    const identity = parseIdentity(text, rule);
    return `${identity.index}:${identity.handle.key}`;
  } catch {
    return '';
  }
}

const ANSWER_FIELDS = ['id', 'type', 'cnonce', 'alg', 'signature'] as const;

/**
 * The challenge answer in `auth` (header parameters or JSON fields), or null when it carries none (`sessionId`, or a
 * `cnonce` alone asking the server to prove itself). An answer must have all of id, type, cnonce, alg and signature;
 * one that lacks any is refused (AUTHENTICATION_FAILED), as Handle.net refuses "missing fields".
 */
export function answerIn(auth: HandleAuthorization): Parameters<SessionService['answer']>[1] | null {
  const { id, type, cnonce, alg, signature } = auth;
  if (id === undefined && type === undefined && alg === undefined && signature === undefined) return null;
  // Only an answer depends on the version of the scheme (StandardHandleAuthenticator line 113).
  if (auth.version !== undefined && auth.version !== '0') throw new IdnodeError('AUTHENTICATION_FAILED', 'Unknown version in Authorization: Handle');
  const missing = ANSWER_FIELDS.filter((field) => !auth[field]);
  if (missing.length > 0) throw new IdnodeError('AUTHENTICATION_FAILED', `missing fields in authentication data: ${missing.join(', ')}`);
  return { id: id ?? '', type: type ?? '', cnonce: cnonce ?? '', alg: alg ?? '', signature: signature ?? '', salt: auth.salt, iterations: auth.iterations, length: auth.length };
}

/** `/api/sessions` and `/api/sessions/this` answer for unknown sessions themselves (reference §3.7). */
function isSessionsPath(path: string): boolean {
  return path === '/api/sessions' || path.startsWith('/api/sessions/');
}

/**
 * Over an untrusted transport credentials are ignored (a request that needs them then gets 403, as on
 * Handle.net). Failed credentials → AUTHENTICATION_FAILED (401 with challenges). Failed Basic logins and failed
 * challenge answers count against the same failed-login limit. Authenticated answers are `no-store`.
 */
export function credentials(deps: CredentialsDeps): Middleware<NodeState> {
  const { authenticator, sessions, limits, rule } = deps;
  const attempts = loginAttempts(limits, deps.clients);

  async function handleScheme(ctx: NodeContext, auth: HandleAuthorization): Promise<Identity | null> {
    ctx.state.handleAuth = auth;
    if (auth.sessionId === undefined) {
      if (answerIn(auth) !== null) throw new IdnodeError('AUTHENTICATION_FAILED', 'an answer needs the sessionId of its challenge');
      // A cnonce alone asks the server to prove itself (reference §6): outside /api/sessions (which opens its own)
      // that opens a session, whose id and nonce the proof names.
      if (auth.cnonce !== undefined && !isSessionsPath(ctx.path)) {
        checkCnonce(auth.cnonce);
        ctx.state.session = sessions.open(null);
      }
      return null;
    }
    // Opening a session while naming one is a mistake (Handle.net answers 400 too); refused before anything changes.
    if (ctx.method === 'POST' && (ctx.path === '/api/sessions' || ctx.path === '/api/sessions/')) throw new IdnodeError('BAD_REQUEST', 'a new session cannot name a sessionId; use /api/sessions/this');
    const session = sessions.find(auth.sessionId);
    if (session === undefined) {
      // Reference §6: a sessionId the server does not know (expired, closed, never issued) → 401 with a fresh
      // challenge, on any request — a client must not mistake a lapsed login for an anonymous answer.
      if (isSessionsPath(ctx.path)) return null;
      throw new IdnodeError('AUTHENTICATION_FAILED', 'unknown or expired session; log in again');
    }
    const answer = answerIn(auth);
    if (answer !== null) {
      ctx.state.session = session;
      return attempts(ctx.req, claimedKey(answer.id, rule), () => sessions.answer(session, answer));
    }
    let identity: Identity | null;
    try {
      identity = sessions.identityOf(session);
    } catch (error) {
      // The session just ended (its key changed): on /api/sessions paths it is now simply unknown, answered there.
      if (isSessionsPath(ctx.path) && error instanceof IdnodeError && error.code === 'AUTHENTICATION_FAILED') return null;
      throw error;
    }
    ctx.state.session = session;
    return identity;
  }

  return async (ctx, next) => {
    ctx.state.session = null;
    ctx.state.handleAuth = null;
    ctx.state.login = null;
    const header = ctx.req.headers.authorization;
    // Handle credentials belong to the Handle API; /metrics has its own bearer token.
    if (header !== undefined && ctx.state.trustedTransport && ctx.state.dialect === 'handle') {
      ctx.set('Cache-Control', 'no-store');
      const handle = parseHandleAuthorization(header);
      let identity: Identity | null;
      if (handle !== null) identity = await handleScheme(ctx, handle);
      else {
        const basic = parseBasicAuthorization(header, rule);
        if (basic === null) throw new IdnodeError('AUTHENTICATION_FAILED', 'unsupported authorization scheme');
        const login = await attempts(ctx.req, `${basic.identity.index}:${basic.identity.handle.key}`, () => authenticator.authenticate(basic));
        ctx.state.login = login;
        identity = login.identity;
      }
      ctx.state.identity = identity;
      if (identity !== null) {
        refuse(limits.admitIdentity(`${identity.index}:${identity.handle.key}`));
        deps.chargeIdentity?.(identity);
      }
      const session = ctx.state.session as Session | null; // set by handleScheme
      if (handle?.cnonce !== undefined && handle.id === undefined && session !== null) {
        // The client asks the server to prove itself (reference §6). The nonce signed is named too: after an answer
        // the session has a fresh one the client has not seen yet.
        const proof = sessions.prove(session, handle.cnonce);
        ctx.set(
          'Authentication-Info',
          `Handle sessionId="${session.id}", nonce="${proof.nonce}", serverAlg="${proof.serverAlg}", serverSignature="${proof.serverSignature}"`,
        );
      }
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
