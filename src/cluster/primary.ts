// The primary of IDNODE_WORKERS > 1: provisions the store once, forks the workers, replaces one that dies, stops them all.

import cluster, { type Worker } from 'node:cluster';
import { rmSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log/logger.js';
import { DUTY_VARIABLE, type ListeningMessage, type MetricsAnswer, type MetricsRequest, type WorkerDuty } from './worker-link.js';

/** A worker that dies within this long of starting counts as failing again: its replacement waits twice as long. */
const QUICK_DEATH_MS = 10_000;
const FIRST_RESTART_MS = 250;
const MAX_RESTART_MS = 30_000;
/** Beyond the workers' own shutdown timeout, how long the primary waits before it kills one that does not stop. */
const STOP_MARGIN_MS = 15_000;

export interface PrimaryDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Opens the store once (migrations, first-start provisioning, a generated secret handed over) and closes it. */
  readonly provision: () => Promise<void>;
  /** The whole node's metrics: every worker's, aggregated (src/metrics/cluster-metrics.ts). */
  readonly exposition: () => Promise<string>;
}

interface Slot {
  readonly duty: WorkerDuty;
  worker: Worker | null;
  startedAtMs: number;
  listening: boolean;
  /** The Handle-protocol port it listens on (the leader's), or null. */
  handlePort: number | null;
  /** Deaths in a row, each within QUICK_DEATH_MS of its start. */
  failures: number;
  restart: NodeJS.Timeout | null;
}

/** The files of the shared session table (src/store/shared-sessions.ts): a start ends every session, as one process's does. */
function removeSessionFiles(dbPath: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}.sessions${suffix}`, { force: true });
}

/**
 * Runs the node as `config.workers` processes on one port over one store (docs/performance.md): the first is the leader
 * (the once-only work), the rest followers. Logs "idnode listening" once every worker listens; a worker that dies is
 * replaced after a backoff that doubles while replacements keep dying (logged); SIGTERM/SIGINT stop every worker
 * gracefully and the primary exits 0 once all have (1 if one failed). A worker that dies before the node ever listened
 * (a port taken, a store it cannot open) stops the start: exit 1.
 */
export async function runPrimary(deps: PrimaryDeps): Promise<void> {
  const { config, logger } = deps;
  const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({ duty: i === 0 ? 'leader' : 'follower', worker: null, startedAtMs: 0, listening: false, handlePort: null, failures: 0, restart: null }));
  let stopping = false;
  let listening = false;
  let failed = false;
  let killTimer: NodeJS.Timeout | null = null;

  const live = (): Worker[] => slots.flatMap((slot) => (slot.worker === null ? [] : [slot.worker]));
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, workers: live().length }, 'stopping');
    for (const slot of slots) if (slot.restart !== null) clearTimeout(slot.restart);
    for (const worker of live()) worker.process.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const worker of live()) {
        logger.error({ pid: worker.process.pid }, 'worker did not stop in time; killed');
        worker.process.kill('SIGKILL');
      }
    }, config.shutdownTimeoutMs + STOP_MARGIN_MS).unref();
    finishIfDone();
  };
  const finishIfDone = (): void => {
    if (!stopping || live().length > 0) return;
    if (killTimer !== null) clearTimeout(killTimer);
    if (failed) process.exitCode = 1;
    logger.info({}, 'stopped');
  };
  // In place before anything starts: a signal during provisioning or the first start still stops the node gracefully.
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  removeSessionFiles(config.dbPath);
  await deps.provision();
  if (stopping) return;

  const fork = (slot: Slot): void => {
    slot.restart = null;
    slot.listening = false;
    slot.startedAtMs = Date.now();
    slot.worker = cluster.fork({ [DUTY_VARIABLE]: slot.duty });
  };

  cluster.on('message', (worker, message: Partial<ListeningMessage | MetricsRequest> | null) => {
    if (message?.type === 'idnode:metrics' && typeof message.id === 'number') {
      const id = message.id;
      deps.exposition().then(
        (body) => worker.isConnected() && worker.send({ type: 'idnode:metrics', id, body } satisfies MetricsAnswer),
        (error: unknown) => worker.isConnected() && worker.send({ type: 'idnode:metrics', id, error: (error as Error).message } satisfies MetricsAnswer),
      );
      return;
    }
    if (message?.type !== 'idnode:listening') return;
    const slot = slots.find((candidate) => candidate.worker === worker);
    if (slot === undefined) return;
    slot.listening = true;
    const { port, handlePort } = message as ListeningMessage;
    slot.handlePort = handlePort;
    if (listening) {
      logger.info({ pid: worker.process.pid, duty: slot.duty }, 'worker replaced');
      return;
    }
    if (!slots.every((candidate) => candidate.listening)) return;
    listening = true;
    logger.info({ port, handlePort: slots[0]?.handlePort ?? null, host: config.host, dbPath: config.dbPath, nodePrefix: config.nodePrefix, workers: slots.length, pid: process.pid }, 'idnode listening');
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.find((candidate) => candidate.worker === worker);
    if (slot === undefined) return;
    slot.worker = null;
    if (stopping) {
      // A worker stops by itself on SIGTERM, exit code 0; anything else (a failed flush, killed) fails the stop.
      if (code !== 0) failed = true;
      finishIfDone();
      return;
    }
    if (!listening) {
      logger.error({ pid: worker.process.pid, duty: slot.duty, code, signal }, 'a worker exited before the node listened; stopping');
      failed = true;
      stop('start failed');
      return;
    }
    slot.failures = Date.now() - slot.startedAtMs < QUICK_DEATH_MS ? slot.failures + 1 : 1;
    const restartInMs = Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** (slot.failures - 1));
    logger.error({ pid: worker.process.pid, duty: slot.duty, code, signal, restartInMs }, 'worker exited; replacing it');
    slot.restart = setTimeout(() => fork(slot), restartInMs);
  });

  for (const slot of slots) fork(slot);
}
