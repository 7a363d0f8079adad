// One node's place in the hierarchy (docs/hierarchy.md), built from its role: what it answers beyond its own prefixes,
// recursion, and either a secondary node's outbox worker or a top-level node's view of its secondary nodes.

import type { Identity } from '../auth/identity.js';
import { jwkThumbprint, type NodeKey } from '../auth/node-key.js';
import { RemoteCache } from '../cache/remote-cache.js';
import type { Config } from '../config.js';
import { IdnodeError } from '../errors.js';
import { prefixKeyOf, type CaseRule } from '../identifier/handle.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Beyond, ResolveRequest, ResolveResult } from '../resolve/resolve-service.js';
import type { Store } from '../store/store.js';
import type { WriteChannel } from '../store/write-channel.js';
import { CircuitBreakers } from './circuit-breakers.js';
import { SITE_TTL_SECONDS } from './node-directory.js';
import { NodeViews } from './node-views.js';
import { OutboxWorker } from './outbox-worker.js';
import { PeerClient } from './peer-client.js';
import { RecursiveResolver, type RemoteAnswer } from './recursive-resolver.js';
import { topLevelBeyond, upstreamBeyond } from './routing.js';
import type { SiteJson } from './sites.js';
import { TakeoverProber } from './takeover-prober.js';
import { TopLevel } from './top-level.js';
import { UpstreamSession } from './upstream-session.js';

export interface HierarchyDeps {
  readonly config: Config;
  readonly store: Store;
  /** Where its writes run (the writer thread; the commands are in hierarchy-writes.ts). */
  readonly writes: WriteChannel;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly rule: CaseRule;
  readonly nodeKey: () => NodeKey;
  /** This node's site as it is published now. */
  readonly site: () => SiteJson;
  readonly isNodeAdmin: (identity: Identity) => boolean;
}

export class Hierarchy {
  readonly beyond: Beyond | undefined;
  readonly recursion: RecursiveResolver;
  /** A top-level node's service (null on a secondary node). */
  readonly topLevel: TopLevel | null = null;
  readonly views: NodeViews | null = null;
  /** A secondary node's outbox worker (null without an upstream). */
  readonly worker: OutboxWorker | null = null;
  readonly prober: TakeoverProber | null = null;
  private readonly peer: PeerClient;
  private readonly breakers: CircuitBreakers;
  private upstream: { prefix: string; site: SiteJson } | null = null;
  private started = false;

  constructor(private readonly deps: HierarchyDeps) {
    const { config, store, metrics, logger, nowMs } = deps;
    const instruments = metrics.hierarchy;
    this.peer = new PeerClient({ timeoutMs: config.upstreamTimeoutMs });
    this.breakers = new CircuitBreakers({ failures: config.circuitBreakerFailures, openMs: config.circuitBreakerOpenMs, nowMs });
    const staleMs = config.serveStaleSeconds * 1000;
    const remoteBytes = Math.max(1024, Math.floor(config.cacheMaxBytes / 4));
    this.recursion = new RecursiveResolver(
      {
        peer: this.peer,
        breakers: this.breakers,
        answers: new RemoteCache<RemoteAnswer>({ maxEntries: config.remoteCacheMaxEntries, maxBytes: remoteBytes, staleMs, nowMs }, (answer) => (answer.kind === 'found' ? 2 * answer.valuesJson.length : 0)),
        sites: new RemoteCache<readonly string[]>({ maxEntries: 10_000, maxBytes: 4 * 1024 * 1024, staleMs: 0, nowMs }, (origins) => 2 * origins.join('').length),
        metrics: instruments,
        upstreamUrl: config.upstreamUrl,
        maxHops: config.recursionMaxHops,
        timeoutMs: config.upstreamTimeoutMs,
        cacheMaxTtlSeconds: config.cacheMaxTtlSeconds,
        negativeTtlSeconds: config.cacheNegativeTtlSeconds,
      },
      nowMs,
    );
    // Filing is on exactly while there is an upstream to file with: the store's triggers fill the outbox only then.
    const nodePrefixKey = prefixKeyOf(config.nodePrefix);
    const seeded = store.writeNow(() => {
      if (config.upstreamUrl === null) store.outbox.disableFiling();
      return config.upstreamUrl !== null && store.outbox.enableFiling(nodePrefixKey);
    });
    if (seeded) logger.info({ upstream: config.upstreamUrl }, 'filing switched on: every served record and enterprise prefix is queued for the upstream once');
    if (config.role === 'top-level') {
      const topLevel = new TopLevel({ store, writes: deps.writes, metrics: instruments, logger, rule: deps.rule, nowMs, nodePrefix: config.nodePrefix, site: deps.site, isNodeAdmin: deps.isNodeAdmin });
      this.topLevel = topLevel;
      // Silent: it missed the last probes, or has been quiet as long as a takeover waits.
      const silentAfterMs = config.takeoverAfterMs > 0 ? Math.min(3 * config.probeIntervalMs, config.takeoverAfterMs) : 3 * config.probeIntervalMs;
      this.views = new NodeViews(topLevel.directory, store, nowMs, silentAfterMs);
      this.prober = new TakeoverProber({ topLevel, peer: this.peer, metrics: instruments, logger, nowMs, intervalMs: config.probeIntervalMs, takeoverAfterMs: config.takeoverAfterMs });
      this.beyond = topLevelBeyond(topLevel.directory, store, instruments);
    } else if (config.upstreamUrl !== null) {
      const prefix = store.outbox.setting('upstream.prefix');
      const site = store.outbox.setting('upstream.site');
      if (prefix !== undefined && site !== undefined) this.upstream = { prefix, site: JSON.parse(site) as SiteJson };
      const session = new UpstreamSession({
        peer: this.peer,
        url: config.upstreamUrl,
        identity: `300:0.NA/${config.nodePrefix}`,
        sign: (data) => deps.nodeKey().sign(data),
        thumbprint: config.upstreamKeyThumbprint,
        pinned: {
          get: () => store.outbox.setting('upstream.key'),
          set: (thumbprint) => deps.writes.run('outbox.pinKey', thumbprint),
        },
        metrics: instruments,
      });
      this.worker = new OutboxWorker({
        store,
        writes: deps.writes,
        session,
        metrics: instruments,
        logger,
        nodePrefix: config.nodePrefix,
        pollMs: config.outboxPollMs,
        retryMaxMs: config.outboxRetryMaxMs,
        statisticsIntervalMs: config.statisticsIntervalSeconds * 1000,
        onJoined: (upstream) => {
          this.upstream = upstream;
        },
      });
      this.beyond = upstreamBeyond(() => this.upstream, SITE_TTL_SECONDS);
    }
    instruments.sources = {
      outbox: () => store.outbox.depth(),
      joined: () => (this.worker?.joined === true ? 1 : 0),
      circuitsOpen: () => this.breakers.openCount,
      nodes: () => this.views?.figures() ?? [],
    };
  }

  /** Starts the background work once the node listens (its site known): joining and the outbox, or probing. */
  start(site: SiteJson): void {
    if (this.started) {
      this.worker?.siteChanged(site);
      return;
    }
    this.started = true;
    this.worker?.start(site);
    this.prober?.start();
  }

  /**
   * Another process over the store (a worker of IDNODE_WORKERS) may have joined the upstream or changed the nodes: reads
   * what this process keeps in memory again (the upstream's prefix and site, a top-level node's directory).
   */
  refresh(): void {
    this.topLevel?.directory.reload();
    if (this.worker === null) return;
    const prefix = this.deps.store.outbox.setting('upstream.prefix');
    const site = this.deps.store.outbox.setting('upstream.site');
    if (prefix !== undefined && site !== undefined) this.upstream = { prefix, site: JSON.parse(site) as SiteJson };
  }

  stop(): void {
    this.worker?.stop();
    this.prober?.stop();
    this.peer.close();
  }

  /** Resolves through the hierarchy (see RecursiveResolver.resolve). */
  resolveRecursively(request: ResolveRequest, local: ResolveResult, hops: number): Promise<ResolveResult> {
    return this.recursion.resolve(request, local, hops);
  }

  /** The node's place in the hierarchy, for its operator. Node administrators only. */
  status(identity: Identity | null): Record<string, unknown> {
    const { config, store } = this.deps;
    this.requireAdmin(identity);
    const own = { role: config.role, prefix: config.nodePrefix, thumbprint: jwkThumbprint(this.deps.nodeKey().publicJwk) };
    if (this.topLevel !== null) return { ...own, nodes: this.views?.nodes() ?? [] };
    if (config.upstreamUrl === null) return { ...own, upstream: null };
    return {
      ...own,
      upstream: {
        url: config.upstreamUrl,
        joined: this.worker?.joined === true,
        prefix: this.upstream?.prefix ?? null,
        thumbprint: store.outbox.setting('upstream.key') ?? config.upstreamKeyThumbprint,
        outbox: store.outbox.depth(),
      },
    };
  }

  private requireAdmin(identity: Identity | null): void {
    if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'this operation needs credentials');
    if (!this.deps.isNodeAdmin(identity)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'only node administrators may do this');
  }
}
