// The one route table: it registers the routers' handlers and names each request's route, dialect and limits.

import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Dialect } from './answer.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  /** Unique; the metric label of the route and the key its handler is registered under. */
  readonly name: string;
  /** GET also answers HEAD. */
  readonly methods: readonly HttpMethod[];
  /** An exact path, or a pattern over the raw path. */
  readonly path: string | RegExp;
  readonly dialect: Dialect;
  /** Operator endpoints: outside the per-client request and error budgets, so load balancers always reach them. */
  readonly exempt?: true;
}

/** Everything under `/api/handles/` (the handle is the rest of the raw path). */
export const HANDLE_ROUTE = '/api/handles/';
const HANDLE_PATH = /^\/api\/handles\/.*$/s;
export const PREFIX_ROUTE = '/api/prefixes/';
const PREFIX_PATH = /^\/api\/prefixes\/.+$/s;
/**
 * The resolver proxy (docs/proxy.md): `/{prefix}/{suffix}` where the first segment starts with a digit, as every
 * prefix here does (`88.118.8`, `0.NA`, `20.500.12345`), and `/hdl/…`, `/hdl:…`, `/info:hdl/…`, `/urn:hdl:…`. No other
 * surface has a path starting with a digit or `hdl`, `info:` or `urn:`, so it never shadows one (/api, /metrics,
 * /healthz, /readyz, /identity, /identityv2, /snms…).
 */
export const PROXY_PATH = /^\/(?:[0-9][^/]*\/|hdl\/|hdl:|info:hdl\/|urn:hdl:)/i;
/** A secondary node admitted to a top-level node, and its takeover (docs/hierarchy.md). */
export const NODE_ROUTE = '/api/hierarchy/nodes/';
const NODE_PATH = /^\/api\/hierarchy\/nodes\/[^/]+$/;
const TAKEOVER_PATH = /^\/api\/hierarchy\/nodes\/[^/]+\/takeover$/;
/** The console's pages (GET), its form actions (POST) and its two static files (docs/console.md). */
const CONSOLE_PAGE = /^\/snms\/ui(?:\/(?:login|enterprises|prefixes|templates|template|identifiers|audit|audit\/export))?\/?$/;
const CONSOLE_ACTION = /^\/snms\/ui\/(?:login|logout|review|prefix-state|template)$/;
const CONSOLE_ASSET = /^\/snms\/ui\/assets\/console\.(?:js|css)$/;
/** v5 and the v3 path it replaces (§5.3): the same template object, v3 items just lack idIndex and state. */
const TEMPLATE_PATH = /^\/snms\/api\/v[35]\/template$/;

export const ROUTES = [
  { name: 'handles.list', methods: ['GET', 'POST'], path: '/api/handles', dialect: 'handle' },
  { name: 'handles.get', methods: ['GET', 'POST'], path: HANDLE_PATH, dialect: 'handle' },
  { name: 'handles.put', methods: ['PUT'], path: HANDLE_PATH, dialect: 'handle' },
  { name: 'handles.delete', methods: ['DELETE'], path: HANDLE_PATH, dialect: 'handle' },
  { name: 'prefixes.list', methods: ['GET'], path: '/api/prefixes', dialect: 'handle' },
  { name: 'prefixes.home', methods: ['POST'], path: PREFIX_PATH, dialect: 'handle' },
  { name: 'prefixes.unhome', methods: ['DELETE'], path: PREFIX_PATH, dialect: 'handle' },
  { name: 'sessions.open', methods: ['POST'], path: '/api/sessions', dialect: 'handle' },
  { name: 'sessions.get', methods: ['GET'], path: '/api/sessions/this', dialect: 'handle' },
  { name: 'sessions.answer', methods: ['PUT', 'POST'], path: '/api/sessions/this', dialect: 'handle' },
  { name: 'sessions.close', methods: ['DELETE'], path: '/api/sessions/this', dialect: 'handle' },
  { name: 'site', methods: ['GET'], path: '/api/site', dialect: 'handle' },
  { name: 'proxy', methods: ['GET'], path: PROXY_PATH, dialect: 'html' },
  { name: 'hierarchy.status', methods: ['GET'], path: '/api/hierarchy', dialect: 'handle' },
  { name: 'hierarchy.join', methods: ['POST'], path: '/api/hierarchy/join', dialect: 'handle' },
  { name: 'hierarchy.reports', methods: ['POST'], path: '/api/hierarchy/reports', dialect: 'handle' },
  { name: 'hierarchy.nodes', methods: ['GET'], path: '/api/hierarchy/nodes', dialect: 'handle' },
  { name: 'hierarchy.admit', methods: ['PUT'], path: NODE_PATH, dialect: 'handle' },
  { name: 'hierarchy.takeover', methods: ['POST'], path: TAKEOVER_PATH, dialect: 'handle' },
  { name: 'hierarchy.handback', methods: ['DELETE'], path: TAKEOVER_PATH, dialect: 'handle' },
  { name: 'hierarchy.statistics', methods: ['GET'], path: '/api/hierarchy/statistics', dialect: 'handle' },
  // The SNMS-compatible API (snms-v5-api.md), answered in its envelope; docs/snms.md.
  { name: 'snms.token', methods: ['POST'], path: '/identity/token', dialect: 'snms' },
  { name: 'snms.token.v1', methods: ['POST'], path: '/identity/token/v1', dialect: 'snms' },
  { name: 'snms.logout', methods: ['DELETE'], path: '/identity/token', dialect: 'snms' },
  { name: 'snms.registry', methods: ['POST'], path: '/identity/registry', dialect: 'snms' },
  { name: 'snms.data.detail', methods: ['GET'], path: '/identityv2/data/detail', dialect: 'snms' },
  { name: 'snms.data.create', methods: ['POST'], path: '/identityv2/data', dialect: 'snms' },
  { name: 'snms.data.update', methods: ['PUT'], path: '/identityv2/data', dialect: 'snms' },
  { name: 'snms.data.delete', methods: ['DELETE'], path: '/identityv2/data', dialect: 'snms' },
  { name: 'snms.data.batchCreate', methods: ['POST'], path: '/identityv2/data/batchCreate', dialect: 'snms' },
  { name: 'snms.data.batchUpdate', methods: ['PUT'], path: '/identityv2/data/batchUpdate', dialect: 'snms' },
  { name: 'snms.data.batchDelete', methods: ['DELETE'], path: '/identityv2/data/batchDelete', dialect: 'snms' },
  { name: 'snms.template.get', methods: ['GET'], path: TEMPLATE_PATH, dialect: 'snms' },
  { name: 'snms.template.create', methods: ['POST'], path: TEMPLATE_PATH, dialect: 'snms' },
  { name: 'snms.template.update', methods: ['PUT'], path: TEMPLATE_PATH, dialect: 'snms' },
  { name: 'snms.template.delete', methods: ['DELETE'], path: TEMPLATE_PATH, dialect: 'snms' },
  { name: 'snms.template.page', methods: ['GET'], path: '/snms/api/v5/template/page', dialect: 'snms' },
  { name: 'snms.ent.apply', methods: ['POST'], path: '/snms/api/v3/ent/apply', dialect: 'snms' },
  { name: 'snms.ent.upgradeApply', methods: ['POST'], path: '/snms/api/v3/ent/upgrade-apply', dialect: 'snms' },
  { name: 'snms.ent.page', methods: ['GET'], path: '/snms/api/v3/ent/page', dialect: 'snms' },
  { name: 'snms.ent.detail', methods: ['GET'], path: '/snms/api/v3/ent/detail', dialect: 'snms' },
  { name: 'snms.ent.review', methods: ['POST'], path: '/snms/api/v3/ent/review', dialect: 'snms' },
  { name: 'snms.ent.config', methods: ['POST'], path: '/snms/api/ent/config', dialect: 'snms' },
  { name: 'snms.prefix.query', methods: ['GET'], path: '/snms/api/prefix/query', dialect: 'snms' },
  { name: 'snms.prefix.page', methods: ['GET'], path: '/snms/api/prefix/page', dialect: 'snms' },
  { name: 'snms.prefix.state', methods: ['POST'], path: '/snms/api/prefix/state', dialect: 'snms' },
  { name: 'snms.audit.page', methods: ['GET'], path: '/snms/api/audit/page', dialect: 'snms' },
  { name: 'snms.audit.export', methods: ['GET'], path: '/snms/api/audit/export', dialect: 'snms' },
  { name: 'console.page', methods: ['GET'], path: CONSOLE_PAGE, dialect: 'console' },
  { name: 'console.action', methods: ['POST'], path: CONSOLE_ACTION, dialect: 'console' },
  { name: 'console.asset', methods: ['GET'], path: CONSOLE_ASSET, dialect: 'console' },
  { name: 'metrics', methods: ['GET'], path: '/metrics', dialect: 'plain', exempt: true },
  { name: 'healthz', methods: ['GET'], path: '/healthz', dialect: 'plain', exempt: true },
  { name: 'readyz', methods: ['GET'], path: '/readyz', dialect: 'plain', exempt: true },
] as const satisfies readonly RouteSpec[];

export type RouteName = (typeof ROUTES)[number]['name'] | 'unknown';

/** Every route label a metric may carry: the table's names and `unknown` for requests no route matched. */
export const ROUTE_NAMES: readonly RouteName[] = [...ROUTES.map((route) => route.name), 'unknown'];

/** Path families and their dialect, for requests no route matched (a 404 still answers in its surface's dialect). */
const SURFACES: readonly (readonly [string, Dialect])[] = [
  ['/api', 'handle'],
  ['/identity', 'snms'],
  ['/identityv2', 'snms'],
  ['/snms/ui', 'console'],
  ['/snms', 'snms'],
];

/** An exact path matches with or without one trailing slash, as the router matches it. */
function matchesPath(route: RouteSpec, path: string): boolean {
  if (typeof route.path !== 'string') return route.path.test(path);
  return path.startsWith(route.path) && (path.length === route.path.length || (path.length === route.path.length + 1 && path.endsWith('/')));
}

/** A route of the table, its name typed. */
export type Route = RouteSpec & { readonly name: Exclude<RouteName, 'unknown'> };

/** The route a request is for (HEAD counts as GET), or undefined. */
export function routeOf(method: string, path: string): Route | undefined {
  const verb = method === 'HEAD' ? 'GET' : method;
  return (ROUTES as readonly Route[]).find((route) => (route.methods as readonly string[]).includes(verb) && matchesPath(route, path));
}

/** The dialect of a path: its route's, else its surface's; paths outside every surface (and none known) get `handle`. */
export function dialectOf(path: string | null): Dialect {
  if (path === null) return 'handle';
  const route = (ROUTES as readonly RouteSpec[]).find((candidate) => matchesPath(candidate, path));
  if (route !== undefined) return route.dialect;
  for (const [prefix, dialect] of SURFACES) if (path === prefix || path.startsWith(`${prefix}/`)) return dialect;
  return 'plain';
}

const EXEMPT_PATHS = (ROUTES as readonly RouteSpec[]).filter((route) => route.exempt === true).map((route) => route.path as string);

/** True when a raw request target (path and query) is an operator endpoint outside the client budgets. Hot path: no allocation. */
export function isExemptTarget(url: string | undefined): boolean {
  if (url === undefined) return false;
  for (const path of EXEMPT_PATHS) {
    if (url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 0x3f)) return true;
  }
  return false;
}

/** One router with every route of the table bound to its handler; throws at start when a handler is missing. */
export function buildRouter<S>(handlers: Partial<Record<RouteName, Middleware<S>>>): Router<S> {
  const router = new Router<S>({ sensitive: true });
  for (const route of ROUTES as readonly RouteSpec[]) {
    const handler = handlers[route.name as RouteName];
    if (handler === undefined) throw new Error(`no handler for route ${route.name}`);
    router.register(route.path, [...route.methods], handler, { pathAsRegExp: route.path instanceof RegExp, name: route.name });
  }
  return router;
}
