// Request messages (Encoder.decodeMessage and the decode*Request methods): the 24-octet header and each operation's body.

import { IdnodeError } from '../errors.js';
import { ByteReader, MAX_ARRAY_ITEMS } from '../identifier/binary-fields.js';
import { MIN_VALUE_BYTES, readValue, utf8Text } from '../identifier/value-binary.js';
import { MAX_VALUES_PER_RECORD, type HandleValue } from '../identifier/value.js';
import type { Envelope } from './envelope.js';
import { HEADER_BYTES, MAX_HANDLE_BYTES, OP, RC, type Version } from './protocol.js';

/** At most this many index and type filters in one resolution: the REST API's bound on query parameters. */
export const MAX_FILTERS = 64;
const MAX_TYPE_BYTES = 1024;
const MAX_AUTH_FIELD_BYTES = 8192;

export interface Header {
  readonly opCode: number;
  readonly responseCode: number;
  readonly flags: number;
  readonly siteInfoSerial: number;
  readonly recursionCount: number;
  readonly expiration: number;
  readonly bodyLength: number;
}

export type RequestBody =
  | { readonly op: 'resolution'; readonly handle: string; readonly indexes: readonly number[]; readonly types: readonly string[] }
  | { readonly op: 'site-info' }
  | { readonly op: 'create' | 'add-value' | 'modify-value'; readonly handle: string; readonly values: readonly HandleValue[] }
  | { readonly op: 'delete' | 'list-handles'; readonly handle: string }
  | { readonly op: 'remove-value'; readonly handle: string; readonly indexes: readonly number[] }
  | {
      readonly op: 'challenge-answer';
      readonly authType: string;
      readonly identityHandle: string;
      readonly identityIndex: number;
      readonly signedResponse: Buffer;
    }
  /** SessionSetupRequest: the key exchange mode and, for Diffie-Hellman (and client cipher), the client's public key. */
  | { readonly op: 'session-setup'; readonly mode: number; readonly publicKey: Buffer | null }
  | { readonly op: 'session-terminate' }
  | { readonly op: 'unsupported' };

export interface WireRequest {
  readonly envelope: Envelope;
  /** The version the request was sent in, and the one it suggests for the answer. */
  readonly version: Version;
  readonly suggested: Version;
  readonly header: Header;
  /** The header and body octets as received: what a request digest is taken over (AbstractMessage.messageBody). */
  readonly headerAndBody: Buffer;
  /** The handle octets as sent, echoed in resolution answers. */
  readonly handleBytes: Buffer;
  readonly body: RequestBody;
}

export function hasFlag(request: { readonly header: Header }, flag: number): boolean {
  return (request.header.flags & flag) !== 0;
}

/** Reads the header (Encoder.MessageHeaders): opCode, responseCode, opFlags int4, serial int2, recursion octet, a reserved octet, expiration and body length int4. */
export function readHeader(reader: ByteReader): Header {
  const opCode = reader.int32('opCode');
  const responseCode = reader.int32('responseCode');
  const flags = reader.int32('opFlags');
  const siteInfoSerial = reader.int16('siteInfoSerial');
  const recursionCount = reader.u8('recursionCount');
  reader.u8('reserved');
  const expiration = reader.int32('expiration');
  const bodyLength = reader.int32('bodyLength');
  if (bodyLength < 0 || bodyLength > reader.remaining) throw new IdnodeError('MALFORMED_MESSAGE', `bodyLength ${bodyLength} does not fit the message`);
  return { opCode, responseCode, flags, siteInfoSerial, recursionCount, expiration, bodyLength };
}

/** A handle field: at most 2,048 octets of UTF-8 (RC_INVALID_HANDLE otherwise, as HandleServer answers). */
function handleField(reader: ByteReader, field = 'handle'): { text: string; bytes: Buffer } {
  const bytes = reader.bytesField(field, MAX_HANDLE_BYTES);
  const text = utf8Text(bytes);
  if (text === null) throw new IdnodeError('INVALID_HANDLE', `${field} is not UTF-8`);
  return { text, bytes };
}

function indexList(reader: ByteReader, field: string, max: number): number[] {
  const count = reader.count(`${field} count`, max, 4);
  const indexes: number[] = [];
  for (let i = 0; i < count; i += 1) indexes.push(reader.int32(`${field}[${i}]`));
  return indexes;
}

function valueList(reader: ByteReader): HandleValue[] {
  const count = reader.count('value count', MAX_VALUES_PER_RECORD, MIN_VALUE_BYTES);
  const values: HandleValue[] = [];
  for (let i = 0; i < count; i += 1) values.push(readValue(reader, `values[${i}]`));
  return values;
}

const NO_HANDLE = Buffer.alloc(0);

/**
 * Decodes a request message (header, body, and the signature length after the body, which is read past: requests
 * are authenticated by challenge, not by signature). Throws MALFORMED_MESSAGE for anything that is not a well-formed
 * request, INVALID_HANDLE, INVALID_VALUE or BAD_REQUEST (more filters than MAX_FILTERS) naming the field.
 */
export function decodeRequest(envelope: Envelope, message: Buffer): WireRequest {
  const reader = new ByteReader(message);
  const header = readHeader(reader);
  if (header.responseCode !== RC.RESERVED) throw new IdnodeError('MALFORMED_MESSAGE', 'a response was sent where a request was expected');
  if (header.opCode === OP.RESERVED) throw new IdnodeError('MALFORMED_MESSAGE', 'opCode 0 is reserved');
  const bodyEnd = HEADER_BYTES + header.bodyLength;
  const body = new ByteReader(message, HEADER_BYTES, bodyEnd);
  let handleBytes: Buffer = NO_HANDLE;
  const handle = (): string => {
    const field = handleField(body);
    handleBytes = field.bytes;
    return field.text;
  };
  let decoded: RequestBody;
  switch (header.opCode) {
    case OP.RESOLUTION: {
      const text = handle();
      const tooMany = (): IdnodeError => new IdnodeError('BAD_REQUEST', `at most ${MAX_FILTERS} index and type filters in one resolution`);
      const indexes = indexList(body, 'index', MAX_ARRAY_ITEMS);
      if (indexes.length > MAX_FILTERS) throw tooMany();
      const typeCount = body.count('type count', MAX_ARRAY_ITEMS, 4);
      if (indexes.length + typeCount > MAX_FILTERS) throw tooMany();
      const types: string[] = [];
      for (let i = 0; i < typeCount; i += 1) types.push(body.bytesField(`types[${i}]`, MAX_TYPE_BYTES).toString('utf8'));
      decoded = { op: 'resolution', handle: text, indexes, types };
      break;
    }
    case OP.GET_SITE_INFO:
      // A generic request: it names a handle, which the answer does not depend on.
      if (body.remaining > 0) handle();
      decoded = { op: 'site-info' };
      break;
    case OP.CREATE_HANDLE:
    case OP.ADD_VALUE:
    case OP.MODIFY_VALUE: {
      const op = header.opCode === OP.CREATE_HANDLE ? 'create' : header.opCode === OP.ADD_VALUE ? 'add-value' : 'modify-value';
      const text = handle();
      decoded = { op, handle: text, values: valueList(body) };
      break;
    }
    case OP.DELETE_HANDLE:
    case OP.LIST_HANDLES:
      decoded = { op: header.opCode === OP.DELETE_HANDLE ? 'delete' : 'list-handles', handle: handle() };
      break;
    case OP.REMOVE_VALUE: {
      const text = handle();
      decoded = { op: 'remove-value', handle: text, indexes: indexList(body, 'index', MAX_VALUES_PER_RECORD) };
      break;
    }
    case OP.RESPONSE_TO_CHALLENGE: {
      const authType = body.bytesField('authType', MAX_AUTH_FIELD_BYTES).toString('utf8');
      const identityHandle = body.bytesField('userIdHandle', MAX_HANDLE_BYTES).toString('utf8');
      const identityIndex = body.int32('userIdIndex');
      decoded = { op: 'challenge-answer', authType, identityHandle, identityIndex, signedResponse: body.bytesField('signedResponse', MAX_AUTH_FIELD_BYTES) };
      break;
    }
    case OP.SESSION_SETUP: {
      // Encoder.decodeSessionSetupRequest: mode int2, timeout, identity handle and index, then the mode's key.
      const mode = body.int16('keyExchangeMode');
      body.int32('timeout');
      body.bytesField('identityHandle', MAX_HANDLE_BYTES);
      body.int32('identityIndex');
      const publicKey = mode === 1 || mode === 4 ? body.bytesField('publicKey', MAX_AUTH_FIELD_BYTES) : null;
      decoded = { op: 'session-setup', mode, publicKey };
      break;
    }
    case OP.SESSION_TERMINATE:
      decoded = { op: 'session-terminate' };
      break;
    default:
      decoded = { op: 'unsupported' };
  }
  return {
    envelope,
    version: { major: envelope.major, minor: envelope.minor },
    suggested: { major: envelope.suggestMajor, minor: envelope.suggestMinor },
    header,
    headerAndBody: message.subarray(0, bodyEnd),
    handleBytes,
    body: decoded,
  };
}
