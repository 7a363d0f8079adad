// The instruments of the hierarchy (docs/hierarchy.md): referrals, recursion, calls to other nodes, the outbox,
// takeovers, and a top-level node's view of its secondary nodes. Labels from closed sets; `node` only takes the
// prefixes of nodes its operator admitted.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const REFERRAL_KINDS = ['prefix', 'service'] as const;
export type ReferralKind = (typeof REFERRAL_KINDS)[number];
/** How a recursive resolution ended: answered from the network, from the cache, stale, not found, or failed. */
export const RECURSION_OUTCOMES = ['found', 'not_found', 'cached', 'stale', 'failed', 'loop'] as const;
export type RecursionOutcome = (typeof RECURSION_OUTCOMES)[number];
/** What a call to another node was for. */
export const UPSTREAM_CALLS = ['resolve', 'session', 'join', 'reports', 'probe'] as const;
export type UpstreamCall = (typeof UPSTREAM_CALLS)[number];
export const UPSTREAM_FAILURES = ['timeout', 'connection', 'answer', 'circuit_open'] as const;
export type UpstreamFailure = (typeof UPSTREAM_FAILURES)[number];
export const OUTBOX_KINDS = ['prefix', 'record', 'statistics'] as const;
export type OutboxReportKind = (typeof OUTBOX_KINDS)[number];
/** A report applied, already applied before (a repeat), refused for good, or not delivered (retried). */
export const DELIVERY_OUTCOMES = ['applied', 'duplicate', 'refused', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export const NODE_STATES = ['live', 'silent', 'taken_over'] as const;
export type NodeState = (typeof NODE_STATES)[number];
export const TAKEOVER_TRIGGERS = ['manual', 'automatic'] as const;

/** A secondary node as a top-level node sees it, for its gauges. */
export interface NodeFigures {
  readonly node: string;
  readonly state: NodeState;
  readonly identifiers: number;
  readonly registrations: number;
  readonly resolutions: number;
  readonly escrowRecords: number;
}

export interface HierarchySources {
  readonly outbox: () => { pending: number; refused: number };
  /** 1 when this secondary node's last join succeeded, 0 before or without an upstream. */
  readonly joined: () => number;
  readonly circuitsOpen: () => number;
  /** A top-level node's secondary nodes (empty elsewhere). */
  readonly nodes: () => readonly NodeFigures[];
}

const NO_SOURCES: HierarchySources = { outbox: () => ({ pending: 0, refused: 0 }), joined: () => 0, circuitsOpen: () => 0, nodes: () => [] };

type ByLabel<K extends string> = Record<K, Counter.Internal>;

function children<K extends string>(counter: Counter, values: readonly K[]): ByLabel<K> {
  const byLabel = {} as ByLabel<K>;
  for (const value of values) {
    byLabel[value] = counter.labels(value);
    byLabel[value].inc(0);
  }
  return byLabel;
}

export class HierarchyInstruments {
  private readonly referrals: ByLabel<ReferralKind>;
  private readonly recursions: ByLabel<RecursionOutcome>;
  private readonly upstreamLatency: Record<UpstreamCall, Histogram.Internal<string>>;
  private readonly upstreamFailures: ByLabel<UpstreamFailure>;
  private readonly staleAnswers: Counter;
  private readonly escrowAnswers: Counter;
  private readonly deliveries: Record<OutboxReportKind, ByLabel<DeliveryOutcome>>;
  private readonly takeovers: ByLabel<(typeof TAKEOVER_TRIGGERS)[number]>;
  private readonly handbacks: Counter;
  /** Set once the node is wired (its sources depend on the store and the hierarchy, made after the registry). */
  sources: HierarchySources = NO_SOURCES;

  constructor(registry: Registry) {
    const registers = [registry];
    const self = (): HierarchySources => this.sources;
    this.referrals = children(new Counter({ name: 'idnode_referrals_total', help: 'Referrals answered: prefix (303, a derived prefix record) or service (302, another node serves the prefix)', labelNames: ['kind'], registers }), REFERRAL_KINDS);
    this.recursions = children(
      new Counter({ name: 'idnode_recursive_resolutions_total', help: 'Recursive resolutions by outcome: found, not_found (answered by the serving node), cached, stale (served past its TTL), failed, loop (RECURSION_LIMIT)', labelNames: ['outcome'], registers }),
      RECURSION_OUTCOMES,
    );
    const latency = new Histogram({
      name: 'idnode_upstream_request_duration_seconds',
      help: 'Calls to other nodes by purpose: resolve (recursion), session, join, reports (outbox), probe (a top-level node checking a secondary node)',
      labelNames: ['call'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.upstreamLatency = {} as Record<UpstreamCall, Histogram.Internal<string>>;
    for (const call of UPSTREAM_CALLS) this.upstreamLatency[call] = latency.labels(call);
    this.upstreamFailures = children(
      new Counter({ name: 'idnode_upstream_failures_total', help: 'Calls to other nodes that failed: timeout, connection (refused, reset), answer (5xx or unreadable), circuit_open (not tried)', labelNames: ['reason'], registers }),
      UPSTREAM_FAILURES,
    );
    this.staleAnswers = new Counter({ name: 'idnode_stale_answers_total', help: 'Recursive answers served past their TTL because their source could not be reached (serve-stale)', registers });
    this.escrowAnswers = new Counter({ name: 'idnode_escrow_answers_total', help: 'Resolutions a top-level node answered from the escrow of a secondary node it took over', registers });
    const deliveries = new Counter({ name: 'idnode_outbox_deliveries_total', help: 'Reports sent to the upstream by kind and outcome: applied, duplicate (applied before), refused (for good), failed (retried)', labelNames: ['kind', 'outcome'], registers });
    this.deliveries = {} as Record<OutboxReportKind, ByLabel<DeliveryOutcome>>;
    for (const kind of OUTBOX_KINDS) {
      this.deliveries[kind] = {} as ByLabel<DeliveryOutcome>;
      for (const outcome of DELIVERY_OUTCOMES) {
        this.deliveries[kind][outcome] = deliveries.labels(kind, outcome);
        this.deliveries[kind][outcome].inc(0);
      }
    }
    this.takeovers = children(new Counter({ name: 'idnode_takeovers_total', help: 'Takeovers of a secondary node begun by this top-level node: manual (operator) or automatic (silent too long)', labelNames: ['trigger'], registers }), TAKEOVER_TRIGGERS);
    this.handbacks = new Counter({ name: 'idnode_handbacks_total', help: 'Takeovers ended: the secondary node answered again, or the operator handed it back', registers });
    new Gauge({
      name: 'idnode_outbox_depth',
      help: 'Reports waiting to be sent to the upstream (filings, escrowed records, statistics)',
      registers,
      aggregator: 'max',
      collect() {
        this.set(self().outbox().pending);
      },
    });
    new Gauge({
      name: 'idnode_outbox_refused',
      help: 'Reports the upstream refused for good (kept in the outbox, not retried)',
      registers,
      aggregator: 'max',
      collect() {
        this.set(self().outbox().refused);
      },
    });
    new Gauge({
      name: 'idnode_hierarchy_joined',
      help: '1 when this secondary node is joined to its upstream (its last join succeeded)',
      registers,
      aggregator: 'max',
      collect() {
        this.set(self().joined());
      },
    });
    new Gauge({
      name: 'idnode_upstream_circuits_open',
      help: 'Circuits to other nodes that are open (calls refused without trying)',
      registers,
      aggregator: 'max',
      collect() {
        this.set(self().circuitsOpen());
      },
    });
    new Gauge({
      name: 'idnode_hierarchy_nodes',
      help: "A top-level node's secondary nodes by state: live, silent (not answering), taken_over",
      labelNames: ['state'],
      registers,
      aggregator: 'max',
      collect() {
        const nodes = self().nodes();
        for (const state of NODE_STATES) this.labels(state).set(nodes.filter((node) => node.state === state).length);
      },
    });
    const perNode = (name: string, help: string, pick: (figures: NodeFigures) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['node'],
        registers,
        aggregator: 'max',
        collect() {
          this.reset();
          for (const figures of self().nodes()) this.labels(figures.node).set(pick(figures));
        },
      });
    };
    perNode('idnode_hierarchy_node_identifiers', 'Identifiers a secondary node holds, from its last statistics report (top-level node)', (f) => f.identifiers);
    perNode('idnode_hierarchy_node_registrations', 'Identifiers a secondary node has created, from its last statistics report (top-level node)', (f) => f.registrations);
    perNode('idnode_hierarchy_node_resolutions', 'Resolutions a secondary node has answered with values, from its last statistics report (top-level node)', (f) => f.resolutions);
    perNode('idnode_hierarchy_escrow_records', "Records of a secondary node held in this top-level node's escrow", (f) => f.escrowRecords);
  }

  referral(kind: ReferralKind): void {
    this.referrals[kind].inc();
  }

  recursion(outcome: RecursionOutcome): void {
    this.recursions[outcome].inc();
  }

  upstream(call: UpstreamCall, seconds: number): void {
    this.upstreamLatency[call].observe(seconds);
  }

  upstreamFailure(reason: UpstreamFailure): void {
    this.upstreamFailures[reason].inc();
  }

  stale(): void {
    this.staleAnswers.inc();
  }

  escrowAnswer(): void {
    this.escrowAnswers.inc();
  }

  delivery(kind: OutboxReportKind, outcome: DeliveryOutcome, count = 1): void {
    this.deliveries[kind][outcome].inc(count);
  }

  takeover(trigger: (typeof TAKEOVER_TRIGGERS)[number]): void {
    this.takeovers[trigger].inc();
  }

  handback(): void {
    this.handbacks.inc();
  }
}
