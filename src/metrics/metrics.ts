// prom-client instruments of one node: a registry per app, labels only from closed sets.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { reportToPrimary } from './cluster-metrics.js';
import type { ErrorCode } from '../errors.js';
import { HierarchyInstruments } from './hierarchy-instruments.js';
import { OpsInstruments, type OpsSources } from './ops-instruments.js';
import { RequestTable } from './request-table.js';

export const RESOLUTION_OUTCOMES = ['cache_hit', 'cache_miss', 'negative_hit', 'not_found'] as const;
export type ResolutionOutcome = (typeof RESOLUTION_OUTCOMES)[number];
const RESOLUTION_INDEX: Record<ResolutionOutcome, number> = { cache_hit: 0, cache_miss: 1, negative_hit: 2, not_found: 3 };

/** Login attempts (Basic, challenge answers): checked and right, checked and wrong, or refused unchecked (429). */
export const LOGIN_OUTCOMES = ['succeeded', 'failed', 'refused'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];
/** Lockouts by what they hold back (docs/security.md): one network on one identity, one network, one identity. */
export const LOCKOUT_SCOPES = ['identity_network', 'network', 'identity'] as const;
export type LockoutScope = (typeof LOCKOUT_SCOPES)[number];
/** How a request arrived: the REST API, or the Handle protocol over TCP or UDP. */
export const PROTOCOLS = ['http', 'tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface MetricsSources {
  /** Every route label (a closed set, from the HTTP route table); requests of other routes count under `unknown`. */
  readonly routes: readonly string[];
  readonly cache: () => { entries: number; bytes: number; evictions: number };
  readonly storeSizeBytes: () => number;
  /** Handle sessions held: open challenges and authenticated sessions. */
  readonly sessions: () => { open: number; authenticated: number };
  /** The operators' instruments (ops-instruments.ts). */
  readonly ops: OpsSources;
}

/**
 * Every instrument of one node. The per-request ones (requests, latency, resolutions) are plain numbers read at a
 * scrape (request-table.ts); the others are children created up front, so the hot path only increments.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: RequestTable;
  /** Resolutions by outcome, in RESOLUTION_OUTCOMES order. */
  private readonly resolutionCounts = new Float64Array(RESOLUTION_OUTCOMES.length);
  private readonly registrations: Record<"create" | "update", Counter.Internal>;
  private readonly deletions: Record<"handle" | "values", Counter.Internal>;
  private readonly logins: Record<LoginOutcome, Counter.Internal>;
  private readonly lockouts: Record<LockoutScope, Counter.Internal>;
  private readonly ops: OpsInstruments;
  /** The hierarchy's instruments (referrals, recursion, outbox, takeovers); its gauges' sources are set when the node is wired. */
  readonly hierarchy: HierarchyInstruments;
  private wholeNode: (() => Promise<string>) | null = null;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new RequestTable(this.registry, PROTOCOLS, sources.routes, [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], {
      requests: 'idnode_http_requests_total',
      requestsHelp: 'Requests by route name (Handle protocol operations count as the REST route doing the same), status class (the REST status of the same outcome) and protocol',
      latency: 'idnode_http_request_duration_seconds',
      latencyHelp: 'Request latency by route name and protocol',
    });
    const resolutionCounts = this.resolutionCounts;
    new Counter({
      name: 'idnode_resolutions_total',
      help: 'Handle resolutions by outcome',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        RESOLUTION_OUTCOMES.forEach((outcome, i) => this.inc({ outcome }, resolutionCounts[i] ?? 0));
      },
    });
    const registrations = new Counter({
      name: 'idnode_registrations_total',
      help: 'Acknowledged handle writes: create = new handle, update = values of an existing handle changed',
      labelNames: ['operation'],
      registers,
    });
    this.registrations = { create: registrations.labels('create'), update: registrations.labels('update') };
    const deletions = new Counter({
      name: 'idnode_deletions_total',
      help: 'Acknowledged deletions of whole handles or of values',
      labelNames: ['operation'],
      registers,
    });
    this.deletions = { handle: deletions.labels('handle'), values: deletions.labels('values') };
    const logins = new Counter({
      name: 'idnode_login_attempts_total',
      help: 'Login attempts (Basic credentials, challenge answers) by outcome: succeeded, failed, refused (429 before checking)',
      labelNames: ['outcome'],
      registers,
    });
    this.logins = { succeeded: logins.labels('succeeded'), failed: logins.labels('failed'), refused: logins.labels('refused') };
    const lockouts = new Counter({
      name: 'idnode_login_lockouts_total',
      help: 'Failed-login lockouts begun, by scope: identity_network, network (over all identities), identity (growing delay)',
      labelNames: ['scope'],
      registers,
    });
    this.lockouts = { identity_network: lockouts.labels('identity_network'), network: lockouts.labels('network'), identity: lockouts.labels('identity') };
    new Gauge({
      name: 'idnode_cache_entries',
      help: 'Entries in the resolve cache',
      registers,
      collect() {
        this.set(sources.cache().entries);
      },
    });
    new Gauge({
      name: 'idnode_cache_bytes',
      help: 'Estimated bytes held by the resolve cache',
      registers,
      collect() {
        this.set(sources.cache().bytes);
      },
    });
    new Counter({
      name: 'idnode_cache_evictions_total',
      help: 'Resolve cache entries evicted to stay within its bounds',
      registers,
      collect() {
        this.reset();
        this.inc(sources.cache().evictions);
      },
    });
    new Gauge({
      name: 'idnode_sessions',
      help: 'Handle sessions by state: open (challenge not yet answered) or authenticated',
      labelNames: ['state'],
      registers,
      // With IDNODE_WORKERS > 1 every worker reads the one shared table: the same number, not a share of it.
      aggregator: 'max',
      collect() {
        const { open, authenticated } = sources.sessions();
        this.labels('open').set(open);
        this.labels('authenticated').set(authenticated);
      },
    });
    new Gauge({
      name: 'idnode_store_size_bytes',
      help: 'SQLite database plus WAL size on disk',
      registers,
      aggregator: 'max',
      collect() {
        this.set(sources.storeSizeBytes());
      },
    });
    this.ops = new OpsInstruments(this.registry, sources.ops);
    this.hierarchy = new HierarchyInstruments(this.registry);
    this.touchAll();
  }

  /** Makes every labelled series visible at 0 before its first event, so rates and alerts work from the start. */
  private touchAll(): void {
    const counters = [this.registrations, this.deletions, this.logins, this.lockouts].flatMap((group) => Object.values(group));
    for (const counter of counters) counter.inc(0);
  }

  /** Records one finished request; `status` is the HTTP status (or, for the Handle protocol, the REST status of the same outcome). */
  request(route: string, status: number, seconds: number, protocol: Protocol = 'http'): void {
    const series = this.requests.seriesOf(protocol, route) ?? this.requests.seriesOf(protocol, 'unknown');
    if (series !== undefined) this.requests.record(series, status, seconds);
  }

  resolution(outcome: ResolutionOutcome): void {
    const i = RESOLUTION_INDEX[outcome];
    this.resolutionCounts[i] = (this.resolutionCounts[i] ?? 0) + 1;
  }

  registered(operation: 'create' | 'update'): void {
    this.registrations[operation].inc();
  }

  deleted(operation: 'handle' | 'values'): void {
    this.deletions[operation].inc();
  }

  login(outcome: LoginOutcome): void {
    this.logins[outcome].inc();
  }

  lockout(scope: LockoutScope): void {
    this.lockouts[scope].inc();
  }

  /** Counts one error answer by its catalog code. */
  error(code: ErrorCode): void {
    this.ops.error(code);
  }

  /** Prometheus text exposition and its content type: the whole node's when this process is one of its workers. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: this.wholeNode === null ? await this.registry.metrics() : await this.wholeNode() };
  }

  /**
   * Makes this process one worker of a node (IDNODE_WORKERS > 1): its registry answers the primary's collection, and
   * `exposition` returns what `ask` gets from the primary — every worker's counters and histograms summed, the gauges
   * of the one store (size, disk, outbox, sessions) as their maximum (docs/metrics.md).
   */
  reportAsWorker(ask: () => Promise<string>): void {
    reportToPrimary(this.registry);
    this.wholeNode = ask;
  }
}
