// Issue 13 target 4 in the bench: the one-transaction-per-PUT server to compare group commit with, and reads measured
// while PUTs commit — idnode with its writer thread against idnode writing on its event loop, same store, same run.

import { join } from 'node:path';
import { freePort, spawnServer, stopServer, waitReady, type ServerProcess } from './processes.js';
import { hotScenario, registerScenario, runLoad, type LoadResult } from './scenarios.js';

/** The reads-during-writes measurement: GETs of one cached handle alone, then beside PUTs, per write mode. */
export interface ReadsDuringWrites {
  readonly readConnections: number;
  readonly writeConnections: number;
  readonly modes: readonly {
    /** `quiet`: no writes (writer thread on); `writer thread`: IDNODE_WRITER_THREAD=true; `event loop`: =false. */
    readonly mode: 'quiet' | 'writer thread' | 'event loop';
    readonly reads: LoadResult;
    readonly writes: LoadResult | null;
  }[];
}

/** Starts the one-transaction-per-PUT server (write-baseline-server.ts) on a free port with its store in `dir`. */
export async function startWriteBaseline(script: string, dir: string): Promise<ServerProcess> {
  const port = await freePort();
  const server = spawnServer('write-baseline', script, [], { BENCH_DB: join(dir, 'write-baseline.db'), BENCH_PORT: String(port) }, port, true);
  await waitReady(server, 30_000);
  return server;
}

export interface ReadsDuringWritesOptions {
  readonly cli: string;
  /** idnode's environment (its store, port, prefix…); the port is replaced for each start. */
  readonly env: Record<string, string>;
  readonly nodeFlags: readonly string[];
  readonly hotPath: string;
  readonly runTag: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** PUT connections (the run's -c); reads use a fifth of them, at least 2. */
  readonly connections: number;
}

/**
 * Runs idnode twice on the run's store, one after the other: with its writer thread, then with writes on the event loop
 * (IDNODE_WRITER_THREAD=false). Each time: resolve-hot alone (quiet, first start only), then resolve-hot and new-handle
 * PUTs at once. The GET latency beside the PUTs is the cost of commits to readers.
 */
export async function measureReadsDuringWrites(options: ReadsDuringWritesOptions, log: (line: string) => void): Promise<ReadsDuringWrites> {
  const readConnections = Math.max(2, Math.floor(options.connections / 5));
  const reads = hotScenario(options.hotPath);
  const modes: ReadsDuringWrites['modes'][number][] = [];
  for (const [mode, flag] of [['writer thread', 'true'], ['event loop', 'false']] as const) {
    const port = await freePort();
    const env = { ...options.env, IDNODE_PORT: String(port), IDNODE_WRITER_THREAD: flag };
    const idnode = spawnServer(`idnode (${mode})`, options.cli, ['serve'], env, port, true, options.nodeFlags);
    try {
      await waitReady(idnode, 120_000);
      const shape = (connections: number) => ({ seconds: options.seconds, connections, port, pid: idnode.pid });
      const warm = (connections: number) => ({ ...shape(connections), seconds: options.warmupSeconds });
      const writes = registerScenario('register', `${options.runTag}-${flag === 'true' ? 'T' : 'L'}`, 'PUTs beside reads', 'bare');
      if (options.warmupSeconds > 0) await Promise.all([runLoad(reads, 'warmup', warm(readConnections)), runLoad(writes, 'warmup', warm(options.connections))]);
      if (mode === 'writer thread') {
        const quiet = await runLoad(reads, 'measure', shape(readConnections));
        modes.push({ mode: 'quiet', reads: quiet, writes: null });
        log(`  quiet: GET ${Math.round(quiet.requestsPerSecond)} req/s, p50 ${quiet.latencyMs.p50} ms, p99 ${quiet.latencyMs.p99} ms`);
      }
      const [during, put] = await Promise.all([runLoad(reads, 'measure', shape(readConnections)), runLoad(writes, 'measure', shape(options.connections))]);
      if (idnode.exited()) throw new Error(`idnode (${mode}) exited during the run:\n${idnode.output()}`);
      modes.push({ mode, reads: during, writes: put });
      log(
        `  ${mode}: GET ${Math.round(during.requestsPerSecond)} req/s, p50 ${during.latencyMs.p50} ms, p99 ${during.latencyMs.p99} ms, max ${during.latencyMs.max} ms; ` +
          `PUT ${Math.round(put.requestsPerSecond)} req/s (${put.unexpected} not 201)`,
      );
    } finally {
      await stopServer(idnode);
    }
  }
  return { readConnections, writeConnections: options.connections, modes };
}
