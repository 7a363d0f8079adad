// What middleware hands to routers on ctx.state.

import type { Middleware, ParameterizedContext } from 'koa';
import type { Caller } from '../accounts/account-service.js';
import type { HandleAuthorization } from '../auth/handle-authorization.js';
import type { Identity, Login } from '../auth/identity.js';
import type { Session } from '../auth/sessions.js';
import type { Dialect } from './answer.js';
import type { RouteName } from './routes.js';

export interface NodeState {
  /** The route of the request from the route table (`unknown` when none matches): metric label and handler. */
  route: RouteName;
  /** How this request is answered: its route's dialect, or its surface's when no route matches. */
  dialect: Dialect;
  /** The authenticated identity, or null (no credentials, or credentials ignored on an untrusted transport). */
  identity: Identity | null;
  /** The Basic login of this request (identity and the key it proved), for a session opened with it. */
  login: Login | null;
  /** Credentials count only over TLS, from a trusted TLS-terminating proxy, or from loopback. */
  trustedTransport: boolean;
  /** The handle exactly as requested, echoed in Handle-dialect answers (errors included). */
  echo: string | undefined;
  /** The Handle session named by `Authorization: Handle sessionId="…"`, when it exists. */
  session: Session | null;
  /** The parsed `Authorization: Handle` parameters, when that scheme was sent on a trusted transport. */
  handleAuth: HandleAuthorization | null;
  /** The SNMS account of a request with a valid bearer token (or console cookie), or null. */
  caller: Caller | null;
  /** A POST resolution's query parameters with its JSON body fields merged in (reference §3.1); null otherwise. */
  params: URLSearchParams | null;
}

export type NodeContext = ParameterizedContext<NodeState>;

/** Handlers for routes of the table, by route name (see routes.ts). */
export type RouteHandlers = Partial<Record<RouteName, Middleware<NodeState>>>;
