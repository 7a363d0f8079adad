// Handle-protocol sessions (OC_SESSION_SETUP with Diffie-Hellman, HandleServer.doSessionSetup): a key to read encrypted requests.

import { createDecipheriv, createDiffieHellman, randomInt } from 'node:crypto';
import { IdnodeError } from '../errors.js';
import { ByteReader, ByteWriter } from '../identifier/binary-fields.js';

/** Common.KEY_EXCHANGE_DH, and HdlSecurityProvider.ENCRYPT_ALG_AES: the only exchange and cipher offered. */
export const KEY_EXCHANGE_DH = 4;
const ENCRYPT_ALG_AES = 3;
// A Handle client's DH group is 1,024 bits (SessionSetupInfo.initDHKeys); larger ones cost more per setup.
const MIN_PRIME_BYTES = 128;
const MAX_PRIME_BYTES = 512;

export interface WireSession {
  readonly id: number;
  /** AES-128 key: the first 16 of the 32 octets GenericProvider.getKeyFromDH takes from the shared secret. */
  readonly key: Buffer;
  idleUntilMs: number;
}

export interface WireSessionsOptions {
  readonly maxEntries: number;
  readonly idleMs: number;
  readonly nowMs: () => number;
}

function failed(message: string): IdnodeError {
  return new IdnodeError('SESSION_FAILED', message);
}

/** An unsigned magnitude as Java's BigInteger.toByteArray() writes it (a leading zero octet when the top bit is set). */
function javaInteger(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start += 1;
  const bytes = unsigned.subarray(start);
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function unsigned(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}

/** A `DH_PUB_KEY` (Util.getBytesFromPublicKey): type, reserved int2, then y, p and g. */
function readDhKey(bytes: Buffer): { y: Buffer; p: Buffer; g: Buffer } {
  try {
    const reader = new ByteReader(bytes);
    if (reader.bytesField('key type', 64).toString('latin1') !== 'DH_PUB_KEY') throw failed('the exchange key is not a DH_PUB_KEY');
    reader.int16('key flags');
    const y = unsigned(reader.bytesField('y', MAX_PRIME_BYTES + 1));
    const p = unsigned(reader.bytesField('p', MAX_PRIME_BYTES + 1));
    const g = unsigned(reader.bytesField('g', MAX_PRIME_BYTES + 1));
    return { y, p, g };
  } catch (error) {
    if (error instanceof IdnodeError && error.code === 'SESSION_FAILED') throw error;
    throw failed('the exchange key is malformed');
  }
}

/**
 * Sessions set up by Diffie-Hellman over the client's group, as Handle.net's own server does for a client's default
 * session options. A session only lets the node read requests the client encrypts with its key (a client encrypts
 * writes of non-public values from protocol 2.8): it authenticates nothing — every request that needs credentials is
 * still challenged — so neither its requests' MACs nor session-key signatures are used. Bounded in count and idle time.
 */
export class WireSessions {
  private readonly sessions = new Map<number, WireSession>();

  constructor(private readonly options: WireSessionsOptions) {
    if (!(options.maxEntries > 0)) throw new RangeError('sessions must be bounded');
  }

  /**
   * Sets up a session from the client's DH public key; returns it with the answer's data (GenericProvider, protocol
   * 2.4+): the cipher code, then this node's DH public key. Throws SESSION_FAILED for other key kinds or groups.
   */
  setup(clientKey: Buffer): { session: WireSession; data: Buffer } {
    const { y, p, g } = readDhKey(clientKey);
    if (p.length < MIN_PRIME_BYTES || p.length > MAX_PRIME_BYTES) throw failed(`the DH group must be of 1,024 to 4,096 bits (got ${p.length * 8})`);
    let secret: Buffer;
    let ours: Buffer;
    try {
      const dh = createDiffieHellman(p, g);
      ours = dh.generateKeys();
      secret = dh.computeSecret(y);
    } catch {
      throw failed('the DH key exchange failed');
    }
    // GenericProvider.stripLeadingZerosAndTruncate(secret, 32), of which AES takes the first 16 octets.
    let start = 0;
    while (start + 32 < secret.length && secret[start] === 0) start += 1;
    const key = Buffer.from(secret.subarray(start, start + 16));
    const now = this.options.nowMs();
    for (const [id, session] of this.sessions) {
      if (this.sessions.size < this.options.maxEntries && session.idleUntilMs > now) break;
      this.sessions.delete(id);
    }
    let id = randomInt(1, 2 ** 31 - 1);
    while (this.sessions.has(id)) id = randomInt(1, 2 ** 31 - 1);
    const session: WireSession = { id, key, idleUntilMs: now + this.options.idleMs };
    this.sessions.set(id, session);
    const publicKey = new ByteWriter(64 + 3 * p.length).text('DH_PUB_KEY').int16(0).bytesField(javaInteger(ours)).bytesField(javaInteger(p)).bytesField(javaInteger(g)).done();
    return { session, data: new ByteWriter(8 + publicKey.length).int32(ENCRYPT_ALG_AES).raw(publicKey).done() };
  }

  /** The session of `id` while it is in use (each use keeps it for another idle period); undefined when unknown or idle too long. */
  get(id: number): WireSession | undefined {
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    const now = this.options.nowMs();
    if (session.idleUntilMs <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    // Kept in order of last use, so the table's oldest entries are the first to go.
    this.sessions.delete(id);
    session.idleUntilMs = now + this.options.idleMs;
    this.sessions.set(id, session);
    return session;
  }

  end(id: number): boolean {
    return this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** Decrypts a request encrypted with a session's key (SessionInfo.encryptBuffer: a 16-octet IV, then AES-128-CBC). Throws SESSION_FAILED. */
export function decryptWithSession(session: WireSession, ciphertext: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-128-cbc', session.key, ciphertext.subarray(0, 16));
    return Buffer.concat([decipher.update(ciphertext.subarray(16)), decipher.final()]);
  } catch {
    throw failed('the request could not be decrypted with the session key');
  }
}
