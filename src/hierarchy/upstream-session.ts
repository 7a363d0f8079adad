// A secondary node's authenticated calls to its upstream: one Handle session in which both sides prove their node key
// (the upstream signs the node's nonce first; the node then answers the upstream's challenge with HS_PUBKEY).

import { randomBytes, verify } from 'node:crypto';
import { publicKeyOf } from '../auth/challenge.js';
import { jwkThumbprint } from '../auth/node-key.js';
import type { HierarchyInstruments, UpstreamCall } from '../metrics/hierarchy-instruments.js';
import { PeerFailure, type PeerClient, type PeerReply } from './peer-client.js';
import { siteKey, type SiteJson } from './sites.js';

export interface UpstreamSessionOptions {
  readonly peer: PeerClient;
  /** The upstream's origin (IDNODE_UPSTREAM_URL). */
  readonly url: string;
  /** This node's identity there: `300:0.NA/<node prefix>`, whose HS_PUBKEY is this node's key. */
  readonly identity: string;
  /** Signs with this node's key (RSA PKCS#1 v1.5, SHA-256). */
  readonly sign: (data: Buffer) => Buffer;
  /** IDNODE_UPSTREAM_KEY_THUMBPRINT, or null to pin the key seen at the first login. */
  readonly thumbprint: string | null;
  /** The thumbprint pinned at the first login (kept in the store). */
  readonly pinned: { get(): string | undefined; set(thumbprint: string): Promise<void> };
  readonly metrics: HierarchyInstruments;
}

/** Calls to the upstream as this node, over a session set up on first use and again whenever the upstream forgets it. */
export class UpstreamSession {
  private sessionId: string | null = null;

  constructor(private readonly options: UpstreamSessionOptions) {}

  /** One authenticated call. Rejects with PeerFailure when the upstream cannot be reached or cannot be trusted. */
  async call(purpose: UpstreamCall, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<PeerReply> {
    for (let attempt = 0; ; attempt += 1) {
      const sessionId = this.sessionId ?? (await this.login());
      const reply = await this.timed(purpose, method, path, body, { authorization: `Handle sessionId="${sessionId}"` });
      // The upstream restarted or the session lapsed: log in again, once.
      if (reply.status !== 401 || attempt > 0) return reply;
      this.sessionId = null;
    }
  }

  /** Forgets the session (the next call logs in again). */
  reset(): void {
    this.sessionId = null;
  }

  private async timed(purpose: UpstreamCall, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, headers: Record<string, string> = {}): Promise<PeerReply> {
    const started = performance.now();
    try {
      return await this.options.peer.call(`${this.options.url}${path}`, { method, body, headers });
    } catch (error) {
      if (error instanceof PeerFailure) this.options.metrics.upstreamFailure(error.reason);
      throw error;
    } finally {
      this.options.metrics.upstream(purpose, (performance.now() - started) / 1000);
    }
  }

  /**
   * Opens a session: reads the upstream's key from its site and checks it against the pinned thumbprint, has the
   * upstream sign a fresh client nonce with it, then answers the upstream's nonce with this node's key.
   */
  private async login(): Promise<string> {
    const { options } = this;
    const site = await this.timed('session', 'GET', '/api/site', undefined);
    const key = siteKey(((site.json as { site?: SiteJson } | undefined)?.site ?? {}) as SiteJson);
    if (site.status !== 200 || key === null) throw new PeerFailure('answer', `${options.url}/api/site names no node key (HTTP ${site.status})`);
    const thumbprint = jwkThumbprint(key);
    const pinned = options.thumbprint ?? options.pinned.get();
    if (pinned !== undefined && pinned !== thumbprint) {
      throw new PeerFailure('answer', `the upstream's key ${thumbprint} is not the pinned ${pinned} (IDNODE_UPSTREAM_KEY_THUMBPRINT, or the key seen at the first join)`);
    }
    const clientNonce = randomBytes(16);
    const opened = await this.timed('session', 'POST', '/api/sessions', { cnonce: clientNonce.toString('base64') });
    const view = opened.json as { sessionId?: unknown; nonce?: unknown; serverSignature?: unknown } | undefined;
    if (opened.status !== 201 || typeof view?.sessionId !== 'string' || typeof view.nonce !== 'string' || typeof view.serverSignature !== 'string') {
      throw new PeerFailure('answer', `the upstream did not open a session (HTTP ${opened.status})`);
    }
    const nonce = Buffer.from(view.nonce, 'base64');
    if (!verify('sha256', Buffer.concat([nonce, clientNonce]), publicKeyOf(key), Buffer.from(view.serverSignature, 'base64'))) {
      throw new PeerFailure('answer', 'the upstream could not prove its key: its signature over our nonce is wrong');
    }
    const answerNonce = randomBytes(16);
    const answered = await this.timed('session', 'PUT', '/api/sessions/this', {
      sessionId: view.sessionId,
      id: options.identity,
      type: 'HS_PUBKEY',
      cnonce: answerNonce.toString('base64'),
      alg: 'SHA256',
      signature: options.sign(Buffer.concat([nonce, answerNonce])).toString('base64'),
    });
    if (answered.status !== 200) {
      throw new PeerFailure('answer', `the upstream refused ${options.identity} (HTTP ${answered.status}): has its operator admitted this node's key?`);
    }
    if (pinned === undefined) await options.pinned.set(thumbprint);
    this.sessionId = view.sessionId;
    return view.sessionId;
  }
}
