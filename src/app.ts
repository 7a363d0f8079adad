// Wiring only: builds one node (store, cache, metrics, services) and its Koa app with middleware in order.

import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { LRUCache } from 'lru-cache';
import { AccessPolicy } from './auth/access-policy.js';
import { Authenticator } from './auth/authenticator.js';
import { Authorizer } from './auth/authorizer.js';
import { nodeKeyFromPem, generateNodeKeyPem, type NodeKey } from './auth/node-key.js';
import { SessionService } from './auth/sessions.js';
import { SessionCache } from './cache/session-cache.js';
import { sessionsRouter } from './http/sessions-router.js';
import { siteRouter } from './http/site-router.js';
import { nodeSite, publishSite, type Site } from './prefixes/site.js';
import { CredentialCache } from './cache/credential-cache.js';
import { RecordCache } from './cache/record-cache.js';
import type { RecordLookup } from './auth/authenticator.js';
import type { HandleValue } from './identifier/value.js';
import type { PublicView } from './identifier/value-json.js';
import { ResolveCache } from './cache/resolve-cache.js';
import type { Config } from './config.js';
import { IdnodeError } from './errors.js';
import { credentials } from './http/credentials.js';
import { fastResolve } from './http/fast-resolve.js';
import { rateLimitGate } from './http/rate-limit-gate.js';
import { originForm } from './http/raw-target.js';
import { handlesRouter } from './http/handles-router.js';
import { opsRouter } from './http/ops-router.js';
import { prefixesRouter } from './http/prefixes-router.js';
import { requestPipeline } from './http/request-pipeline.js';
import type { NodeState } from './http/state.js';
import { transportTrust } from './http/transport.js';
import { PREFIX_NAMESPACE, prefixRecordHandle, type CaseRule } from './identifier/handle.js';
import type { Logger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import { PrefixService } from './prefixes/prefix-service.js';
import { RateLimits } from './ratelimit/rate-limits.js';
import { bootstrapNode, type BootstrapResult } from './prefixes/provision.js';
import { RegisterService } from './register/register-service.js';
import { ResolveService } from './resolve/resolve-service.js';
import { watchExternalWrites } from './store/external-writes.js';
import { WireDispatcher } from './wire/dispatch.js';
import { openStore, type Store } from './store/store.js';

export interface NodeOptions {
  readonly logger: Logger;
  /** Wall clock in milliseconds (timestamps, TTLs, cache expiry); tests inject their own. */
  readonly nowMs?: () => number;
  /** How often to look for writes by other processes (the CLI) and drop the cache; 0 = never. */
  readonly externalWritePollMs?: number;
}

export interface IdnodeNode {
  readonly app: Koa<NodeState>;
  /** The HTTP request listener: the resolve fast path, then the Koa app. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly store: Store;
  readonly cache: ResolveCache;
  readonly metrics: Metrics;
  readonly bootstrap: BootstrapResult;
  readonly sessions: SessionService;
  /** Answers Handle-protocol messages (TCP and UDP, src/wire/) over the same services, cache, limits and metrics. */
  readonly wire: WireDispatcher;
  /**
   * Publishes this node's HS_SITE (with its public key) for the HTTP port it listens on, and the Handle-protocol port
   * when it listens on one, in 0.NA/<node prefix> and /api/site.
   */
  publishSite(port: number, handlePort?: number | null): void;
  /** Stops background timers, runs queued writes and closes the store. */
  close(): void;
}

/** Opens the store, bootstraps the node prefix record and builds the app. Throws STORE_UNAVAILABLE. */
export async function createNode(config: Config, options: NodeOptions): Promise<IdnodeNode> {
  const nowMs = options.nowMs ?? Date.now;
  const rule: CaseRule = { suffixCaseSensitive: config.suffixCaseSensitive };
  const cache = new ResolveCache({ maxEntries: config.cacheMaxEntries, maxBytes: config.cacheMaxBytes, nowMs });
  const remembered = new CredentialCache({ maxEntries: 10_000, ttlMs: config.authCacheSeconds * 1000, nowMs });
  // Parsed records for authentication and authorization; dropped on every write, never filled inside one.
  const records = new RecordCache<readonly HandleValue[]>(10_000);
  // Prefix-referral decisions by prefix (ResolveService); cleared whenever a prefix record changes.
  const referralMemo = new LRUCache<string, { readonly referral: PublicView | null }>({ max: 10_000 });
  const store = openStore(config.dbPath, {
    busyTimeoutMs: config.storeBusyTimeoutMs,
    onRecordWritten: (key) => records.invalidate(key),
    maxBytes: config.storeMaxBytes,
    onCommitted: (keys) => {
      cache.invalidate(keys);
      for (const key of keys) remembered.forgetHandle(key);
      if (keys.some((key) => key.startsWith(`${PREFIX_NAMESPACE}/`))) referralMemo.clear();
    },
  });
  if (store.capBytes !== null && store.capBytes > config.storeMaxBytes) {
    options.logger.warn(
      { storeMaxBytes: config.storeMaxBytes, capBytes: store.capBytes },
      'IDNODE_STORE_MAX_BYTES is below the size of the store: it is held at its current size, and writes that need more room get 503',
    );
  }
  let bootstrap: BootstrapResult;
  try {
    // Canonical keys depend on the case rule: a store keeps the rule it was created with.
    const pinned = store.pinSetting('suffix_case_sensitive', String(config.suffixCaseSensitive));
    if (pinned !== String(config.suffixCaseSensitive)) {
      throw new IdnodeError('STORE_UNAVAILABLE', `${config.dbPath} was created with IDNODE_SUFFIX_CASE_SENSITIVE=${pinned}; it cannot change`);
    }
    bootstrap = await bootstrapNode(store, config.nodePrefix, config.adminSecret, { rule, secretHashIterations: config.secretHashIterations, nowMs });
  } catch (error) {
    store.close();
    throw error;
  }
  const sessionCache = new SessionCache({ maxSessions: config.sessionMax, idleMs: config.sessionIdleSeconds * 1000, nonceTtlMs: config.nonceTtlSeconds * 1000, nowMs });
  const metrics = new Metrics({ cache: () => cache.stats(), storeSizeBytes: () => store.sizeBytes(), sessions: () => sessionCache.size });
  const nodePrefixRecordKey = prefixRecordHandle(config.nodePrefix, rule).key;
  const policy = new AccessPolicy(new Authorizer(nodePrefixRecordKey, rule), rule);
  const lookup: RecordLookup = (key) => records.get(key, () => store.getRecord(key)?.values, !store.inTransaction);
  const authenticator = new Authenticator(lookup, remembered, config.secretHashIterations);
  const resolve = new ResolveService(store, cache, policy, metrics, {
    rule,
    peekRecord: (key) => records.get(key, () => store.getRecord(key)?.values, false),
    referralMemo,
    cacheMaxTtlSeconds: config.cacheMaxTtlSeconds,
    cacheNegativeTtlSeconds: config.cacheNegativeTtlSeconds,
    nowMs,
  }, lookup);
  const register = new RegisterService(store, policy, metrics, { rule, nodePrefixRecordKey, secretHashIterations: config.secretHashIterations, nowMs }, lookup);
  const prefixes = new PrefixService(store, policy, {
    listHandlesEnabled: config.listHandlesEnabled,
    listMaxPageSize: config.listMaxPageSize,
    nodePrefix: config.nodePrefix,
    nowMs,
  }, lookup);

  const limits = new RateLimits({
    perClientPerSecond: config.rateLimitPerClient,
    errorsPerClientPerSecond: config.rateLimitErrorsPerClient,
    perIdentityPerSecond: config.rateLimitPerIdentity,
    failedLoginsPerMinute: config.rateLimitFailedLoginsPerMinute,
    tableSize: config.rateLimitTableSize,
    trustedProxies: config.trustedProxies,
  });

  // Made on first use (a served node makes it at start, when it publishes its site): key generation takes a while.
  let key: NodeKey | null = null;
  const nodeKey = (): NodeKey => (key ??= nodeKeyFromPem(store.nodeKey('server', generateNodeKeyPem, Math.floor(nowMs() / 1000))));
  const sessions = new SessionService(
    sessionCache,
    lookup,
    rule,
    nodeKey,
  );
  let site: Site | null = null;
  // Until publishSite names the ports bound, the configured ones (a Handle port chosen at start is not known yet).
  const currentSite = (): Site => (site ??= nodeSite(config, config.port, nodeKey().publicJwk, config.handlePort === 0 ? null : config.handlePort));

  const app = new Koa<NodeState>({ proxy: false });
  app.silent = true;
  app.on('error', (error: unknown) => options.logger.error({ err: error }, 'unhandled koa error'));
  const routers = [
    handlesRouter({ resolve, register, prefixes, rule, bodyLimitBytes: config.bodyLimitBytes }),
    prefixesRouter(prefixes),
    sessionsRouter(sessions, limits, config.bodyLimitBytes, rule),
    siteRouter(() => currentSite()),
    opsRouter(metrics, () => store.ping(), { token: config.metricsToken, allow: config.metricsAllow }),
  ];
  app.use(requestPipeline({ limits, sessions, metrics, logger: options.logger, trustedTransport: transportTrust(config.trustedProxies, config.trustLoopback) }));
  app.use(credentials({ authenticator, sessions, limits, rule }));
  // allowedMethods sets 405/501 with an Allow header; the pipeline renders the body in the route's dialect.
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());

  const fast = fastResolve({ limits, resolve, metrics, rule });
  const koa = app.callback();
  const gate = rateLimitGate(limits, (req: IncomingMessage, res: ServerResponse): void => {
    if (!fast(req, res)) void koa(req, res);
  });
  // Every layer below reads the raw path from req.url: an absolute-form target becomes origin form first.
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url !== undefined && req.url.charCodeAt(0) !== 0x2f) req.url = originForm(req.url);
    gate(req, res);
  };

  const wire = new WireDispatcher({
    resolve,
    register,
    prefixes,
    limits,
    metrics,
    logger: options.logger,
    lookup,
    rule,
    site: currentSite,
    sign: (data, digest) => nodeKey().sign(data, digest),
    nowMs,
    maxChallenges: config.sessionMax,
    challengeTtlMs: config.nonceTtlSeconds * 1000,
    sessionIdleMs: config.sessionIdleSeconds * 1000,
  });

  // Another process (the idnode CLI) may write to the file: drop what this one remembers about it.
  const stopWatching = watchExternalWrites(store, options.externalWritePollMs ?? 1000, () => {
    cache.clear();
    remembered.clear();
    records.clear();
    referralMemo.clear();
  });

  return {
    app,
    listener,
    store,
    cache,
    metrics,
    bootstrap,
    sessions,
    wire,
    publishSite(port: number, handlePort: number | null = null) {
      site = nodeSite(config, port, nodeKey().publicJwk, handlePort);
      publishSite(store, config.nodePrefix, site, rule, Math.floor(nowMs() / 1000));
    },
    close() {
      stopWatching();
      store.close();
    },
  };
}
