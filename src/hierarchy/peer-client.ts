// Calls to other nodes over HTTP(S) with node:http: keep-alive agents, a timeout on every call, bounded answers.

import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { UpstreamFailure } from '../metrics/hierarchy-instruments.js';

export interface PeerReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** A call that got no usable answer: why, in the closed set the metrics count. */
export class PeerFailure extends Error {
  /** The connection was a kept-alive one and failed before any answer: the call may be made again on a new one. */
  readonly reusedConnection: boolean;

  constructor(
    readonly reason: UpstreamFailure,
    message: string,
    options?: { cause?: unknown; reusedConnection?: boolean },
  ) {
    super(message, options);
    this.name = 'PeerFailure';
    this.reusedConnection = options?.reusedConnection ?? false;
  }
}

export interface PeerCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** The whole call, connection to last byte; at most the client's own timeout. */
  readonly timeoutMs?: number;
}

export interface PeerClientOptions {
  readonly timeoutMs: number;
  /** Largest answer read; a longer one is a failed call. */
  readonly maxAnswerBytes?: number;
}

/** HTTP(S) JSON calls to other nodes. One per node: its agents keep a bounded number of connections per peer. */
export class PeerClient {
  // Idle connections are dropped before a node's own keep-alive timeout (IDNODE_KEEP_ALIVE_TIMEOUT_MS, 5 s by default)
  // would close them under a request.
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4000 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4000 });

  constructor(private readonly options: PeerClientOptions) {}

  /**
   * One call to `url` (an origin and a path). Resolves with any HTTP answer; rejects with PeerFailure. A call that
   * failed on a kept-alive connection before any answer (the peer closed it as it was reused) is made once more on a
   * new one: every call between nodes may be repeated (reads, and reports applied once by their sequence numbers).
   */
  async call(url: string, call: PeerCall): Promise<PeerReply> {
    try {
      return await this.once(url, call);
    } catch (error) {
      if (!(error instanceof PeerFailure) || !error.reusedConnection) throw error;
      return this.once(url, call);
    }
  }

  private once(url: string, call: PeerCall): Promise<PeerReply> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const timeoutMs = Math.max(1, Math.min(call.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs));
    const maxBytes = this.options.maxAnswerBytes ?? 4 * 1024 * 1024;
    return new Promise<PeerReply>((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        { method: call.method, headers, agent: secure ? this.https : this.http },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          let length = 0;
          res.on('data', (chunk: Buffer) => {
            length += chunk.length;
            if (length > maxBytes) request.destroy(new PeerFailure('answer', `answer from ${target.origin} is larger than ${maxBytes} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            clearTimeout(timer);
            let json: unknown;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
          });
          res.on('error', (error) => fail(error));
        },
      );
      let answered = false;
      const fail = (error: unknown): void => {
        clearTimeout(timer);
        if (error instanceof PeerFailure) reject(error);
        else reject(new PeerFailure('connection', `${target.origin}: ${(error as Error).message}`, { cause: error, reusedConnection: request.reusedSocket && !answered }));
      };
      const timer = setTimeout(() => request.destroy(new PeerFailure('timeout', `${target.origin} did not answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('error', fail);
      request.end(payload);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
