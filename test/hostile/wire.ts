// HTTP for the hostile-input tests: a lean keep-alive client for thousands of runs, and raw bytes over a socket
// (what a well-behaved client library refuses to send).

import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { ExecutionContext } from 'ava';
import { httpCall } from '../support/http-client.js';
import { ADMIN, basicAuth, type NodeUnderTest, type Reply } from '../support/node-under-test.js';

export interface WireReply {
  readonly status: number;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  readonly json: any;
  /** The server ended the connection (rather than the client giving up). */
  readonly closedByServer: boolean;
}

/** The first final (non-1xx) response in `data`, or null when there is none. */
export function parseFirstResponse(data: Buffer): Omit<WireReply, 'closedByServer'> | null {
  let offset = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd < 0) return null;
    const lines = data.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(status)) return null;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    if (status < 200) {
      offset = bodyStart;
      continue;
    }
    const length = headers['content-length'] === undefined ? data.length - bodyStart : Number(headers['content-length']);
    const text = data.subarray(bodyStart, bodyStart + length).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers, text, json };
  }
}

/**
 * Sends `bytes` on a fresh connection to 127.0.0.1:`port` and resolves with the first response once the server
 * closes the connection (send `Connection: close`). Rejects when no response arrives within `timeoutMs`.
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<WireReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let ended = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      ended = true;
    });
    socket.on('error', () => {
      // A reset after the answer is fine; a missing answer is reported on close.
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const reply = parseFirstResponse(Buffer.concat(chunks));
      if (reply === null) reject(new Error(`no HTTP response to ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`));
      else resolve({ ...reply, closedByServer: ended });
    });
    socket.write(bytes);
  });
}

export interface UploadResult {
  /** The first response, or null when the server closed without one. */
  readonly reply: Omit<WireReply, 'closedByServer'> | null;
  /** Body bytes the client had written when the first response byte arrived (-1: none arrived). */
  readonly sentWhenAnswered: number;
  /** Body bytes written in all. */
  readonly sent: number;
  /** The connection was closed before the client had written all `totalBytes`. */
  readonly cutShort: boolean;
}

/**
 * Writes `head` and then up to `totalBytes` of body in `chunk`-sized pieces (chunked framing when `chunked`),
 * respecting back-pressure, until the server closes the connection or everything is sent.
 */
export function upload(port: number, head: string, totalBytes: number, options: { chunked: boolean; chunk?: Buffer }): Promise<UploadResult> {
  const chunk = options.chunk ?? Buffer.alloc(16_384, 0x20);
  const frame = options.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let sent = 0;
    let sentWhenAnswered = -1;
    let closed = false;
    socket.on('data', (data: Buffer) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      received.push(data);
    });
    socket.on('error', () => {
      // EPIPE / ECONNRESET while still sending: the server closed on us, which is what is being tested.
    });
    socket.on('close', () => {
      closed = true;
      resolve({ reply: parseFirstResponse(Buffer.concat(received)), sentWhenAnswered, sent, cutShort: sent < totalBytes });
    });
    const pump = (): void => {
      while (!closed && !socket.destroyed && sent < totalBytes) {
        sent += chunk.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!closed && !socket.destroyed && sent >= totalBytes) socket.end(options.chunked ? '0\r\n\r\n' : '');
    };
    socket.write(head, 'latin1', pump);
  });
}

export interface ClientRequest {
  /** Sent as is, with Content-Type application/json unless headers say otherwise. */
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Basic credentials; the default is none (anonymous). */
  readonly auth?: { readonly identity: string; readonly secret: string } | 'admin';
}

/**
 * Keep-alive connections to a node under test, torn down with the test. About twice as fast per request as
 * Node's global agent, which matters at 10,000 runs per property.
 */
export class KeepAliveClient {
  private readonly agent: Agent;

  /** `connections`: how many requests may be in flight at once (each on its own connection). */
  constructor(
    t: ExecutionContext,
    private readonly node: NodeUnderTest,
    connections = 1,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
    t.teardown(() => this.agent.destroy());
  }

  /** Sends one request with a raw path (nothing is re-encoded). */
  request(method: string, path: string, options: ClientRequest = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.auth !== undefined) {
      const { identity, secret } = options.auth === 'admin' ? ADMIN : options.auth;
      headers.authorization = basicAuth(identity, secret);
    }
    return httpCall(this.node.port, method, path, { headers, body: options.body, agent: this.agent, host: this.node.host });
  }
}
