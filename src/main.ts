// The process edge: configuration from the environment → store → app → listen → graceful stop on SIGTERM/SIGINT.

import type { Server } from 'node:http';
import { createNode, type IdnodeNode } from './app.js';
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

/** Prints the administrator secret generated on the first start; `note` when the start then failed. */
function printGeneratedSecret(identity: string, secret: string, note = ''): void {
  // Printed once, on the first start only: the store keeps just a PBKDF2 hash.
  process.stdout.write(`\nidnode: created administrator identity ${identity}\nidnode: its secret (shown once, store it now): ${secret}\n${note}\n`);
}

/**
 * Starts a node from a validated configuration and prints the generated administrator secret once. TLS files are
 * read before the store is touched, so a wrong path fails before a first start creates anything.
 */
export async function startNode(config: Config, logger: Logger): Promise<RunningNode> {
  const tls = readTls(config);
  const node = await createNode(config, { logger });
  const { bootstrap } = node;
  if (bootstrap.rotated) logger.warn({ identity: bootstrap.identity }, 'administrator secret replaced from IDNODE_ADMIN_SECRET');
  const server = createServer(node.listener, config, tls);
  let port: number;
  let wire: WireListeners | null = null;
  try {
    port = await listen(server, config.port, config.host);
    try {
      if (config.handlePort !== null) wire = await listenWire(node.wire, config, config.handlePort);
    } catch (error) {
      await closeGracefully(server, 0);
      throw error;
    }
  } catch (error) {
    // The store was created all the same: the secret it holds must not be lost with the failed start.
    if (bootstrap.generatedSecret !== null) printGeneratedSecret(bootstrap.identity, bootstrap.generatedSecret, 'idnode: the node did not start, but this secret is stored and stays valid\n');
    node.close();
    throw error;
  }
  if (bootstrap.generatedSecret !== null) printGeneratedSecret(bootstrap.identity, bootstrap.generatedSecret);
  const handlePort = wire?.port ?? null;
  node.publishSite(port, handlePort);
  logger.info({ port, handlePort, host: config.host, dbPath: config.dbPath, nodePrefix: config.nodePrefix, tls: config.tlsCertPath !== null }, 'idnode listening');
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

/** `idnode serve`: starts from the environment and stops gracefully on SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  const config = environmentConfig();
  const logger = createLogger(config.logLevel);
  const running = await startNode(config, logger);
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    running.stop().then(
      () => logger.info({}, 'stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
