// The Node HTTP(S) server around the Koa app, with the configured timeouts.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.js';
import { SECURITY_HEADERS } from './request-pipeline.js';

/** An HTTPS server when a certificate and key are configured, plain HTTP otherwise. */
export function createServer(handler: (req: IncomingMessage, res: ServerResponse) => void, config: Config): Server {
  // Node checks header and request timeouts only every connectionsCheckingInterval (30 s by default), which would
  // let slow clients hold sockets far past IDNODE_HEADERS_TIMEOUT_MS; check at a quarter of the timeout instead.
  const connectionsCheckingInterval = Math.max(250, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4));
  const options = { connectionsCheckingInterval };
  const server =
    config.tlsCertPath !== null && config.tlsKeyPath !== null
      ? createHttpsServer({ ...options, cert: readFileSync(config.tlsCertPath), key: readFileSync(config.tlsKeyPath) }, handler)
      : createHttpServer(options, handler);
  server.on('clientError', answerClientError);
  // CONNECT is a known verb no resource here supports (reference §3.1: 405); without a listener Node would just
  // drop the connection without an answer.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    answerRaw(socket, 405, 'Method Not Allowed', 4, 'method not allowed on this resource', 'Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS\r\n');
  });
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = config.requestTimeoutMs;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  return server;
}

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, number]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 4],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 4],
  // Reference §3.1: an unknown HTTP verb is 501 (responseCode 5, operation not supported).
  HPE_INVALID_METHOD: [501, 'Not Implemented', 5],
};

/**
 * Requests Node's parser refuses never reach Koa: answer them with a short JSON error in the Handle dialect
 * (431 for oversized headers, 408 for timeouts, 501 for unknown methods, 400 otherwise) and close the connection.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (error.code === 'ECONNRESET')) {
    socket.destroy();
    return;
  }
  const [status, reason, responseCode] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 4];
  answerRaw(socket, status, reason, responseCode, status === 400 ? 'malformed HTTP request' : reason.toLowerCase());
}

const RAW_SECURITY_HEADERS = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** A Handle-dialect JSON error written straight to the socket (with the security headers), then the connection closed. */
function answerRaw(socket: Duplex, status: number, reason: string, responseCode: number, message: string, extraHeaders = ''): void {
  const body = JSON.stringify({ responseCode, message });
  // The socket is no longer the HTTP server's (no timeouts apply): destroy it once the answer is out, or after a
  // second if the peer does not read, rather than wait for a half-open peer to close its side.
  const destroy = (): void => void socket.destroy();
  setTimeout(destroy, 1000).unref();
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${RAW_SECURITY_HEADERS}${extraHeaders}Connection: close\r\n\r\n${body}`,
    destroy,
  );
}

/** Listens and resolves with the bound port (useful with port 0). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes what is left. */
export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
