// The 20-octet message envelope (Encoder.encodeEnvelope, decodeEnvelope): versions, flags, session, request and packet ids, length.

import { IdnodeError } from '../errors.js';
import { ENVELOPE_BYTES, ENVELOPE_FLAG, MAX_MESSAGE_BYTES } from './protocol.js';

export interface Envelope {
  readonly major: number;
  readonly minor: number;
  readonly suggestMajor: number;
  readonly suggestMinor: number;
  readonly compressed: boolean;
  readonly encrypted: boolean;
  /** Set on every packet of a request sent as several UDP packets. */
  readonly truncated: boolean;
  readonly sessionId: number;
  readonly requestId: number;
  /** The packet number within a multi-packet UDP message (0 otherwise). */
  readonly messageId: number;
  /** Length of the whole message (all packets together), envelope excluded. */
  readonly messageLength: number;
}

/**
 * Reads an envelope at `offset`. As decodeEnvelope does, a suggested major version of 0 means "the version sent".
 * Throws MALFORMED_MESSAGE when fewer than 20 octets are there or the length is negative or above `maxLength`.
 */
export function readEnvelope(bytes: Buffer, offset = 0, maxLength = MAX_MESSAGE_BYTES): Envelope {
  if (bytes.length - offset < ENVELOPE_BYTES) throw new IdnodeError('MALFORMED_MESSAGE', 'the envelope is shorter than 20 octets');
  const major = bytes[offset] ?? 0;
  const minor = bytes[offset + 1] ?? 0;
  const flags = bytes[offset + 2] ?? 0;
  let suggestMajor = flags & 0x03;
  let suggestMinor = bytes[offset + 3] ?? 0;
  if (suggestMajor === 0) {
    suggestMajor = major;
    suggestMinor = minor;
  }
  const messageLength = bytes.readInt32BE(offset + 16);
  if (messageLength < 0 || messageLength > maxLength) {
    throw new IdnodeError('MALFORMED_MESSAGE', `the message length must be from 0 to ${maxLength} (got ${messageLength})`);
  }
  return {
    major,
    minor,
    suggestMajor,
    suggestMinor,
    compressed: (flags & ENVELOPE_FLAG.COMPRESSED) !== 0,
    encrypted: (flags & ENVELOPE_FLAG.ENCRYPTED) !== 0,
    truncated: (flags & ENVELOPE_FLAG.TRUNCATED) !== 0,
    sessionId: bytes.readInt32BE(offset + 4),
    requestId: bytes.readInt32BE(offset + 8),
    messageId: bytes.readInt32BE(offset + 12),
    messageLength,
  };
}

/** Writes an envelope into `target` at `offset` (20 octets). */
export function writeEnvelope(envelope: Envelope, target: Buffer, offset = 0): void {
  target[offset] = envelope.major;
  target[offset + 1] = envelope.minor;
  target[offset + 2] =
    (envelope.compressed ? ENVELOPE_FLAG.COMPRESSED : 0) |
    (envelope.encrypted ? ENVELOPE_FLAG.ENCRYPTED : 0) |
    (envelope.truncated ? ENVELOPE_FLAG.TRUNCATED : 0) |
    (envelope.suggestMajor & 0x03);
  target[offset + 3] = envelope.suggestMinor;
  target.writeInt32BE(envelope.sessionId | 0, offset + 4);
  target.writeInt32BE(envelope.requestId | 0, offset + 8);
  target.writeInt32BE(envelope.messageId | 0, offset + 12);
  target.writeInt32BE(envelope.messageLength | 0, offset + 16);
}
