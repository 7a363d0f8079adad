// Every HTTP answer's common parts: the headers each one carries, the dialects, and errors rendered from the catalog.

import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorPage as consoleErrorPage } from '../console/pages/error-page.js';
import { IdnodeError, type ErrorCode } from '../errors.js';
import { errorPage } from '../pages/error-page.js';

/**
 * How a surface answers: `handle` is the Handle.net REST JSON (`{responseCode, handle?, message}`), `snms` the SNMS
 * envelope (`{status, message, data}`), `plain` idnode's own `{code, message}` for the operator endpoints, `html` a
 * page for people (the resolver proxy's pages), `console` a page of the web console (docs/console.md).
 */
export type Dialect = 'handle' | 'snms' | 'plain' | 'html' | 'console';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';

/**
 * The console's Content-Security-Policy: scripts, styles and images only from the node itself (no inline script or
 * style), forms post only to it, never framed.
 */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Sent on every answer, whoever writes it: the security headers, and CORS for every resource (reference §3.1)
 * whether or not the request named an Origin, so a shared cache never hands a browser an answer stored without it.
 * Never with Access-Control-Allow-Credentials.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Access-Control-Allow-Origin': '*',
});

/** Added to SECURITY_HEADERS on a CORS preflight's 204. */
export const CORS_PREFLIGHT: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Requested-With',
  'Access-Control-Max-Age': '600',
});

/** An error as a status, a body in one dialect and its content type. */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/**
 * Faults of the transport rather than of the request's business: an SNMS client gets their real HTTP status, as it
 * would from the proxy in front of a Teleinfo node (snms-v5-api.md §2: "reserve real 4xx/5xx codes for transport
 * faults"). Every other SNMS envelope is sent with HTTP 200.
 */
const TRANSPORT_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['BODY_TOO_LARGE', 'HEADERS_TOO_LARGE', 'REQUEST_TIMEOUT', 'MALFORMED_REQUEST', 'RATE_LIMITED']);

/** The `message` of an SNMS envelope (or a batch item's `msg`) for an error: the reference's text where it gives one. */
export function snmsMessageOf(error: IdnodeError): string {
  return error.entry.snmsMessage ?? error.answerMessage;
}

/**
 * Renders a catalog error in `dialect`. A 5xx says only the catalog's generic text; `echo` (the handle as the client
 * wrote it) is included in Handle answers when known (reference §5). SNMS envelopes use HTTP 200 except for
 * transport faults (snms-v5-api.md §2, idnode choice).
 */
export function renderError(error: IdnodeError | ErrorCode, dialect: Dialect, echo?: string): ErrorAnswer {
  const thrown = typeof error === 'string' ? new IdnodeError(error) : error;
  const { entry } = thrown;
  const message = thrown.answerMessage;
  switch (dialect) {
    case 'handle': {
      const fields: Record<string, unknown> = { responseCode: entry.responseCode };
      if (echo !== undefined) fields.handle = echo;
      fields.message = message;
      return { status: entry.httpStatus, body: JSON.stringify(fields), contentType: JSON_TYPE };
    }
    case 'snms': {
      const status = TRANSPORT_FAULTS.has(thrown.code) ? entry.httpStatus : 200;
      return { status, body: JSON.stringify({ status: entry.snmsStatus, message: snmsMessageOf(thrown), data: null }), contentType: JSON_TYPE };
    }
    // A small page, every text escaped; it needs nothing the default Content-Security-Policy forbids.
    case 'html':
      return { status: entry.httpStatus, body: errorPage({ status: entry.httpStatus, code: thrown.code, message }), contentType: HTML_TYPE };
    case 'console':
      return { status: entry.httpStatus, body: consoleErrorPage(entry.httpStatus, snmsMessageOf(thrown), thrown.code), contentType: HTML_TYPE };
    case 'plain':
      return { status: entry.httpStatus, body: JSON.stringify({ code: thrown.code, message }), contentType: JSON_TYPE };
  }
}

/** The Retry-After an error answer carries: the error's own delay, 1 second for any other 503, else none. */
export function retryAfterOf(error: IdnodeError): string | undefined {
  if (error.retryAfterSeconds !== undefined) return String(error.retryAfterSeconds);
  return error.entry.httpStatus === 503 ? '1' : undefined;
}

/** SECURITY_HEADERS and the JSON Content-Type as writeHead's flat [name, value, …] list. */
const JSON_HEADER_LIST: readonly string[] = [...Object.entries(SECURITY_HEADERS).flat(), 'Content-Type', JSON_TYPE];

/**
 * Writes a complete answer on a Node response, with the security headers, for the answers given before Koa (the
 * resolve and proxy fast paths, the rate-limit gate): JSON unless `headers` names another Content-Type. `headers` adds
 * or overrides (a page's Content-Type and Content-Security-Policy), names spelled as here. The headers go to writeHead
 * as a flat list: measured against an object with the same headers (issue 13), Node's object path cost about 15 µs
 * more per answer on this machine, more than the rest of the fast path.
 */
export function writeAnswer(res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  const list = JSON_HEADER_LIST.slice();
  for (const name in headers) {
    const value = headers[name] ?? '';
    const at = list.indexOf(name);
    if (at >= 0 && at % 2 === 0) list[at + 1] = value;
    else list.push(name, value);
  }
  list.push('Content-Length', String(Buffer.byteLength(body)));
  res.writeHead(status, list);
  res.end(body);
}

const RAW_SECURITY_HEADERS = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * A catalog error written straight to a socket that has no HTTP response object (the parser refused the request, or
 * CONNECT), with the security headers, then the connection closed. `extraHeaders` are raw `Name: value\r\n` lines.
 */
export function writeRawError(socket: Duplex, error: IdnodeError | ErrorCode, dialect: Dialect, extraHeaders = ''): void {
  const { status, body, contentType } = renderError(error, dialect);
  // The socket is no longer the HTTP server's (no timeouts apply): destroy it once the answer is out, or after a
  // second if the peer does not read, rather than wait for a half-open peer to close its side.
  const destroy = (): void => void socket.destroy();
  setTimeout(destroy, 1000).unref();
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${RAW_SECURITY_HEADERS}${extraHeaders}Connection: close\r\n\r\n${body}`,
    destroy,
  );
}

