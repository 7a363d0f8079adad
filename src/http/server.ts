// The Node HTTP(S) server around the Koa app, with the configured timeouts.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config.js';
import { IdnodeError, type ErrorCode } from '../errors.js';
import { writeRawError } from './answer.js';
import { dialectOf } from './routes.js';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * The configured certificate and key, read and checked as a pair now — a missing file, PEM that does not parse or a
 * key that does not match the certificate throws here, before a first start creates the store. Null for plain HTTP.
 */
export function readTls(config: Config): TlsMaterial | null {
  if (config.tlsCertPath === null || config.tlsKeyPath === null) return null;
  const material = { cert: readFileSync(config.tlsCertPath), key: readFileSync(config.tlsKeyPath) };
  createSecureContext(material);
  return material;
}

/**
 * An HTTPS server when a certificate and key are given, plain HTTP otherwise. `answered` hears the catalog code of
 * every request the HTTP parser refused and this server answered itself (the metrics count them).
 */
export function createServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  config: Config,
  tls: TlsMaterial | null = readTls(config),
  answered: (code: ErrorCode) => void = () => {},
): Server {
  // Node checks header and request timeouts only every connectionsCheckingInterval (30 s by default), which would
  // let slow clients hold sockets far past IDNODE_HEADERS_TIMEOUT_MS; check at a quarter of the timeout instead.
  const connectionsCheckingInterval = Math.max(250, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4));
  const options = { connectionsCheckingInterval };
  const server =
    tls !== null ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, handler) : createHttpServer(options, handler);
  server.on('clientError', (error: Error & { code?: string; rawPacket?: unknown }, socket: Duplex) => {
    const code = answerClientError(error, socket);
    if (code !== null) answered(code);
  });
  // Expect: 100-continue reaches the handler unanswered; the body reader sends 100 Continue only when it wants the
  // body, so a refused request (401, 413, 429…) is answered without the client ever sending its body.
  server.on('checkContinue', handler);
  // CONNECT is a verb Handle.net does not implement (501/4, issue 19); without a listener Node would just drop the
  // connection without an answer.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeRawError(socket, new IdnodeError('UNKNOWN_METHOD', 'Unknown method CONNECT'), 'handle');
    answered('UNKNOWN_METHOD');
  });
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = config.requestTimeoutMs;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // A client that half-closes after sending its request (socket.end, shutdown(SHUT_WR)) still gets its answer: by
  // default Node aborts such a request when the FIN arrives, which a write committed on the writer thread (issue 13)
  // answers too late for. The connection is still closed once the answer is written.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}

const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  // A verb not even Node knows: 501/4 "Unknown method X", as Handle.net answers every verb it does not implement.
  HPE_INVALID_METHOD: 'UNKNOWN_METHOD',
};

/** `Unknown method X` for the verb at the start of what the parser refused, when it is a plain token. */
function refusedMethodMessage(error: Error & { rawPacket?: unknown }): string | undefined {
  if (!Buffer.isBuffer(error.rawPacket)) return undefined;
  const verb = /^([A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}) /.exec(error.rawPacket.subarray(0, 64).toString('latin1'))?.[1];
  return verb === undefined ? undefined : `Unknown method ${verb}`;
}

/** The path of the request line at the start of what the parser refused (origin or absolute form), if readable. */
function refusedPath(error: Error & { rawPacket?: unknown }): string | null {
  if (!Buffer.isBuffer(error.rawPacket)) return null;
  const line = /^[^ \r\n]* (?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/ ]*)?(\/[^?# \r\n]*)/.exec(error.rawPacket.subarray(0, 4096).toString('latin1'));
  return line?.[1] ?? null;
}

/**
 * Requests Node's parser refuses never reach Koa: answer them from the catalog (431 oversized headers, 408
 * timeouts, 501 unknown methods, 400 otherwise) in the dialect of the path they were for, and close the connection.
 * Returns the code answered, or null when the connection was only closed.
 */
function answerClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): ErrorCode | null {
  if (!socket.writable || error.code === 'ECONNRESET' || alreadyAnswered(socket)) {
    socket.destroy();
    return null;
  }
  const code = CLIENT_ERRORS[error.code ?? ''] ?? 'MALFORMED_REQUEST';
  writeRawError(socket, new IdnodeError(code, code === 'UNKNOWN_METHOD' ? refusedMethodMessage(error) : undefined), dialectOf(refusedPath(error)));
  return code;
}

/**
 * True when the request the parser is in the middle of already has its answer (a 401 or 413 sent before its body
 * arrived, which then timed out or broke): a second response on the connection would corrupt it, so it is just
 * closed. Node's own fallback checks the same fields.
 */
function alreadyAnswered(socket: Duplex): boolean {
  const { _httpMessage: response, parser } = socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null; parser?: { incoming?: IncomingMessage | null } | null };
  if (response?.headersSent === true) return true;
  const incoming = parser?.incoming;
  // A response detaches from its socket when it finishes; the request it answered may still be incomplete.
  return (response === null || response === undefined) && incoming !== null && incoming !== undefined && !incoming.complete;
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
