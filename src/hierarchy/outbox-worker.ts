// A secondary node's side of the hierarchy: it joins its upstream (publishes its site), then sends the outbox —
// filings, escrowed records, statistics — in order, in batches, retrying with backoff while the upstream fails.

import { IdnodeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { HierarchyInstruments } from '../metrics/hierarchy-instruments.js';
import type { OutboxEntry } from '../store/outbox-tables.js';
import type { Store } from '../store/store.js';
import type { WriteChannel } from '../store/write-channel.js';
import type { OutboxJoined, OutboxSettle } from './hierarchy-writes.js';
import { PeerFailure } from './peer-client.js';
import { buildReport, reportsChecksum, type Report, type ReportResult } from './reports.js';
import type { SiteJson } from './sites.js';
import type { UpstreamSession } from './upstream-session.js';

export interface OutboxWorkerOptions {
  readonly store: Store;
  /** Where its writes run (the writer thread; the commands are in hierarchy-writes.ts). */
  readonly writes: WriteChannel;
  readonly session: UpstreamSession;
  readonly metrics: HierarchyInstruments;
  readonly logger: Logger;
  readonly nodePrefix: string;
  readonly pollMs: number;
  readonly retryMaxMs: number;
  readonly statisticsIntervalMs: number;
  /** Called after each successful join with what the upstream said of itself. */
  readonly onJoined: (upstream: { prefix: string; site: SiteJson }) => void;
}

/** Reports per batch, and the JSON size a batch stops growing at (well under any node's body limit). */
const BATCH_REPORTS = 500;
const BATCH_BYTES = 256 * 1024;
const FIRST_RETRY_MS = 250;

/**
 * The wait before the next pass after `failures` failed passes in a row: 250 ms doubling up to `retryMaxMs`, with ±20 %
 * jitter, so a node that was down for an hour is not hammered by every secondary node at once.
 */
export function retryDelayMs(failures: number, retryMaxMs: number, random: () => number = Math.random): number {
  const backoff = Math.min(retryMaxMs, FIRST_RETRY_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 20));
  return Math.round(backoff * (0.8 + 0.4 * random()));
}

export interface PassResult {
  readonly joined: boolean;
  /** Changes settled in this pass: reported (applied, or applied before) and refused for good. */
  readonly delivered: number;
  readonly refused: number;
  /** The failure that ended the pass, if any. */
  readonly failure: string | null;
}

export class OutboxWorker {
  private site: SiteJson | null = null;
  private joinedSite: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private statisticsTimer: NodeJS.Timeout | null = null;
  private running: Promise<PassResult> | null = null;
  private failures = 0;
  private stopped = false;
  /** Older changes settled with a report, by the report's sequence number (for the batch being sent). */
  private readonly coalesced = new Map<number, number[]>();
  /** Reports per batch in this pass: halved after each 413 (the upstream's body limit). */
  private batchLimit = BATCH_REPORTS;

  constructor(private readonly options: OutboxWorkerOptions) {}

  /** 1 while the last join succeeded. */
  get joined(): boolean {
    return this.joinedSite !== null;
  }

  /** Starts with this node's site (join first), the statistics timer, and the delivery loop. */
  start(site: SiteJson): void {
    this.siteChanged(site);
    const every = this.options.statisticsIntervalMs;
    const tick = (): void => {
      void this.queueStatistics();
      this.statisticsTimer = setTimeout(tick, every);
      this.statisticsTimer.unref();
    };
    tick();
    this.schedule(0);
  }

  /** This node's site changed (its address or port): it is published again before anything else is sent. */
  siteChanged(site: SiteJson): void {
    this.site = site;
    if (this.joinedSite !== JSON.stringify(site)) this.joinedSite = null;
  }

  /** Queues a statistics report (superseding one still waiting). */
  async queueStatistics(): Promise<void> {
    await this.options.writes.run('outbox.queueStatistics', null).catch((error: unknown) => this.options.logger.warn({ err: error }, 'statistics report could not be queued'));
  }

  /** One pass now (tests, and the loop): join if needed, then send until the outbox is empty or a call fails. */
  runOnce(): Promise<PassResult> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.statisticsTimer !== null) clearTimeout(this.statisticsTimer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runOnce().then((result) => {
        if (result.failure === null) {
          this.failures = 0;
          this.schedule(this.options.pollMs);
          return;
        }
        this.failures += 1;
        this.schedule(retryDelayMs(this.failures, this.options.retryMaxMs));
      });
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<PassResult> {
    this.batchLimit = BATCH_REPORTS;
    let delivered = 0;
    let refused = 0;
    try {
      await this.join();
      for (;;) {
        const batch = this.options.store.outbox.pending(this.batchLimit);
        if (batch.length === 0) return { joined: true, delivered, refused, failure: null };
        const done = await this.send(this.reportsOf(batch));
        delivered += done.delivered;
        refused += done.refused;
      }
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      if (this.failures === 0) this.options.logger.warn({ err: error, upstream: 'outbox' }, 'the upstream could not be reached; reports wait in the outbox and are retried');
      return { joined: this.joined, delivered, refused, failure };
    }
  }

  /**
   * One report per subject of the batch, with the newest sequence number among its changes (its content is what the
   * store holds now); the older changes of the subject are settled with it.
   */
  private reportsOf(batch: readonly OutboxEntry[]): Report[] {
    const bySubject = new Map<string, OutboxEntry[]>();
    for (const entry of batch) {
      const key = `${entry.kind}\n${entry.subject}`;
      const group = bySubject.get(key);
      if (group === undefined) bySubject.set(key, [entry]);
      else group.push(entry);
    }
    this.coalesced.clear();
    const newest: OutboxEntry[] = [];
    for (const group of bySubject.values()) {
      // The batch is in id order, so the last change of a subject is its newest.
      const last = group[group.length - 1]!;
      this.coalesced.set(last.id, group.slice(0, -1).map((entry) => entry.id));
      newest.push(last);
    }
    return newest.sort((a, b) => a.id - b.id).map((entry) => buildReport(this.options.store, entry, this.options.nodePrefix));
  }

  /** Publishes this node's site upstream unless the same site was published already in this run. */
  private async join(): Promise<void> {
    const site = this.site;
    if (site === null) throw new IdnodeError('INTERNAL', 'the node has no site to publish yet');
    const text = JSON.stringify(site);
    if (this.joinedSite === text) return;
    const reply = await this.options.session.call('join', 'POST', '/api/hierarchy/join', { site });
    const answer = reply.json as { prefix?: unknown; site?: unknown; received?: unknown } | undefined;
    if (reply.status !== 200 || typeof answer?.prefix !== 'string' || typeof answer.site !== 'object' || answer.site === null) {
      throw new PeerFailure('answer', `the upstream refused the join (HTTP ${reply.status}): ${JSON.stringify(reply.json ?? null).slice(0, 200)}`);
    }
    const upstream = { prefix: answer.prefix, site: answer.site as SiteJson };
    const received = typeof answer.received === 'number' && Number.isSafeInteger(answer.received) ? answer.received : 0;
    const joined: OutboxJoined = { prefix: upstream.prefix, site: upstream.site, joinedSite: text, received };
    const renumbered = await this.options.writes.run<number>('outbox.joined', joined);
    if (renumbered > 0) this.options.logger.warn({ renumbered, received }, 'the upstream has received higher sequence numbers than this store holds (restored from a backup?): waiting reports renumbered above them');
    this.joinedSite = text;
    this.options.onJoined(upstream);
    this.options.logger.info({ upstreamPrefix: upstream.prefix }, 'joined the upstream');
  }

  /** Sends one batch and settles its outbox entries by the answer for each. */
  private async send(all: Report[]): Promise<{ delivered: number; refused: number }> {
    const reports: Report[] = [];
    let bytes = 0;
    for (const report of all) {
      const size = JSON.stringify(report).length;
      if (reports.length > 0 && bytes + size > BATCH_BYTES) break;
      reports.push(report);
      bytes += size;
    }
    const reportsJson = JSON.stringify(reports);
    const reply = await this.options.session.call('reports', 'POST', '/api/hierarchy/reports', { reports, checksum: reportsChecksum(reportsJson) });
    const kinds = new Map(reports.map((report) => [report.seq, report.kind]));
    const byKind = (seq: number): Report['kind'] => kinds.get(seq) ?? 'record';
    if (reply.status === 413 && reports.length > 1) {
      // Too large for the upstream's body limit: halve the batch and go on, down to one report, which is then refused.
      this.batchLimit = Math.max(1, Math.floor(reports.length / 2));
      return { delivered: 0, refused: 0 };
    }
    const results = (reply.json as { results?: ReportResult[] } | undefined)?.results;
    if (reply.status === 413) return this.settle([{ seq: reports[0]?.seq ?? 0, outcome: 'refused', code: 'BODY_TOO_LARGE' }], byKind);
    if (reply.status !== 200 || !Array.isArray(results)) {
      for (const report of reports) this.options.metrics.delivery(report.kind, 'failed');
      throw new PeerFailure('answer', `the upstream did not take the reports (HTTP ${reply.status}): ${JSON.stringify(reply.json ?? null).slice(0, 200)}`);
    }
    // Only answers about reports of this batch count; an answer about none of them would send the same batch forever.
    return this.settle(results.filter((result) => kinds.has(result.seq)), byKind);
  }

  private async settle(results: readonly ReportResult[], kindOf: (seq: number) => Report['kind']): Promise<{ delivered: number; refused: number }> {
    const { metrics, logger } = this.options;
    const withOlder = (seq: number): number[] => [seq, ...(this.coalesced.get(seq) ?? [])];
    const taken = results.filter((result) => result.outcome !== 'refused').flatMap((result) => withOlder(result.seq));
    const refusals = results.filter((result) => result.outcome === 'refused');
    const settle: OutboxSettle = { taken, refused: refusals.flatMap((result) => withOlder(result.seq).map((id): [number, string] => [id, result.code ?? 'REFUSED'])) };
    await this.options.writes.run('outbox.settle', settle);
    for (const result of results) metrics.delivery(kindOf(result.seq), result.outcome);
    for (const result of refusals) logger.warn({ seq: result.seq, kind: kindOf(result.seq), code: result.code, message: result.message }, 'the upstream refused a report for good; it stays in the outbox, not retried');
    if (results.length === 0) throw new PeerFailure('answer', 'the upstream answered no report of the batch');
    return { delivered: taken.length, refused: refusals.length };
  }
}
