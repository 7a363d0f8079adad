// A node's usage record while it runs: its run (start, heartbeat, stop) and the resolution tally, flushed to the store.

import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { WriteChannel, WriteHandlers } from '../store/write-channel.js';
import { ResolutionTally } from './resolution-tally.js';

/** How often the resolution tally is written to the store (also at each midnight of the report's time zone). */
export const FLUSH_INTERVAL_MS = 5_000;
/** How often an idle node records that it is alive: a crash counts as down from its last heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** Prefixes the tally keeps a counter for between flushes (memory bound; see ResolutionTally). */
const MAX_TALLY_PREFIXES = 100_000;

interface FlushCommand {
  readonly day: string;
  readonly counts: readonly (readonly [string, number])[];
  readonly runId: number | null;
  readonly stopping: boolean;
  readonly nowMs: number;
}

/** The usage command, run in the group commit on the write connection's `store`. */
export function usageWriteCommands(store: Store): WriteHandlers {
  return {
    'usage.flush': (command: FlushCommand) => {
      store.usage.addResolutions(command.day, command.counts);
      if (command.runId === null) return null;
      if (command.stopping) store.usage.stopRun(command.runId, command.nowMs);
      else store.usage.heartbeat(command.runId, command.nowMs);
      return null;
    },
  };
}

export interface UsageRecorderOptions {
  readonly nowMs: () => number;
  readonly logger: Logger;
}

/**
 * Counts resolutions in memory and adds them to the store's daily counters in batches, inside the group-commit
 * transaction (one upsert per prefix every few seconds, none per resolution), together with the run's heartbeat. A
 * flush that fails (store full, locked) keeps its counts for the next one. Counts of one flush window go to the day
 * the window began; the timer also fires at each midnight, so a window never spans two days.
 */
export class UsageRecorder {
  readonly tally: ResolutionTally;
  private runId: number | null = null;
  private windowStartMs = 0;
  private lastSeenMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly writes: WriteChannel,
    private readonly options: UsageRecorderOptions,
  ) {
    this.tally = new ResolutionTally(MAX_TALLY_PREFIXES);
  }

  /**
   * Starts the flush timer and, with `run` (the default), records the start of this run, whose heartbeats and stop the
   * monthly report's availability is made of: one process per node records it (IDNODE_WORKERS: the first worker),
   * every process flushes its own resolution counts. Throws STORE_*.
   */
  start(run = true): void {
    const nowMs = this.options.nowMs();
    if (run) this.runId = this.store.writeNow(() => this.store.usage.startRun(nowMs));
    this.windowStartMs = nowMs;
    this.lastSeenMs = nowMs;
    this.schedule();
  }

  /**
   * Queues the tally since the last flush and, when due, the heartbeat into the next group commit; resolves once
   * committed. Never rejects: a failure is logged once and the counts wait for the next flush.
   */
  flush(): Promise<void> {
    return this.write(false);
  }

  /** Stops the timer and queues the last flush with the stop event (once); the write channel's close() then commits it. */
  stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return Promise.resolve();
    this.stopped = true;
    return this.write(true);
  }

  private schedule(): void {
    const nowMs = this.options.nowMs();
    const delay = Math.min(FLUSH_INTERVAL_MS, this.store.usage.nextDayStartMs(nowMs) - nowMs);
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      void this.flush();
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  private write(stopping: boolean): Promise<void> {
    const nowMs = this.options.nowMs();
    const day = this.store.usage.dayOf(this.windowStartMs);
    this.windowStartMs = nowMs;
    const counts = this.tally.drain();
    const runId = this.runId;
    if (counts.length === 0 && (runId === null || (!stopping && nowMs - this.lastSeenMs < HEARTBEAT_INTERVAL_MS))) return Promise.resolve();
    if (stopping) this.runId = null;
    const command: FlushCommand = { day, counts, runId, stopping, nowMs };
    return this.writes
      .run('usage.flush', command)
      .then(
        () => {
          this.lastSeenMs = Math.max(this.lastSeenMs, nowMs);
          if (this.failing) this.options.logger.info({}, 'usage counters are written to the store again');
          this.failing = false;
        },
        (error: unknown) => {
          this.tally.restore(counts);
          if (!this.failing) this.options.logger.warn({ err: error }, 'usage counters could not be written to the store; kept in memory, retried at the next flush');
          this.failing = true;
        },
      );
  }
}
