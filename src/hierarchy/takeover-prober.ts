// A top-level node checks that its secondary nodes answer (GET /api/site, proving the key each was admitted with):
// one silent for IDNODE_TAKEOVER_AFTER_MS is taken over; one taken over that answers again is handed back.

import { jwkThumbprint } from '../auth/node-key.js';
import type { Logger } from '../log/logger.js';
import type { HierarchyInstruments } from '../metrics/hierarchy-instruments.js';
import type { DirectoryNode } from './node-directory.js';
import { PeerFailure, type PeerClient } from './peer-client.js';
import { siteKey, type SiteJson } from './sites.js';
import type { TopLevel } from './top-level.js';

export interface TakeoverProberOptions {
  readonly topLevel: TopLevel;
  readonly peer: PeerClient;
  readonly metrics: HierarchyInstruments;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly intervalMs: number;
  /** 0: never automatically. */
  readonly takeoverAfterMs: number;
}

export class TakeoverProber {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: TakeoverProberOptions) {}

  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      void this.runOnce().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, this.options.intervalMs);
        this.timer.unref();
      });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  /** Probes every node that has joined once, all at once; takes over or hands back as their answers say. */
  runOnce(): Promise<void> {
    this.running ??= Promise.all(this.options.topLevel.directory.all().filter((node) => node.origins.length > 0).map((node) => this.probe(node))).then(
      () => undefined,
      (error: unknown) => this.options.logger.error({ err: error }, 'probing secondary nodes failed'),
    ).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async probe(node: DirectoryNode): Promise<void> {
    const { topLevel, takeoverAfterMs } = this.options;
    if (await this.answers(node)) {
      await topLevel.answered(node);
      if (node.takeover !== null) await topLevel.release(node, 'it answers again');
      return;
    }
    const silentMs = this.options.nowMs() - (node.lastSeenAt ?? node.admittedAt);
    if (takeoverAfterMs > 0 && node.takeover === null && silentMs >= takeoverAfterMs) await topLevel.begin(node, 'automatic');
  }

  /** True when one of the node's origins answers with the key it was admitted with (someone else at its address does not count). */
  private async answers(node: DirectoryNode): Promise<boolean> {
    for (const origin of node.origins) {
      const started = performance.now();
      try {
        const reply = await this.options.peer.call(`${origin}/api/site`, { method: 'GET' });
        const key = siteKey(((reply.json as { site?: SiteJson } | undefined)?.site ?? {}) as SiteJson);
        if (reply.status === 200 && key !== null && jwkThumbprint(key) === node.thumbprint) return true;
        this.options.metrics.upstreamFailure('answer');
      } catch (error) {
        if (error instanceof PeerFailure) this.options.metrics.upstreamFailure(error.reason);
      } finally {
        this.options.metrics.upstream('probe', (performance.now() - started) / 1000);
      }
    }
    return false;
  }
}
