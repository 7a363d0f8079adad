// The process edge: configuration from the environment → store → app → listen → graceful stop on SIGTERM/SIGINT.

import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import cluster from 'node:cluster';
import { createNode, provisionStore, type IdnodeNode } from './app.js';
import { runPrimary } from './cluster/primary.js';
import { askPrimaryForMetrics, reportListening, takeWorkerDuty, type WorkerDuty } from './cluster/worker-link.js';
import { clusterExposition } from './metrics/cluster-metrics.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { closeGracefully, createServer, listen, readTls } from './http/server.js';
import { createLogger, type Logger } from './log/logger.js';
import { listenWire, type WireListeners } from './wire/listeners.js';

export interface RunningNode {
  readonly node: IdnodeNode;
  readonly server: Server;
  readonly port: number;
  /** The Handle-protocol listeners (TCP and UDP on `handlePort`), null when IDNODE_HANDLE_PORT=0. */
  readonly wire: WireListeners | null;
  readonly handlePort: number | null;
  stop(): Promise<void>;
}

/** Where a generated administrator secret may be shown: this process's stdout, or a test's stand-in. */
export interface Terminal {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** The file a generated administrator secret is written to when stdout is not a terminal: beside the store. */
export function adminSecretFile(dbPath: string): string {
  return `${resolve(dbPath)}.admin-secret`;
}

/**
 * Hands over the administrator secret generated on the first start, once (the store keeps only a PBKDF2 hash; issue
 * 17 item 5): printed when stdout is a terminal; otherwise — journald, a redirect, a container's log — written to a new
 * 0600 file beside the store, and only that file's path is logged. `note` when the start then failed.
 */
function handOverGeneratedSecret(config: Config, identity: string, secret: string, logger: Logger, terminal: Terminal, note = ''): void {
  if (terminal.isTTY === true) {
    terminal.write(`\nidnode: created administrator identity ${identity}\nidnode: its secret (shown once, store it now): ${secret}\n${note === '' ? '' : `idnode: ${note}\n`}\n`);
    return;
  }
  const file = adminSecretFile(config.dbPath);
  // A file left by an earlier store holds a secret that no longer works: replace it, private from its first byte.
  rmSync(file, { force: true });
  writeFileSync(file, `identity: ${identity}\nsecret: ${secret}\n`, { mode: 0o600, flag: 'wx' });
  logger.warn({ identity, secretFile: file }, `administrator secret generated and written to secretFile (0600): store it elsewhere, then delete the file${note === '' ? '' : `; ${note}`}`);
}

/**
 * Starts a node from a validated configuration and hands over the generated administrator secret once (see
 * handOverGeneratedSecret). TLS files are read before the store is touched, so a wrong path fails before a first start
 * creates anything.
 */
export async function startNode(config: Config, logger: Logger, terminal: Terminal = process.stdout, duty: WorkerDuty | null = null): Promise<RunningNode> {
  const tls = readTls(config);
  // A worker of IDNODE_WORKERS > 1: sessions shared through the store's side table, the once-only work in the leader
  // alone, and so the Handle protocol too (its UDP challenges must come back to the worker that issued them).
  const node = await createNode(config, { logger, ...(duty === null ? {} : { background: duty === 'leader', sharedSessions: true }) });
  if (duty !== null) node.metrics.reportAsWorker(() => askPrimaryForMetrics());
  const handlePortWanted = duty === 'follower' ? null : config.handlePort;
  const { bootstrap } = node;
  if (bootstrap.rotated) logger.warn({ identity: bootstrap.identity }, 'administrator secret replaced from IDNODE_ADMIN_SECRET');
  const server = createServer(node.listener, config, tls, (code) => node.metrics.error(code));
  let port: number;
  let wire: WireListeners | null = null;
  try {
    port = await listen(server, config.port, config.host);
    try {
      if (handlePortWanted !== null) wire = await listenWire(node.wire, config, handlePortWanted);
    } catch (error) {
      await closeGracefully(server, 0);
      throw error;
    }
  } catch (error) {
    // The store was created all the same: the secret it holds must not be lost with the failed start.
    if (bootstrap.generatedSecret !== null) {
      handOverGeneratedSecret(config, bootstrap.identity, bootstrap.generatedSecret, logger, terminal, 'the node did not start, but this secret is stored and stays valid');
    }
    await node.close();
    throw error;
  }
  if (bootstrap.generatedSecret !== null) handOverGeneratedSecret(config, bootstrap.identity, bootstrap.generatedSecret, logger, terminal);
  const handlePort = wire?.port ?? null;
  node.publishSite(port, handlePort);
  if (duty === null) logger.info({ port, handlePort, host: config.host, dbPath: config.dbPath, nodePrefix: config.nodePrefix, tls: config.tlsCertPath !== null, writes: node.writes.kind }, 'idnode listening');
  else {
    logger.info({ port, handlePort, duty, pid: process.pid, writes: node.writes.kind }, 'worker listening');
    reportListening(port, handlePort);
  }
  let stopping: Promise<void> | null = null;
  return {
    node,
    server,
    port,
    wire,
    handlePort,
    stop() {
      // Both listeners stop taking requests at once and let the ones under way finish before the store closes.
      stopping ??= Promise.all([closeGracefully(server, config.shutdownTimeoutMs), wire?.close(config.shutdownTimeoutMs)]).then(() => node.close());
      return stopping;
    },
  };
}

/**
 * A worker's share of the node-wide login budget: the failed-login counters live in each process, and connections are
 * spread over the workers, so each allows 1/N of IDNODE_RATE_LIMIT_FAILED_LOGINS and the node about the configured
 * number (docs/security.md). The request budgets stay per worker (a client on one kept-alive connection meets one).
 */
function workerConfig(config: Config): Config {
  const failed = config.rateLimitFailedLoginsPerMinute;
  return Object.freeze({ ...config, rateLimitFailedLoginsPerMinute: failed === 0 ? 0 : Math.max(1, Math.ceil(failed / config.workers)) });
}

/** The configuration from this process's IDNODE_* variables; prints every problem and exits 1 when invalid. */
export function environmentConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`idnode: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * `idnode serve`: starts from the environment and stops gracefully on SIGTERM/SIGINT. With IDNODE_WORKERS > 1 this
 * process is the primary (src/cluster/primary.ts) and each worker it forks runs this again as a worker.
 */
export async function serve(): Promise<void> {
  const duty = takeWorkerDuty(process.env);
  const config = environmentConfig();
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary({
      config,
      logger,
      exposition: clusterExposition(),
      provision: async () => {
        readTls(config);
        const bootstrap = await provisionStore(config);
        if (bootstrap.rotated) logger.warn({ identity: bootstrap.identity }, 'administrator secret replaced from IDNODE_ADMIN_SECRET');
        if (bootstrap.generatedSecret !== null) handOverGeneratedSecret(config, bootstrap.identity, bootstrap.generatedSecret, logger, process.stdout);
      },
    });
    return;
  }
  let running: RunningNode | null = null;
  let signalled = false;
  const stop = (node: RunningNode): void => {
    node
      .stop()
      .then(
        () => logger.info({}, 'stopped'),
        (error: unknown) => {
          logger.error({ err: error }, 'stop failed');
          process.exitCode = 1;
        },
      )
      // A worker's channel to the primary would keep it alive.
      .finally(() => {
        if (duty !== null && process.connected) process.disconnect?.();
      });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    signalled = true;
    if (running !== null) stop(running);
  };
  // In place before the node listens: a signal sent the moment "idnode listening" is read still stops it gracefully.
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    running = await startNode(duty === null ? config : workerConfig(config), logger, process.stdout, duty);
  } catch (error) {
    // A worker that cannot start must exit (its channel to the primary would keep it alive); the CLI prints the error.
    if (duty !== null && process.connected) process.disconnect?.();
    throw error;
  }
  if (signalled) stop(running);
}
