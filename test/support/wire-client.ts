// A small Handle-protocol client written from the protocol (hdllib Encoder.java, HandleResolver's TCP and UDP senders), for tests.
// It shares no code with src/wire/: requests are laid out and answers read here, field by field.

import { createHash, createHmac, pbkdf2Sync, randomInt, sign, type KeyObject } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

export const OC = { RESOLUTION: 1, GET_SITE_INFO: 2, CREATE: 100, DELETE: 101, ADD: 102, REMOVE: 103, MODIFY: 104, LIST: 105, ANSWER: 200 } as const;
export const F = {
  AUTH: 0x80000000,
  CERT: 0x40000000,
  ENCR: 0x20000000,
  RECU: 0x10000000,
  CACR: 0x08000000,
  CONT: 0x04000000,
  KPAL: 0x02000000,
  PUBL: 0x01000000,
  RRDG: 0x00800000,
  OVRW: 0x00400000,
  MINT: 0x00200000,
  DNRF: 0x00100000,
} as const;
/** What a Handle client sets by default (AbstractMessage): recursive, cacheCertify, ignoreRestrictedValues. */
export const DEFAULT_FLAGS = F.RECU | F.CACR | F.PUBL;
const UDP_DATA = 492;

export type Transport = 'tcp' | 'udp';

// --- Laying out fields.

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
export function bytes(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([int32(b.length), b]);
}

export interface ClientValue {
  readonly index: number;
  readonly type: string;
  readonly data: Buffer | string;
  readonly ttl?: number;
  readonly ttlType?: number;
  /** adminRead 8, adminWrite 4, publicRead 2, publicWrite 1; default 0x0e. */
  readonly permissions?: number;
  readonly timestamp?: number;
  readonly references?: readonly { handle: string; index: number }[];
}

export function value(v: ClientValue): Buffer {
  const head = Buffer.alloc(14);
  head.writeInt32BE(v.index, 0);
  head.writeInt32BE(v.timestamp ?? 0, 4);
  head[8] = v.ttlType ?? 0;
  head.writeInt32BE(v.ttl ?? 86_400, 9);
  head[13] = v.permissions ?? 0x0e;
  const refs = v.references ?? [];
  return Buffer.concat([head, bytes(v.type), bytes(v.data), int32(refs.length), ...refs.map((r) => Buffer.concat([bytes(r.handle), int32(r.index)]))]);
}

export const body = {
  resolution: (handle: string, indexes: number[] = [], types: string[] = []) =>
    Buffer.concat([bytes(handle), int32(indexes.length), ...indexes.map(int32), int32(types.length), ...types.map((type) => bytes(type))]),
  handle: (handle: string) => bytes(handle),
  values: (handle: string, values: ClientValue[]) => Buffer.concat([bytes(handle), int32(values.length), ...values.map(value)]),
  remove: (handle: string, indexes: number[]) => Buffer.concat([bytes(handle), int32(indexes.length), ...indexes.map(int32)]),
  answer: (authType: string, handle: string, index: number, signed: Buffer) => Buffer.concat([bytes(authType), bytes(handle), int32(index), bytes(signed)]),
};

export interface Message {
  readonly opCode: number;
  readonly flags?: number;
  readonly body: Buffer;
  readonly sessionId?: number;
  readonly requestId?: number;
  readonly version?: readonly [number, number];
}

/** Header (opCode, responseCode 0, flags, serial -1, recursion 0, reserved, expiration, body length), body, no signature. */
export function requestMessage(m: Message, expiration = 0x69694740): Buffer {
  const header = Buffer.alloc(24);
  header.writeInt32BE(m.opCode, 0);
  header.writeUInt32BE((m.flags ?? DEFAULT_FLAGS) >>> 0, 8);
  header.writeInt16BE(-1, 12);
  header.writeInt32BE(expiration, 16);
  header.writeInt32BE(m.body.length, 20);
  return Buffer.concat([header, m.body, int32(0)]);
}

export function envelope(version: readonly [number, number], sessionId: number, requestId: number, messageId: number, length: number, truncated = false): Buffer {
  const e = Buffer.alloc(20);
  e[0] = version[0];
  e[1] = version[1];
  e[2] = (truncated ? 0x20 : 0) | (version[0] & 0x03);
  e[3] = version[1];
  e.writeInt32BE(sessionId, 4);
  e.writeInt32BE(requestId, 8);
  e.writeInt32BE(messageId, 12);
  e.writeInt32BE(length, 16);
  return e;
}

// --- Reading answers.

export interface Answer {
  readonly version: readonly [number, number];
  readonly sessionId: number;
  readonly requestId: number;
  readonly opCode: number;
  readonly responseCode: number;
  readonly flags: number;
  readonly siteInfoSerial: number;
  readonly expiration: number;
  readonly digest: { readonly code: number; readonly bytes: Buffer } | null;
  /** The body after the request digest. */
  readonly body: Buffer;
  /** Header and body as received (what a signature covers), and the signature section (empty when unsigned). */
  readonly headerAndBody: Buffer;
  readonly signature: Buffer;
}

export function readAnswer(envelopeBytes: Buffer, message: Buffer): Answer {
  const flags = message.readUInt32BE(8);
  const bodyLength = message.readInt32BE(20);
  let at = 24;
  let digest: Answer['digest'] = null;
  if (flags & F.RRDG) {
    const code = message[at] ?? 0;
    const size = code === 3 ? 32 : code === 2 ? 20 : 16;
    digest = { code, bytes: message.subarray(at + 1, at + 1 + size) };
    at += 1 + size;
  }
  const end = 24 + bodyLength;
  const signatureLength = message.length >= end + 4 ? message.readInt32BE(end) : 0;
  return {
    version: [envelopeBytes[0] ?? 0, envelopeBytes[1] ?? 0],
    sessionId: envelopeBytes.readInt32BE(4),
    requestId: envelopeBytes.readInt32BE(8),
    opCode: message.readInt32BE(0),
    responseCode: message.readInt32BE(4),
    flags,
    siteInfoSerial: message.readInt16BE(12),
    expiration: message.readInt32BE(16),
    digest,
    body: message.subarray(at, end),
    headerAndBody: message.subarray(0, end),
    signature: message.subarray(end + 4, end + 4 + signatureLength),
  };
}

/** A reader over an answer body. */
export class Fields {
  at = 0;
  constructor(readonly b: Buffer) {}
  int(): number {
    const n = this.b.readInt32BE(this.at);
    this.at += 4;
    return n;
  }
  bytes(): Buffer {
    const n = this.int();
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}

export interface RawValue {
  readonly index: number;
  readonly timestamp: number;
  readonly ttlType: number;
  readonly ttl: number;
  readonly permissions: number;
  readonly type: string;
  readonly data: Buffer;
  readonly references: { handle: string; index: number }[];
}

/** Handle and values of a resolution (or referral) answer. */
export function resolution(answer: Answer): { handle: string; values: RawValue[] } {
  const f = new Fields(answer.body);
  const handle = f.text();
  const count = f.int();
  const values: RawValue[] = [];
  for (let i = 0; i < count; i += 1) {
    const index = f.int();
    const timestamp = f.int();
    const ttlType = answer.body[f.at] ?? 0;
    f.at += 1;
    const ttl = f.int();
    const permissions = answer.body[f.at] ?? 0;
    f.at += 1;
    const type = f.text();
    const data = f.bytes();
    const references = Array.from({ length: f.int() }, () => ({ handle: f.text(), index: f.int() }));
    values.push({ index, timestamp, ttlType, ttl, permissions, type, data, references });
  }
  return { handle, values };
}

export function errorMessage(answer: Answer): string {
  return new Fields(answer.body).text();
}

export function listed(answer: Answer): string[] {
  const f = new Fields(answer.body);
  return Array.from({ length: f.int() }, () => f.text());
}

// --- Sending.

export interface Exchange {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs?: number;
}

function tcpExchange(target: Exchange, frames: Buffer, socket?: Socket): Promise<{ answers: Answer[]; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const s = socket ?? connect({ host: target.host, port: target.port });
    let buffered = Buffer.alloc(0);
    const answers: Answer[] = [];
    const timer = setTimeout(() => finish(new Error('no complete answer over TCP in time')), target.timeoutMs ?? 10_000);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 20) {
        const length = buffered.readInt32BE(16);
        if (buffered.length < 20 + length) return;
        const answer = readAnswer(buffered.subarray(0, 20), Buffer.from(buffered.subarray(20, 20 + length)));
        buffered = buffered.subarray(20 + length);
        answers.push(answer);
        if (!(answer.flags & F.CONT)) return finish(null);
      }
    };
    const onClose = (): void => finish(new Error(`connection closed after ${answers.length} answers`));
    const finish = (error: Error | null): void => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
      s.off('error', onError);
      if (error === null) resolve({ answers, socket: s });
      else reject(error);
    };
    const onError = (error: Error): void => finish(error);
    s.on('data', onData);
    s.on('close', onClose);
    s.on('error', onError);
    s.write(frames);
  });
}

function udpExchange(target: Exchange, packets: Buffer[], requestId: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const parts = new Map<number, Buffer>();
    let first: Buffer | null = null;
    const timer = setTimeout(() => done(new Error('no complete answer over UDP in time')), target.timeoutMs ?? 5000);
    const done = (error: Error | null, answer?: Answer): void => {
      clearTimeout(timer);
      socket.close();
      if (error === null && answer !== undefined) resolve(answer);
      else reject(error);
    };
    socket.on('message', (packet: Buffer) => {
      if (packet.length < 20 || packet.readInt32BE(8) !== requestId) return;
      first ??= Buffer.from(packet.subarray(0, 20));
      parts.set(packet.readInt32BE(12), Buffer.from(packet.subarray(20)));
      const length = packet.readInt32BE(16);
      if (parts.size === Math.max(1, Math.ceil(length / UDP_DATA))) {
        const message = Buffer.concat([...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, part]) => part));
        done(null, readAnswer(first, message));
      }
    });
    socket.on('error', (error) => done(error));
    socket.bind(0, '127.0.0.1', () => {
      for (const packet of packets) socket.send(packet, target.port, target.host);
    });
  });
}

/** Splits a message into UDP packets as HandleResolver.getUdpPacketsForRequest does (492 octets each, `truncated` when several). */
export function udpPackets(m: Message, message: Buffer, requestId: number): Buffer[] {
  const count = Math.max(1, Math.ceil(message.length / UDP_DATA));
  return Array.from({ length: count }, (_, i) =>
    Buffer.concat([envelope(m.version ?? [2, 11], m.sessionId ?? 0, requestId, i, message.length, count > 1), message.subarray(i * UDP_DATA, (i + 1) * UDP_DATA)]),
  );
}

/** Sends one request and returns every answer to it (several for a continuous listing over TCP). */
export async function send(target: Exchange, transport: Transport, m: Message): Promise<Answer[]> {
  const requestId = m.requestId ?? randomInt(1, 2 ** 31 - 1);
  const message = requestMessage(m);
  if (transport === 'udp') return [await udpExchange(target, udpPackets(m, message, requestId), requestId)];
  const { answers, socket } = await tcpExchange(target, Buffer.concat([envelope(m.version ?? [2, 11], m.sessionId ?? 0, requestId, 0, message.length), message]));
  socket.destroy();
  return answers;
}

/** Sends requests one after another on one kept-alive TCP connection. */
export async function sendKeptAlive(target: Exchange, messages: Message[]): Promise<Answer[][]> {
  let socket: Socket | undefined;
  const all: Answer[][] = [];
  for (const m of messages) {
    const requestId = m.requestId ?? randomInt(1, 2 ** 31 - 1);
    const message = requestMessage({ ...m, flags: (m.flags ?? DEFAULT_FLAGS) | F.KPAL });
    const result = await tcpExchange(target, Buffer.concat([envelope(m.version ?? [2, 11], m.sessionId ?? 0, requestId, 0, message.length), message]), socket);
    socket = result.socket;
    all.push(result.answers);
  }
  socket?.destroy();
  return all;
}

// --- Answering challenges (SecretKeyAuthenticationInfo, PublicKeyAuthenticationInfo).

export type Credentials =
  | { readonly kind: 'secret'; readonly handle: string; readonly index: number; readonly secret: string; readonly salt: Buffer; readonly iterations: number; readonly form?: 'pbkdf2' | 'sha1' }
  | { readonly kind: 'key'; readonly handle: string; readonly index: number; readonly privateKey: KeyObject; readonly hash?: 'SHA-256' | 'SHA1' };

/** The signed response to a challenge: over nonce ‖ request digest. */
export function signedResponse(credentials: Credentials, nonce: Buffer, digest: Buffer): Buffer {
  const data = Buffer.concat([nonce, digest]);
  if (credentials.kind === 'key') {
    const hash = credentials.hash ?? 'SHA-256';
    const key = credentials.privateKey.asymmetricKeyType === 'dsa' ? { key: credentials.privateKey, dsaEncoding: 'der' as const } : credentials.privateKey;
    return Buffer.concat([bytes(hash), bytes(sign(hash === 'SHA1' ? 'sha1' : 'sha256', data, key))]);
  }
  // The node holds only K = PBKDF2-HMAC-SHA1(secret, its salt, its iterations): answers are made with K.
  const k = pbkdf2Sync(credentials.secret, credentials.salt, credentials.iterations, 20, 'sha1');
  if (credentials.form === 'sha1') return Buffer.concat([Buffer.from([0x02]), createHash('sha1').update(k).update(data).update(k).digest()]);
  const mac = createHmac('sha1', k).update(data).digest();
  return Buffer.concat([Buffer.from([0x22]), bytes(credentials.salt), int32(credentials.iterations), int32(160), bytes(mac)]);
}

/**
 * Sends a request; when it is challenged (RC_AUTHENTICATION_NEEDED), answers with `credentials` under the challenge's
 * session id, as HandleResolver does. Returns the challenge (or null) and the final answers.
 */
export async function sendAuthenticated(target: Exchange, transport: Transport, m: Message, credentials: Credentials): Promise<{ challenge: Answer | null; answers: Answer[] }> {
  const first = await send(target, transport, m);
  const challenge = first[0];
  if (challenge === undefined || challenge.responseCode !== 402) return { challenge: null, answers: first };
  const nonce = new Fields(challenge.body).bytes();
  const signed = signedResponse(credentials, nonce, challenge.digest?.bytes ?? Buffer.alloc(0));
  const authType = credentials.kind === 'key' ? 'HS_PUBKEY' : 'HS_SECKEY';
  const answers = await send(target, transport, { opCode: OC.ANSWER, flags: m.flags, body: body.answer(authType, credentials.handle, credentials.index, signed), sessionId: challenge.sessionId, version: m.version });
  return { challenge, answers };
}
