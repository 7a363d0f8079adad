// Request digests and certified (signed) responses: AbstractResponse.takeDigestOfRequest and AbstractMessage.signMessage(Signature).

import { createHash } from 'node:crypto';
import { ByteWriter } from '../identifier/binary-fields.js';
import { atLeast, HASH_CODE, VERSION, type Version } from './protocol.js';

export interface RequestDigest {
  /** Common.HASH_CODE_SHA256 from protocol 2.7 on, HASH_CODE_SHA1 before. */
  readonly code: number;
  readonly digest: Buffer;
}

/** The digest of a request's header and body octets, in the hash the answer's version calls for. */
export function requestDigest(version: Version, headerAndBody: Buffer): RequestDigest {
  const sha256 = atLeast(version, 2, 7);
  return { code: sha256 ? HASH_CODE.SHA256 : HASH_CODE.SHA1, digest: createHash(sha256 ? 'sha256' : 'sha1').update(headerAndBody).digest() };
}

/** Signs `data` with the node's RSA key: PKCS#1 v1.5 over the named digest. */
export type Signer = (data: Buffer, digest: 'sha256' | 'sha1') => Buffer;

export interface SignedFields {
  readonly version: Version;
  readonly sessionId: number;
  readonly requestId: number;
}

/**
 * What a certified message's signature covers (AbstractMessage.signMessage): from 2.6 the versions (and from 2.8 the
 * suggested ones) and from 2.7 session id, request id and session counter (always 0 here: no sessions) precede the
 * header and body. 2.6 wrote those three integers over one another; that is reproduced, as 2.6 clients verify it.
 */
function signedPrefix(fields: SignedFields): Buffer {
  const { version } = fields;
  if (!atLeast(version, 2, 6)) return Buffer.alloc(0);
  const suggest = atLeast(version, 2, 8);
  const prefix = Buffer.alloc((suggest ? 4 : 2) + 12);
  prefix[0] = version.major;
  prefix[1] = version.minor;
  let at = 2;
  if (suggest) {
    prefix[2] = VERSION.major;
    prefix[3] = VERSION.minor;
    at = 4;
  }
  if (atLeast(version, 2, 7)) {
    prefix.writeInt32BE(fields.sessionId | 0, at);
    prefix.writeInt32BE(fields.requestId | 0, at + 4);
    prefix.writeInt32BE(0, at + 8);
  } else {
    // 2.6: `offset = writeInt(…)` set offset to 4 each time, so the request id and the counter land on octet 4.
    prefix.writeInt32BE(fields.sessionId | 0, 2);
    prefix.writeInt32BE(0, 4);
  }
  return prefix;
}

/**
 * The signature section of a certified message (an `HS_SIGNED` credential): version, reserved, flags, an empty signer
 * reference, the session counter, the credential type, then the hash name (`SHA-256` from 2.7 on, for an RSA key, as
 * HandleServer.supportsSha256Signature chooses, else `SHA1`) and the signature.
 */
export function signatureSection(fields: SignedFields, headerAndBody: Buffer, sign: Signer): Buffer {
  const sha256 = atLeast(fields.version, 2, 7);
  const hashName = Buffer.from(sha256 ? 'SHA-256' : 'SHA1', 'latin1');
  const signature = sign(Buffer.concat([signedPrefix(fields), headerAndBody]), sha256 ? 'sha256' : 'sha1');
  const writer = new ByteWriter(64 + signature.length);
  writer.u8(0).u8(0).int16(0).int32(0).int32(0).text('HS_SIGNED');
  writer.int32(hashName.length + 4 + signature.length + 4).bytesField(hashName).bytesField(signature);
  return writer.done();
}
