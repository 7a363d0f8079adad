// Wiring only: builds one node (store, cache, metrics, services) and its Koa app with middleware in order.

import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { AccessPolicy } from './auth/access-policy.js';
import { Authenticator } from './auth/authenticator.js';
import { Authorizer } from './auth/authorizer.js';
import { nodeKeyFromPem, generateNodeKeyPem, type NodeKey } from './auth/node-key.js';
import { SessionService } from './auth/sessions.js';
import { NodeCaches } from './cache/node-caches.js';
import type { ResolveCache } from './cache/resolve-cache.js';
import { SessionCache, type SessionTable } from './cache/session-cache.js';
import type { Config } from './config.js';
import { IdnodeError } from './errors.js';
import { buildBusiness, type Business } from './business.js';
import { clientAddressing } from './http/client-address.js';
import { credentials, loginAttempts } from './http/credentials.js';
import { snmsAuth } from './http/snms-auth.js';
import { snmsIdentityRoutes } from './http/snms-identity-routes.js';
import { snmsDataRoutes } from './http/snms-data-routes.js';
import { snmsTemplateRoutes } from './http/snms-template-routes.js';
import { snmsEnterpriseRoutes } from './http/snms-enterprise-routes.js';
import { snmsAuditRoutes } from './http/snms-audit-routes.js';
import { consoleRoutes } from './http/console-routes.js';
import { snmsMessageOf } from './http/answer.js';
import { IdentifierService } from './snms/identifier-service.js';
import { fastResolve } from './http/fast-resolve.js';
import { fastProxy } from './http/fast-proxy.js';
import { handlesRoutes } from './http/handles-routes.js';
import { hierarchyRoutes } from './http/hierarchy-routes.js';
import { opsRoutes } from './http/ops-routes.js';
import { prefixesRoutes } from './http/prefixes-routes.js';
import { proxyAnswerer } from './http/proxy-answer.js';
import { proxyRoutes } from './http/proxy-routes.js';
import { rateLimitGate } from './http/rate-limit-gate.js';
import { originForm } from './http/raw-target.js';
import { requestAccounting } from './http/request-accounting.js';
import { requestPipeline } from './http/request-pipeline.js';
import { buildRouter, ROUTE_NAMES } from './http/routes.js';
import { sessionsRoutes } from './http/sessions-routes.js';
import { siteRoutes } from './http/site-routes.js';
import type { NodeState } from './http/state.js';
import { transportTrust } from './http/transport.js';
import { prefixRecordHandle, type CaseRule } from './identifier/handle.js';
import { identityText, parseIdentity, type Identity } from './auth/identity.js';
import { nodeSite, publishSite, type Site } from './prefixes/site.js';
import { prefixRecordDirectory } from './pages/enterprise.js';
import type { ValueLabels } from './pages/labels.js';
import { templateLabels } from './templates/template-labels.js';
import { nodeTimeZone } from './pages/local-time.js';
import type { Logger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import { Hierarchy } from './hierarchy/hierarchy.js';
import { PrefixService } from './prefixes/prefix-service.js';
import { RateLimits } from './ratelimit/rate-limits.js';
import { bootstrapNode, type BootstrapResult } from './prefixes/provision.js';
import { RegisterService } from './register/register-service.js';
import { ResolveService } from './resolve/resolve-service.js';
import { hearOtherProcesses } from './coherence.js';
import { SharedSessions } from './store/shared-sessions.js';
import { exposedStoreFiles } from './store/private-files.js';
import type { RecordLookup, Store } from './store/store.js';
import { describeLocation, openStoreAt, storeLocation } from './store-location.js';
import { storeFileStats } from './store/store-files.js';
import { ThreadWriteChannel } from './store/thread-write-channel.js';
import { LocalWriteChannel, SettledWriteChannel, type WriteChannel } from './store/write-channel.js';
import type { WriterThreadData } from './store/writer-thread-host.js';
import { writeCommands, type WriteCommandSettings } from './write-commands.js';
import { UsageRecorder } from './usage/usage-recorder.js';
import { WireDispatcher } from './wire/dispatch.js';

export interface NodeOptions {
  readonly logger: Logger;
  /** Wall clock in milliseconds (timestamps, TTLs, cache expiry); tests inject their own. */
  readonly nowMs?: () => number;
  /**
   * How often an idle node looks for writes by other processes (workers, the CLI) and drops what they changed from its
   * caches; 0 = never. Every request looks first anyway (src/store/change-feed.ts).
   */
  readonly externalWritePollMs?: number;
  /**
   * Whether this process does the work a node does once: its hierarchy (joining, the outbox, probes), its usage run
   * (heartbeats for the monthly report) and publishing its site. Default true; false in all workers but one
   * (IDNODE_WORKERS, src/cluster/).
   */
  readonly background?: boolean;
  /**
   * Handle sessions in a table beside the store (`<db>.sessions`) that every process over the store shares, instead of
   * this process's memory. Default false; true in the workers of IDNODE_WORKERS > 1.
   */
  readonly sharedSessions?: boolean;
  /** The resolver proxy's draws among weighted locations, in [0, 1); tests inject their own. Default Math.random. */
  readonly random?: () => number;
  /** The time zone of the product pages' times. Default: the node's own (TZ). */
  readonly timeZone?: string;
  /** Labels of the product pages' values (SNMS template item names). Default: the type names. */
  readonly labels?: ValueLabels;
  /** Tests only: holds the writer thread's COMMITs while its first element is 1 (WriterThreadData.commitGate). */
  readonly commitGate?: SharedArrayBuffer;
}

export interface IdnodeNode {
  readonly app: Koa<NodeState>;
  /** The HTTP request listener: the resolve fast path, then the Koa app. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly store: Store;
  /** Where writes go: the writer thread (a file store) or this thread (`:memory:`, IDNODE_WRITER_THREAD=false). */
  readonly writes: WriteChannel;
  readonly cache: ResolveCache;
  readonly metrics: Metrics;
  readonly bootstrap: BootstrapResult;
  readonly sessions: SessionService;
  /** The use cases behind the HTTP routes, for callers that are not HTTP (other listeners, the tests of the services). */
  readonly services: { readonly resolve: ResolveService; readonly register: RegisterService; readonly prefixes: PrefixService; readonly identifiers: IdentifierService };
  /** The secondary-node business behind the SNMS routes and the console. */
  readonly business: Business;
  /** This run's usage record (resolution counters, heartbeat) for the monthly report; flushed every few seconds. */
  readonly usage: UsageRecorder;
  /** Answers Handle-protocol messages (TCP and UDP, src/wire/) over the same services, cache, limits and metrics. */
  readonly wire: WireDispatcher;
  /** The node's place in the hierarchy: referrals, recursion, a secondary's outbox or a top-level node's nodes (docs/hierarchy.md). */
  readonly hierarchy: Hierarchy;
  /**
   * Publishes this node's HS_SITE (with its public key) for the HTTP port it listens on, and the Handle-protocol port
   * when it listens on one, in 0.NA/<node prefix> and /api/site; then starts (or updates) its part in the hierarchy:
   * joining its upstream, or checking on its secondary nodes.
   */
  publishSite(port: number, handlePort?: number | null): void;
  /** Stops background timers, records the stop, runs queued writes, stops the writer thread and closes the store. */
  close(): Promise<void>;
}

/** Pins the store's case rule and provisions the node prefix record and its administrator. Throws STORE_UNAVAILABLE. */
async function provision(store: Store, config: Config, nowMs: () => number): Promise<BootstrapResult> {
  // Canonical keys depend on the case rule: a store keeps the rule it was created with.
  const pinned = store.pinSetting('suffix_case_sensitive', String(config.suffixCaseSensitive));
  if (pinned !== String(config.suffixCaseSensitive)) {
    throw new IdnodeError('STORE_UNAVAILABLE', `${describeLocation(storeLocation(config))} was created with IDNODE_SUFFIX_CASE_SENSITIVE=${pinned}; it cannot change`);
  }
  const rule: CaseRule = { suffixCaseSensitive: config.suffixCaseSensitive };
  return bootstrapNode(store, config.nodePrefix, config.adminSecret, { rule, secretHashIterations: config.secretHashIterations, nowMs });
}

/**
 * Opens the store once to migrate it and provision the node (what createNode does first), then closes it: the
 * primary of IDNODE_WORKERS > 1 does this before its workers start, so a first start generates one secret. Throws
 * STORE_UNAVAILABLE.
 */
export async function provisionStore(config: Config, nowMs: () => number = Date.now): Promise<BootstrapResult> {
  const store = openStoreAt(storeLocation(config), { busyTimeoutMs: config.storeBusyTimeoutMs, allowReadable: config.storeAllowReadable });
  try {
    const bootstrap = await provision(store, config, nowMs);
    // Made here, once: workers starting together would each generate a key pair only to find another's stored.
    store.nodeKey('server', generateNodeKeyPem, Math.floor(nowMs() / 1000));
    return bootstrap;
  } finally {
    store.close();
  }
}

/** Opens the store, bootstraps the node prefix record and builds the app. Throws STORE_UNAVAILABLE. */
export async function createNode(config: Config, options: NodeOptions): Promise<IdnodeNode> {
  const nowMs = options.nowMs ?? Date.now;
  const rule: CaseRule = { suffixCaseSensitive: config.suffixCaseSensitive };
  const caches = new NodeCaches({
    resolveMaxEntries: config.cacheMaxEntries,
    resolveMaxBytes: config.cacheMaxBytes,
    credentialTtlMs: config.authCacheSeconds * 1000,
    nowMs,
  });
  const cache = caches.resolve;
  const store = openStoreAt(storeLocation(config, true, true), {
    busyTimeoutMs: config.storeBusyTimeoutMs,
    allowReadable: config.storeAllowReadable,
    maxBytes: config.storeMaxBytes,
    onRecordWritten: (key) => caches.written(key),
    onCommitted: (keys) => caches.invalidate(keys),
  });
  if (store.capBytes !== null && store.capBytes > config.storeMaxBytes) {
    options.logger.warn(
      { storeMaxBytes: config.storeMaxBytes, capBytes: store.capBytes },
      'IDNODE_STORE_MAX_BYTES is below the size of the store: it is held at its current size, and writes that need more room get 503',
    );
  }
  if (config.storeAllowReadable && store.engine === 'sqlite') {
    const exposed = exposedStoreFiles(config.dbPath);
    if (exposed.length > 0) options.logger.warn({ files: exposed }, 'group or others may read the store (IDNODE_STORE_ALLOW_READABLE=true); it holds every secret key');
  }
  let bootstrap: BootstrapResult;
  try {
    bootstrap = await provision(store, config, nowMs);
  } catch (error) {
    store.close();
    throw error;
  }
  const nodePrefixRecordKey = prefixRecordHandle(config.nodePrefix, rule).key;
  let writes: WriteChannel;
  // PostgreSQL: a write is acknowledged once every other process dropped what it replaced (coherence.settle, below).
  let settle = (): Promise<void> => Promise.resolve();
  let lateAnswers = 0;
  try {
    writes = await openWriteChannel(config, store, { rule, nodePrefixRecordKey, config }, caches, options);
    if (store.engine === 'postgres') writes = new SettledWriteChannel(writes, () => settle());
  } catch (error) {
    store.close();
    throw error;
  }
  const sessionOptions = { maxSessions: config.sessionMax, idleMs: config.sessionIdleSeconds * 1000, nonceTtlMs: config.nonceTtlSeconds * 1000, nowMs };
  const sessionCache: SessionTable<Identity> =
    // On PostgreSQL every process may be serving the same clients (other machines too): sessions always live in the store.
    options.sharedSessions === true || store.sharedConnection !== null
      ? new SharedSessions<Identity>(store.sharedConnection ?? (config.dbPath === ':memory:' ? ':memory:' : `${config.dbPath}.sessions`), sessionOptions, { encode: identityText, decode: (text) => parseIdentity(text, rule) })
      : new SessionCache<Identity>(sessionOptions);
  const metrics = new Metrics({
    routes: ROUTE_NAMES,
    cache: () => cache.stats(),
    storeSizeBytes: () => store.sizeBytes(),
    sessions: () => sessionCache.size,
    ops: {
      storeFiles: () => ({ ...storeFileStats(store.engine === 'sqlite' ? store.path : ':memory:'), capBytes: store.capBytes ?? 0 }),
      ...(store.engine === 'postgres' ? { postgres: { reads: () => store.replicaCounts(), lateAnswers: () => lateAnswers } } : {}),
    },
  });
  const usage = new UsageRecorder(store, writes, { nowMs, logger: options.logger });
  const policy = new AccessPolicy(new Authorizer(nodePrefixRecordKey, rule), rule);
  const { records } = caches;
  const lookup: RecordLookup = (key) => records.get(key, () => store.getRecord(key)?.values, !store.inTransaction);
  const authenticator = new Authenticator(lookup, caches.credentials, config.secretHashIterations);
  // Made on first use (a served node makes it at start, when it publishes its site): key generation takes a while.
  let key: NodeKey | null = null;
  const nodeKey = (): NodeKey => (key ??= nodeKeyFromPem(store.nodeKey('server', generateNodeKeyPem, Math.floor(nowMs() / 1000))));
  let site: Site | null = null;
  // Until publishSite names the ports bound, the configured ones (a Handle port chosen at start is not known yet).
  const currentSite = (): Site => (site ??= nodeSite(config, config.port, nodeKey().publicJwk, config.handlePort === 0 ? null : config.handlePort));
  const hierarchy = new Hierarchy({ config, store, writes, metrics, logger: options.logger, nowMs, rule, nodeKey, site: currentSite, isNodeAdmin: (identity) => policy.isNodeAdmin(identity, lookup) });
  let business: Business;
  try {
    business = buildBusiness({ store, config, policy, lookup, rule, nowMs, compiledTemplates: caches.templates, nodeSite: () => currentSite(), writes });
  } catch (error) {
    store.close();
    throw error;
  }
  const resolve = new ResolveService(store, cache, policy, metrics, {
    rule,
    peekRecord: (key) => records.get(key, () => store.getRecord(key)?.values, false),
    referrals: caches.referrals,
    homed: caches.homed,
    cacheMaxTtlSeconds: config.cacheMaxTtlSeconds,
    cacheNegativeTtlSeconds: config.cacheNegativeTtlSeconds,
    nowMs,
    stopped: business.stopped,
    usage: usage.tally,
    ...(hierarchy.beyond === undefined ? {} : { beyond: hierarchy.beyond }),
  }, lookup);
  const register = new RegisterService(store, writes, policy, metrics, { rule, nodePrefixRecordKey, secretHashIterations: config.secretHashIterations, nowMs }, lookup);
  const identifiers = new IdentifierService({
    register,
    resolve,
    templates: business.templates,
    authority: business.authority,
    stopped: business.stopped,
    rule,
    messageOf: snmsMessageOf,
  });
  const prefixes = new PrefixService(store, writes, policy, {
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
    nowMs,
    loginEvents: {
      outcome: (outcome) => metrics.login(outcome),
      // One line per lockout, when it begins: who, from where, how many failures — never a secret.
      lockout: ({ scope, identity, network, failures, retryAfterSeconds }) => {
        metrics.lockout(scope);
        options.logger.warn({ scope, identity, network, failures, retryAfterSeconds }, 'login lockout');
      },
    },
  });

  const sessions = new SessionService(
    sessionCache,
    lookup,
    rule,
    nodeKey,
  );

  const app = new Koa<NodeState>({ proxy: false });
  app.silent = true;
  app.on('error', (error: unknown) => options.logger.error({ err: error }, 'unhandled koa error'));
  const clients = clientAddressing(config.trustedProxies, (network) => limits.bucketOf(network));
  const accounting = requestAccounting(metrics, limits, clients, options.logger);
  const proxy = proxyAnswerer({
    resolve,
    rule,
    plans: caches.proxyPlans,
    pages: caches.pages,
    enterprises: prefixRecordDirectory((prefix) => lookup(prefixRecordHandle(prefix, rule).key)),
    labels: options.labels ?? templateLabels(business.templates),
    timeZone: options.timeZone ?? nodeTimeZone(),
    publicUrl: config.publicUrl,
    random: options.random ?? Math.random,
    nowMs,
    clients,
    recurses: config.role === 'top-level' || config.upstreamUrl !== null,
  });
  const addressOf = clients.address;
  const router = buildRouter({
    ...handlesRoutes({ resolve, register, prefixes, rule, bodyLimitBytes: config.bodyLimitBytes, addressOf, recurse: (request, local, hops) => hierarchy.resolveRecursively(request, local, hops) }),
    ...hierarchyRoutes(hierarchy, config.bodyLimitBytes),
    ...snmsIdentityRoutes({ accounts: business.accounts, authority: business.authority, limits, clients, bodyLimitBytes: config.bodyLimitBytes, addressOf }),
    ...snmsDataRoutes({ identifiers, bodyLimitBytes: config.bodyLimitBytes, batchBodyLimitBytes: config.batchBodyLimitBytes, addressOf }),
    ...snmsEnterpriseRoutes({ ...business, bodyLimitBytes: config.bodyLimitBytes, addressOf }),
    ...snmsAuditRoutes(business),
    ...consoleRoutes({ ...business, limits, clients, identifiers, bodyLimitBytes: config.bodyLimitBytes, addressOf }),
    ...snmsTemplateRoutes({ templates: business.templates, authority: business.authority, bodyLimitBytes: config.bodyLimitBytes, addressOf }),
    ...prefixesRoutes(prefixes),
    ...sessionsRoutes(sessions, loginAttempts(limits, clients), config.bodyLimitBytes, rule),
    ...siteRoutes(currentSite),
    ...proxyRoutes(proxy, accounting, (request, local) => hierarchy.resolveRecursively(request, local, 0)),
    ...opsRoutes(metrics, () => writes.healthy && store.ping(), { token: config.metricsToken, allow: config.metricsAllow, clientAddress: clients.address }),
  });
  app.use(requestPipeline({ sessions, accounting, trustedTransport: transportTrust(config.trustedProxies, config.trustLoopback) }));
  // Node administrators are never refused by the daily quota: they set it.
  const chargeIdentity = (identity: Identity): void => {
    if (!policy.isNodeAdmin(identity, lookup)) business.quotas.chargeRequest(`identity:${identity.index}:${identity.handle.key}`);
  };
  app.use(credentials({ authenticator, sessions, limits, clients, rule, chargeIdentity }));
  app.use(snmsAuth({ accounts: business.accounts, limits, quotas: business.quotas }));
  // allowedMethods sets 405/501 with an Allow header; the pipeline renders the body in the route's dialect.
  app.use(router.routes()).use(router.allowedMethods());

  const fast = fastResolve({ resolve, accounting, rule });
  const fastProxied = fastProxy(proxy, accounting);
  const koa = app.callback();
  const gate = rateLimitGate(
    limits,
    clients,
    (req: IncomingMessage, res: ServerResponse): void => {
      if (!fast(req, res) && !fastProxied(req, res)) void koa(req, res);
    },
    () => metrics.error('RATE_LIMITED'),
  );
  // Every layer below reads the raw path from req.url: an absolute-form target becomes origin form first.
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url !== undefined && req.url.charCodeAt(0) !== 0x2f) req.url = originForm(req.url);
    coherent();
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
    chargeIdentity,
    beforeEach: () => coherent(),
  });

  // Other processes (the other workers, the idnode CLI) write to the file: before anything is answered from memory,
  // what they changed is dropped (the keys their commits logged, or everything when they did not say).
  const coherence = await hearOtherProcesses(
    store,
    config,
    {
      keys: (keys) => {
        store.noteCommits();
        for (const key of keys) caches.written(key);
        caches.invalidate(keys);
        business.stopped.reload();
        hierarchy.refresh();
      },
      all: () => {
        store.noteCommits();
        caches.clear();
        business.stopped.reload();
        hierarchy.refresh();
      },
    },
    { nowMs, pollMs: options.externalWritePollMs ?? 1000, logger: options.logger, unreadable: () => caches.clear(), onLatePeers: () => void (lateAnswers += 1) },
  ).catch(async (error: unknown) => {
    await writes.close();
    store.close();
    throw error;
  });
  settle = () => coherence.settle();
  /** Before any answer from memory. */
  function coherent(): void {
    coherence.check();
  }
  const background = options.background ?? true;
  usage.start(background);

  return {
    app,
    listener,
    store,
    writes,
    cache,
    metrics,
    bootstrap,
    sessions,
    services: { resolve, register, prefixes, identifiers },
    business,
    usage,
    wire,
    hierarchy,
    publishSite(port: number, handlePort: number | null = null) {
      site = nodeSite(config, port, nodeKey().publicJwk, handlePort);
      // One process publishes and does the hierarchy's work; the others serve the same site.
      if (!background) return;
      publishSite(store, config.nodePrefix, site, rule, Math.floor(nowMs() / 1000));
      hierarchy.start(site);
    },
    async close() {
      hierarchy.stop();
      await coherence.stop();
      business.close();
      sessionCache.close?.();
      const stopped = usage.stop();
      await writes.close();
      await stopped;
      store.close();
    },
  };
}

/**
 * The node's write path: for a store in a file, a writer thread with its own connection (issue 13: group commits and
 * their fsync off the event loop), whose commits drop this thread's caches before any of their writes is
 * acknowledged; for `:memory:` (one connection only) or IDNODE_WRITER_THREAD=false, the same commands in this
 * thread's own group commit. Throws STORE_UNAVAILABLE.
 */
async function openWriteChannel(config: Config, store: Store, settings: WriteCommandSettings, caches: NodeCaches, options: NodeOptions): Promise<WriteChannel> {
  const location = storeLocation(config, false);
  if ((location.engine === 'sqlite' && location.path === ':memory:') || !config.writerThread) return new LocalWriteChannel(store, writeCommands(store, settings), options.nowMs ?? Date.now);
  const data: WriterThreadData<WriteCommandSettings> = {
    location,
    busyTimeoutMs: config.storeBusyTimeoutMs,
    maxBytes: config.storeMaxBytes,
    allowReadable: config.storeAllowReadable,
    settings,
    // The thread's commits reach this thread's caches as messages; the change feed need not read them back.
    changeWriter: store.changes.writer,
    ...(options.commitGate === undefined ? {} : { commitGate: options.commitGate }),
  };
  const channel = new ThreadWriteChannel(new URL('./writer-thread.js', import.meta.url), data, {
    onCommitted: (keys) => {
      store.noteCommits();
      caches.invalidate(keys);
    },
    onFailure: (error) => options.logger.error({ err: error }, 'the writer thread failed; writes are refused until the node restarts'),
    nowMs: options.nowMs ?? Date.now,
  });
  try {
    await channel.ready;
  } catch (error) {
    await channel.close();
    throw error instanceof IdnodeError ? error : new IdnodeError('STORE_UNAVAILABLE', `the writer thread could not open ${describeLocation(location)}`, { cause: error });
  }
  return channel;
}
