// Handle-protocol messages of the benchmark: the resolution request a client sends, and the exact answer idnode gives to it.

import { ByteWriter } from '../src/identifier/binary-fields.js';
import { writeValue } from '../src/identifier/value-binary.js';
import type { HandleValue } from '../src/identifier/value.js';

export const ENVELOPE_BYTES = 20;
/** A Handle client's defaults (recursive, cacheCertify, publicOnly) and keepAlive, so TCP connections are reused. */
export const REQUEST_FLAGS = 0x19000000 | 0x02000000;
/** What idnode answers them with: the copied flags, recursive and authoritative (keepAlive is not echoed). */
const ANSWER_FLAGS = 0x99000000;
const EXPIRATION_SECONDS = 43_200;
export const RC_SUCCESS = 1;

/** Envelope (version 2.11, suggesting 2.11) and a resolution request for `handle`, all filters off. */
export function resolutionRequest(handle: string, requestId: number): Buffer {
  const handleBytes = Buffer.from(handle, 'utf8');
  const bodyLength = 4 + handleBytes.length + 8;
  const message = Buffer.alloc(ENVELOPE_BYTES + 24 + bodyLength + 4);
  message.set([2, 11, 2, 11]);
  message.writeInt32BE(requestId, 8);
  message.writeInt32BE(message.length - ENVELOPE_BYTES, 16);
  const at = ENVELOPE_BYTES;
  message.writeInt32BE(1, at);
  message.writeUInt32BE(REQUEST_FLAGS >>> 0, at + 8);
  message.writeInt16BE(-1, at + 12);
  message.writeInt32BE(Math.floor(Date.now() / 1000) + EXPIRATION_SECONDS, at + 16);
  message.writeInt32BE(bodyLength, at + 20);
  message.writeInt32BE(handleBytes.length, at + 24);
  handleBytes.copy(message, at + 28);
  return message;
}

/** Sets the request id of a request made by resolutionRequest (its envelope's). */
export function setRequestId(request: Buffer, requestId: number): void {
  request.writeInt32BE(requestId, 8);
}

/** The values of a resolution answer, encoded once: their count and bytes. */
export function encodedValues(values: readonly HandleValue[]): Buffer {
  const writer = new ByteWriter(64 * values.length + 4);
  writer.int32(values.length);
  for (const value of values) writeValue(writer, value);
  return Buffer.from(writer.done());
}

/**
 * idnode's answer to resolutionRequest(handle) at version 2.11: header (RC_SUCCESS, the answer flags, site serial 1,
 * expiration now + 12 h), the handle as asked, the values, no signature. `values` null: RC_HANDLE_NOT_FOUND.
 */
export function resolutionAnswer(handleBytes: Buffer, values: Buffer | null, requestId: number, nowSeconds: number): Buffer {
  const bodyLength = values === null ? 4 : 4 + handleBytes.length + values.length;
  const answer = Buffer.allocUnsafe(ENVELOPE_BYTES + 24 + bodyLength + 4);
  answer.set([2, 11, 2, 11]);
  answer.writeInt32BE(0, 4);
  answer.writeInt32BE(requestId, 8);
  answer.writeInt32BE(0, 12);
  answer.writeInt32BE(answer.length - ENVELOPE_BYTES, 16);
  let at = ENVELOPE_BYTES;
  answer.writeInt32BE(1, at);
  answer.writeInt32BE(values === null ? 100 : RC_SUCCESS, at + 4);
  answer.writeUInt32BE(ANSWER_FLAGS, at + 8);
  answer.writeInt16BE(1, at + 12);
  answer.writeUInt16BE(0, at + 14);
  answer.writeInt32BE(nowSeconds + EXPIRATION_SECONDS, at + 16);
  answer.writeInt32BE(bodyLength, at + 20);
  at += 24;
  if (values === null) {
    answer.writeInt32BE(0, at);
    at += 4;
  } else {
    answer.writeInt32BE(handleBytes.length, at);
    handleBytes.copy(answer, at + 4);
    at += 4 + handleBytes.length;
    values.copy(answer, at);
    at += values.length;
  }
  answer.writeInt32BE(0, at);
  return answer;
}

/** An answer (envelope and message) with what varies per request blanked: request id, expiration. */
export function comparable(answer: Buffer): Buffer {
  const copy = Buffer.from(answer);
  copy.writeInt32BE(0, 8);
  if (copy.length >= ENVELOPE_BYTES + 20) copy.writeInt32BE(0, ENVELOPE_BYTES + 16);
  return copy;
}
