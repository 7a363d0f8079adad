// A worker's side of IDNODE_WORKERS: its duty, and the messages it exchanges with the primary (node:cluster IPC).

import cluster from 'node:cluster';

/** The leader does the node's once-only work (hierarchy, usage run, site, Handle-protocol listeners); followers serve HTTP. */
export type WorkerDuty = 'leader' | 'follower';

/** The variable the primary passes each worker its duty in; taken out of the environment before the configuration is read. */
export const DUTY_VARIABLE = 'IDNODE_WORKER_DUTY';

/** What a worker tells the primary once it listens. */
export interface ListeningMessage {
  readonly type: 'idnode:listening';
  readonly port: number;
  readonly handlePort: number | null;
}

export interface MetricsRequest {
  readonly type: 'idnode:metrics';
  readonly id: number;
}

export interface MetricsAnswer {
  readonly type: 'idnode:metrics';
  readonly id: number;
  readonly body?: string;
  readonly error?: string;
}

/** This process's duty when it is a worker of a cluster (and removes its variable from `env`); null otherwise. */
export function takeWorkerDuty(env: NodeJS.ProcessEnv): WorkerDuty | null {
  const duty = env[DUTY_VARIABLE];
  delete env[DUTY_VARIABLE];
  if (!cluster.isWorker) return null;
  return duty === 'leader' ? 'leader' : 'follower';
}

/** Tells the primary this worker listens (it logs the node as listening once every worker does). */
export function reportListening(port: number, handlePort: number | null): void {
  const message: ListeningMessage = { type: 'idnode:listening', port, handlePort };
  process.send?.(message);
}

let nextId = 0;
const waiting = new Map<number, { resolve: (body: string) => void; reject: (error: Error) => void }>();

/** Asks the primary for the whole node's metrics (every worker's, aggregated); rejects after `timeoutMs`. */
export function askPrimaryForMetrics(timeoutMs = 10_000): Promise<string> {
  if (waiting.size === 0) process.on('message', onAnswer);
  const id = (nextId += 1);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => settle(id, new Error('the primary did not answer with the metrics in time')), timeoutMs);
    waiting.set(id, {
      resolve: (body) => {
        clearTimeout(timer);
        resolve(body);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    const request: MetricsRequest = { type: 'idnode:metrics', id };
    process.send?.(request);
  });
}

function settle(id: number, outcome: string | Error): void {
  const entry = waiting.get(id);
  if (entry === undefined) return;
  waiting.delete(id);
  if (waiting.size === 0) process.off('message', onAnswer);
  if (outcome instanceof Error) entry.reject(outcome);
  else entry.resolve(outcome);
}

function onAnswer(message: unknown): void {
  const answer = message as Partial<MetricsAnswer> | null;
  if (answer?.type !== 'idnode:metrics' || typeof answer.id !== 'number') return;
  settle(answer.id, typeof answer.body === 'string' ? answer.body : new Error(answer.error ?? 'no metrics'));
}
