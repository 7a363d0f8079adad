// Response messages (Encoder.encodeMessage for responses, Encoder.writeHeader): header flags, request digest, bodies, signature.

import { ByteWriter } from '../identifier/binary-fields.js';
import { EXPIRATION_SECONDS, FLAG, HEADER_BYTES, RC, atLeast, type Version } from './protocol.js';
import type { WireRequest } from './requests.js';
import { requestDigest, signatureSection, type Signer } from './signature.js';

/** Encoded values ready to go: how many, and their bytes one after another (Encoder.encodeHandleValue each). */
export interface EncodedValues {
  readonly count: number;
  readonly bytes: Buffer;
}

export type ResponseBody =
  /** `authoritative` false: the values are not this node's own (an escrow copy); the header then lacks that flag. */
  | { readonly kind: 'resolution'; readonly handle: Buffer; readonly values: EncodedValues; readonly authoritative?: boolean }
  /** ServiceReferralResponse: RC_PREFIX_REFERRAL (303) with an empty handle, or RC_SERVICE_REFERRAL (302) with the handle holding the values. */
  | { readonly kind: 'referral'; readonly responseCode: number; readonly handle: Buffer; readonly values: EncodedValues }
  | { readonly kind: 'error'; readonly responseCode: number; readonly message: string }
  | { readonly kind: 'challenge'; readonly nonce: Buffer }
  | { readonly kind: 'site'; readonly site: Buffer }
  | { readonly kind: 'created'; readonly handle: string }
  /** GenericResponse: success without a body (delete, add, modify, remove). */
  | { readonly kind: 'done' }
  | { readonly kind: 'list'; readonly handles: readonly string[]; readonly continuous: boolean }
  /** SessionSetupResponse: the key exchange mode and its data. */
  | { readonly kind: 'session'; readonly mode: number; readonly data: Buffer };

export interface ResponseContext {
  /** The request answered; null when the message could not be read as one. */
  readonly request: WireRequest | null;
  readonly opCode: number;
  /** The answer's version (responseVersion of what the request suggests). */
  readonly version: Version;
  readonly sessionId: number;
  readonly requestId: number;
  /** HS_SITE serial number of this node, sent in every answer to a request (HandleServer.sendResponse). */
  readonly siteInfoSerial: number;
  readonly nowSeconds: number;
  /** The node key's signer, used when the request asked for a certified answer. */
  readonly sign: Signer | null;
}

const MAX_ERROR_MESSAGE_BYTES = 1024;

function responseCodeOf(body: ResponseBody): number {
  switch (body.kind) {
    case 'error':
    case 'referral':
      return body.responseCode;
    case 'challenge':
      return RC.AUTHENTICATION_NEEDED;
    default:
      return RC.SUCCESS;
  }
}

/**
 * The header flags of an answer (AbstractResponse's constructor, takeValuesFrom and HandleServer.sendResponse):
 * certify, cacheCertify, encrypt, publicOnly and doNotRefer as the request had them; recursive as a new message has
 * it; authoritative, as this node is primary for what it holds; the request digest flag when one is returned.
 */
function headerFlags(context: ResponseContext, body: ResponseBody, withDigest: boolean): number {
  const copied = FLAG.CERTIFY | FLAG.CACHE_CERTIFY | FLAG.ENCRYPT | FLAG.PUBLIC_ONLY | FLAG.DO_NOT_REFER;
  let flags = context.request === null ? FLAG.RECURSIVE | FLAG.CACHE_CERTIFY | FLAG.PUBLIC_ONLY : (context.request.header.flags & copied) | FLAG.RECURSIVE | FLAG.AUTHORITATIVE;
  if (body.kind === 'resolution' && body.authoritative === false) flags &= ~FLAG.AUTHORITATIVE;
  if (withDigest) flags |= FLAG.RETURN_REQUEST_DIGEST;
  if (body.kind === 'list' && body.continuous) flags |= FLAG.CONTINUOUS;
  return flags;
}

/** Encoder.writeHeader's answers for old versions: before 2.5, RC_INVALID_VALUE was RC_VALUE_ALREADY_EXISTS. */
function writtenResponseCode(responseCode: number, version: Version): number {
  if (responseCode === RC.INVALID_VALUE && !atLeast(version, 2, 5)) return RC.VALUE_ALREADY_EXISTS;
  return responseCode;
}

function writeBody(writer: ByteWriter, body: ResponseBody): void {
  switch (body.kind) {
    case 'resolution':
    case 'referral':
      writer.bytesField(body.handle).int32(body.values.count).raw(body.values.bytes);
      return;
    case 'error': {
      let message = Buffer.from(body.message, 'utf8');
      if (message.length > MAX_ERROR_MESSAGE_BYTES) message = message.subarray(0, MAX_ERROR_MESSAGE_BYTES);
      writer.bytesField(message);
      return;
    }
    case 'challenge':
      writer.bytesField(body.nonce);
      return;
    case 'site':
      writer.raw(body.site);
      return;
    case 'created':
      writer.text(body.handle);
      return;
    case 'done':
      return;
    case 'list':
      writer.int32(body.handles.length);
      for (const handle of body.handles) writer.text(handle);
      return;
    case 'session':
      writer.int16(body.mode).bytesField(body.data);
  }
}

/**
 * Encodes an answer: header, request digest (when the request asked for one, or always for a challenge, whose digest
 * the client signs), body, then the signature length and, for a certified answer, the signature section.
 */
export function encodeResponse(context: ResponseContext, body: ResponseBody): Buffer {
  const { request, version } = context;
  const asked = request !== null && (request.header.flags & FLAG.RETURN_REQUEST_DIGEST) !== 0;
  const withDigest = request !== null && (asked || body.kind === 'challenge') && atLeast(version, 2, 1);
  const writer = new ByteWriter(256 + (body.kind === 'resolution' || body.kind === 'referral' ? body.values.bytes.length : 0));
  writer.int32(context.opCode).int32(writtenResponseCode(responseCodeOf(body), version)).int32(headerFlags(context, body, withDigest));
  writer.int16(request === null ? -1 : context.siteInfoSerial).u8(request?.header.recursionCount ?? 0).u8(0);
  writer.int32(context.nowSeconds + EXPIRATION_SECONDS);
  const lengthAt = writer.offset;
  writer.int32(0);
  if (withDigest && request !== null) {
    const { code, digest } = requestDigest(version, request.headerAndBody);
    writer.u8(code).raw(digest);
  }
  writeBody(writer, body);
  writer.patchInt32(lengthAt, writer.offset - HEADER_BYTES);
  const certify = request !== null && context.sign !== null && (request.header.flags & FLAG.CERTIFY) !== 0;
  if (!certify || context.sign === null) return writer.int32(0).done();
  const headerAndBody = writer.done();
  const signature = signatureSection({ version, sessionId: context.sessionId, requestId: context.requestId }, headerAndBody, context.sign);
  const length = Buffer.alloc(4);
  length.writeInt32BE(signature.length);
  return Buffer.concat([headerAndBody, length, signature]);
}
