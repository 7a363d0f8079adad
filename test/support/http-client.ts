// The one HTTP client of the tests: a request to a node on 127.0.0.1 with a raw path, its whole answer read back.

import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  readonly json: any;
}

export interface CallOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON (Content-Type application/json unless headers say otherwise); a string or Buffer as is. */
  readonly body?: unknown;
  /** Keep-alive agent to send over; default none (a new connection, as node:http never retries). */
  readonly agent?: Agent;
  readonly host?: string;
  /** Rejects after this long without socket activity. */
  readonly timeoutMs?: number;
  /** Runs once the whole request has been handed to the socket. */
  readonly onSent?: () => void;
  /** Runs as soon as the status line arrives — the moment a write counts as acknowledged. */
  readonly onStatus?: (status: number) => void;
}

/** Sends one request (the path is sent as given, nothing re-encoded). Rejects on connection errors (refused, reset). */
export function httpCall(port: number, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = Buffer.from(options.body);
    else {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] ??= 'application/json';
    }
    // Node's client sends a DELETE body without Content-Length or chunking (so the server would see none).
    const named = Object.keys(headers).map((name) => name.toLowerCase());
    if (!named.includes('content-length') && !named.includes('transfer-encoding')) headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: options.host ?? '127.0.0.1', port, method, path, headers, agent: options.agent ?? false, timeout: options.timeoutMs }, (res) => {
      options.onStatus?.(res.statusCode ?? 0);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    if (options.timeoutMs !== undefined) req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (options.onSent !== undefined) req.once('finish', options.onSent);
    req.end(payload);
  });
}
