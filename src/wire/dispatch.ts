// One Handle-protocol message in, its answers out: rate limits, decoding, challenges, the operation, metrics, errors.

import { parseIdentity, type Identity } from '../auth/identity.js';
import { EncodingMemo } from '../cache/encoding-memo.js';
import { IdnodeError, toIdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { Logger } from '../log/logger.js';
import type { RouteName } from '../http/routes.js';
import type { Metrics } from '../metrics/metrics.js';
import { clientNetwork } from '../network/addresses.js';
import { chargesErrorBudget } from '../ratelimit/error-budget.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import { claimedIdentity, verifyWireAnswer, type AnswerBody } from './answers.js';
import { PendingChallenges } from './challenges.js';
import type { Envelope } from './envelope.js';
import { perform, performRead, type MemoizedValues, type OperationDeps, type Outcome } from './operations.js';
import { MAX_MESSAGE_BYTES, OP, VERSION, atLeast, responseVersion, type Version } from './protocol.js';
import { decodeRequest, type WireRequest } from './requests.js';
import { encodeResponse, type ResponseContext } from './responses.js';
import { decryptWithSession, KEY_EXCHANGE_DH, WireSessions } from './sessions.js';
import type { RecordLookup } from '../store/store.js';
import type { Signer } from './signature.js';

export interface Peer {
  readonly address: string;
  readonly protocol: 'tcp' | 'udp';
}

/** An encoded answer and what its envelope says (the transport frames it). */
export interface Outgoing {
  readonly version: Version;
  readonly sessionId: number;
  readonly requestId: number;
  readonly message: Buffer;
}

export type Send = (outgoing: Outgoing) => void | Promise<void>;

/**
 * The envelope of (a packet of) an answer: the version the answer is written in, this node's suggested version, and
 * the request's session and request ids. `messageId` and `truncated` number the packets of a multi-packet UDP answer.
 */
export function answerEnvelope(outgoing: Outgoing, messageId = 0, truncated = false): Envelope {
  return {
    major: outgoing.version.major,
    minor: outgoing.version.minor,
    suggestMajor: VERSION.major,
    suggestMinor: VERSION.minor,
    compressed: false,
    encrypted: false,
    truncated,
    sessionId: outgoing.sessionId,
    requestId: outgoing.requestId,
    messageId,
    messageLength: outgoing.message.length,
  };
}

export interface DispatcherDeps extends Omit<OperationDeps, 'valuesMemo'> {
  readonly limits: RateLimits;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly lookup: RecordLookup;
  readonly rule: CaseRule;
  readonly sign: Signer;
  readonly nowMs: () => number;
  /** Open challenges: at most this many, each answerable for `challengeTtlMs`; as many sessions, each kept `sessionIdleMs` unused. */
  readonly maxChallenges: number;
  readonly challengeTtlMs: number;
  readonly sessionIdleMs: number;
  /** Counts a request of an authenticated identity against its daily quota; throws REQUEST_LIMIT_DAILY (603). */
  readonly chargeIdentity?: (identity: Identity) => void;
  /** Runs before each message is answered: drops what other processes over the store changed (src/store/change-feed.ts). */
  readonly beforeEach?: () => void;
}

const ROUTES: Readonly<Record<number, RouteName>> = {
  [OP.RESOLUTION]: 'handles.get',
  [OP.GET_SITE_INFO]: 'site',
  [OP.CREATE_HANDLE]: 'handles.put',
  [OP.ADD_VALUE]: 'handles.put',
  [OP.MODIFY_VALUE]: 'handles.put',
  [OP.REMOVE_VALUE]: 'handles.delete',
  [OP.DELETE_HANDLE]: 'handles.delete',
  [OP.LIST_HANDLES]: 'handles.list',
  [OP.SESSION_SETUP]: 'sessions.open',
  [OP.SESSION_TERMINATE]: 'sessions.close',
};

// Held requests of open challenges together (each up to the message bound).
const MAX_CHALLENGE_BYTES = 32 * 1024 * 1024;

/** The canonical `index:handle` an answer claims, for the failed-login limit ('' when it is not an identity). */
function claimedKey(body: AnswerBody, rule: CaseRule): string {
  try {
    const identity = parseIdentity(claimedIdentity(body), rule);
    return `${identity.index}:${identity.handle.key}`;
  } catch {
    return '';
  }
}

/**
 * Answers Handle-protocol messages over the node's services. Every message is counted against its client network's
 * request budget (and errors against the error budget), as an HTTP request is; operations that need credentials are
 * answered with a challenge, and the answer to it runs the request as the identity it proves.
 */
export class WireDispatcher {
  private readonly challenges: PendingChallenges;
  private readonly sessions: WireSessions;
  private readonly operations: OperationDeps;

  constructor(private readonly deps: DispatcherDeps) {
    this.challenges = new PendingChallenges({ maxEntries: deps.maxChallenges, maxBytes: MAX_CHALLENGE_BYTES, ttlMs: deps.challengeTtlMs, nowMs: deps.nowMs });
    this.sessions = new WireSessions({ maxEntries: deps.maxChallenges, idleMs: deps.sessionIdleMs, nowMs: deps.nowMs });
    const valuesMemo = new EncodingMemo<MemoizedValues>({ maxEntries: 50_000, maxBytes: 64 * 1024 * 1024 });
    this.operations = { ...deps, valuesMemo };
  }

  /** Open challenges now (for tests and gauges). */
  get openChallenges(): number {
    return this.challenges.size;
  }

  /** Handles one message from `peer`; resolves once every answer has been handed to `send`. Never throws. */
  async handle(envelope: Envelope, message: Buffer, peer: Peer, send: Send, unreadable?: unknown): Promise<void> {
    const started = performance.now();
    const { limits } = this.deps;
    try {
      this.deps.beforeEach?.();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not read the change log');
    }
    const network = clientNetwork(peer.address);
    const bucket = limits.bucketOf(network);
    let route: RouteName = message.length >= 4 ? (ROUTES[message.readInt32BE(0)] ?? 'unknown') : 'unknown';
    let status = 200;
    const serial = this.deps.site().serialNumber;
    const base: ResponseContext = {
      request: null,
      opCode: message.length >= 4 ? message.readInt32BE(0) : OP.RESERVED,
      // Never above 2.11 nor below 2.1 (an answer to a message too old or too odd to read is still readable).
      version: atLeast({ major: envelope.suggestMajor, minor: envelope.suggestMinor }, 2, 1) ? responseVersion({ major: envelope.suggestMajor, minor: envelope.suggestMinor }) : { major: 2, minor: 1 },
      sessionId: envelope.sessionId,
      requestId: envelope.requestId,
      siteInfoSerial: typeof serial === 'number' ? serial : 0,
      nowSeconds: Math.floor(this.deps.nowMs() / 1000),
      sign: this.deps.sign,
    };
    const reply = async (context: ResponseContext, outcome: Outcome): Promise<void> => {
      let encoded = encodeResponse(context, outcome.body);
      status = outcome.status;
      // Handle clients refuse longer messages (decodeEnvelope): say so rather than send what cannot be read.
      if (encoded.length > MAX_MESSAGE_BYTES) {
        const error = new IdnodeError('ANSWER_TOO_LARGE');
        encoded = encodeResponse(context, { kind: 'error', responseCode: error.entry.responseCode, message: error.message });
        status = error.entry.httpStatus;
      }
      await send({ version: context.version, sessionId: context.sessionId, requestId: context.requestId, message: encoded });
    };
    const fail = (context: ResponseContext, thrown: unknown): Promise<void> => {
      const error = toIdnodeError(thrown);
      this.deps.metrics.error(error.code);
      if (error.isServerError && error.code !== 'OPERATION_NOT_SUPPORTED') this.deps.logger.error({ err: error.cause ?? error, code: error.code, route, protocol: peer.protocol }, 'request failed');
      const message = error.answerMessage;
      return reply(context, { body: { kind: 'error', responseCode: error.entry.responseCode, message }, status: error.entry.httpStatus });
    };
    try {
      const refused = limits.admitRequest(bucket);
      if (refused !== null) {
        await fail(base, new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds: refused }));
        return;
      }
      if (unreadable !== undefined) throw unreadable;
      if (envelope.compressed) throw new IdnodeError('MALFORMED_MESSAGE', 'compressed messages are not supported');
      if (envelope.major !== 2 || !atLeast({ major: envelope.suggestMajor, minor: envelope.suggestMinor }, 2, 1)) throw new IdnodeError('MALFORMED_MESSAGE', `protocol version ${envelope.major}.${envelope.minor} is not supported (2.1 to 2.11 are)`);
      const challenged = this.challenges.has(envelope.sessionId);
      const inSession = envelope.sessionId !== 0 ? this.sessions.get(envelope.sessionId) : undefined;
      if (envelope.encrypted) {
        if (inSession === undefined) throw new IdnodeError('SESSION_EXPIRED', 'an encrypted message needs the session whose key encrypted it');
        message = decryptWithSession(inSession, message);
      }
      const request = decodeRequest(envelope, message);
      const context: ResponseContext = { ...base, request };
      // A session id that names neither an open challenge nor a session: HandleServer answers RC_SESSION_TIMEOUT, and the
      // client sets up a new session.
      const open = request.body.op === 'session-setup' || request.body.op === 'challenge-answer';
      if (envelope.sessionId !== 0 && !open && !challenged && inSession === undefined) throw new IdnodeError('SESSION_EXPIRED');
      if (request.body.op === 'session-setup') {
        if (request.body.mode !== KEY_EXCHANGE_DH || request.body.publicKey === null || !atLeast(base.version, 2, 4)) {
          throw new IdnodeError('SESSION_FAILED', 'only Diffie-Hellman key exchange (protocol 2.4 or later) is offered');
        }
        const { session, data } = this.sessions.setup(request.body.publicKey);
        await reply({ ...context, sessionId: session.id }, { body: { kind: 'session', mode: KEY_EXCHANGE_DH, data }, status: 201 });
        return;
      }
      if (request.body.op === 'session-terminate') {
        this.sessions.end(envelope.sessionId);
        await reply(context, { body: { kind: 'done' }, status: 200 });
        return;
      }
      if (request.body.op === 'challenge-answer') {
        const pending = this.challenges.take(envelope.sessionId);
        if (pending === undefined) throw new IdnodeError('AUTHENTICATION_FAILED', 'no open challenge has this session id (it expired or was answered)');
        // The answer completes the challenged request: answered as that request, with the answer's request id
        // (HandleServer's FixRequestIdAndThen), counted under that request's route.
        route = ROUTES[pending.request.header.opCode] ?? 'unknown';
        const original: ResponseContext = {
          ...context,
          request: pending.request,
          opCode: pending.request.header.opCode,
          version: responseVersion(pending.request.suggested),
          sessionId: pending.request.envelope.sessionId,
        };
        const identity = await this.login(request.body, pending, network).catch(async (error: unknown) => {
          await fail(original, error);
          return null;
        });
        if (identity !== null) await this.run(pending.request, identity, original, peer, reply, fail);
        return;
      }
      if (request.body.op === 'unsupported') throw new IdnodeError('OPERATION_NOT_SUPPORTED', `opCode ${request.header.opCode} is not supported`);
      await this.run(request, null, context, peer, reply, fail);
    } catch (error) {
      await fail(base, error);
    } finally {
      this.deps.metrics.request(route, status, (performance.now() - started) / 1000, peer.protocol);
      // As over HTTP (chargesErrorBudget): not-found and error answers spend the error budget, conflicts and refusals do not.
      if (chargesErrorBudget(status)) limits.chargeError(bucket);
    }
  }

  /**
   * Answers a message whose envelope could not be read (a length out of bounds on TCP, where the stream is then
   * closed) with RC_PROTOCOL_ERROR, echoing what the 20 octets say of request id and versions.
   */
  async refuse(envelopeBytes: Buffer, error: unknown, peer: Peer, send: Send): Promise<void> {
    const raw = Buffer.concat([envelopeBytes, Buffer.alloc(20)]);
    const suggestMajor = (raw[2] ?? 0) & 0x03;
    const envelope: Envelope = {
      major: raw[0] ?? 0,
      minor: raw[1] ?? 0,
      suggestMajor: suggestMajor === 0 ? (raw[0] ?? 0) : suggestMajor,
      suggestMinor: suggestMajor === 0 ? (raw[1] ?? 0) : (raw[3] ?? 0),
      compressed: false,
      encrypted: false,
      truncated: false,
      sessionId: raw.readInt32BE(4),
      requestId: raw.readInt32BE(8),
      messageId: 0,
      messageLength: 0,
    };
    await this.handle(envelope, Buffer.alloc(0), peer, send, error);
  }

  /** Checks an answer under the failed-login limit (charging it when it fails), the identity's request limit and daily quota. */
  private async login(body: AnswerBody, pending: Parameters<typeof verifyWireAnswer>[1], network: string): Promise<Identity> {
    const { limits } = this.deps;
    const claimed = claimedKey(body, this.deps.rule);
    const retry = limits.admitLogin(network, claimed);
    if (retry !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds: retry });
    let identity: Identity;
    try {
      identity = verifyWireAnswer(body, pending, this.deps.lookup, this.deps.rule).identity;
    } catch (error) {
      if (error instanceof IdnodeError && error.code === 'AUTHENTICATION_FAILED') limits.chargeFailedLogin(network, claimed);
      throw error;
    }
    limits.loginSucceeded(network, claimed);
    const refused = limits.admitIdentity(`${identity.index}:${identity.handle.key}`);
    if (refused !== null) throw new IdnodeError('RATE_LIMITED', undefined, { retryAfterSeconds: refused });
    this.deps.chargeIdentity?.(identity);
    return identity;
  }

  /** Runs an operation; AUTHENTICATION_NEEDED without an identity opens a challenge and answers with it. */
  private async run(
    request: WireRequest,
    identity: Identity | null,
    context: ResponseContext,
    peer: Peer,
    reply: (context: ResponseContext, outcome: Outcome) => Promise<void>,
    fail: (context: ResponseContext, error: unknown) => Promise<void>,
  ): Promise<void> {
    try {
      const read = performRead(request, identity, this.operations);
      if (read !== null) await reply(context, read);
      else for await (const outcome of perform(request, identity, this.operations, peer)) await reply(context, outcome);
    } catch (error) {
      if (identity === null && error instanceof IdnodeError && error.code === 'AUTHENTICATION_NEEDED') {
        const challenge = this.challenges.create(request, request.envelope.sessionId !== 0 && this.sessions.get(request.envelope.sessionId) !== undefined ? request.envelope.sessionId : 0);
        await reply({ ...context, sessionId: challenge.sessionId }, { body: { kind: 'challenge', nonce: challenge.nonce }, status: 401 });
        return;
      }
      await fail(context, error);
    }
  }
}
