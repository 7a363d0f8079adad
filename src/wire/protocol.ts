// The Handle protocol's numbers (hdllib Common.java, AbstractMessage.java, Encoder.java): opcodes, response codes, flags, sizes.

/** Operation codes (AbstractMessage.OC_*). */
export const OP = Object.freeze({
  RESERVED: 0,
  RESOLUTION: 1,
  GET_SITE_INFO: 2,
  CREATE_HANDLE: 100,
  DELETE_HANDLE: 101,
  ADD_VALUE: 102,
  REMOVE_VALUE: 103,
  MODIFY_VALUE: 104,
  LIST_HANDLES: 105,
  RESPONSE_TO_CHALLENGE: 200,
  SESSION_SETUP: 400,
  SESSION_TERMINATE: 401,
});

/** Response codes (AbstractMessage.RC_*) this node sends. */
export const RC = Object.freeze({
  RESERVED: 0,
  SUCCESS: 1,
  ERROR: 2,
  SERVER_TOO_BUSY: 3,
  PROTOCOL_ERROR: 4,
  OPERATION_NOT_SUPPORTED: 5,
  HANDLE_NOT_FOUND: 100,
  VALUES_NOT_FOUND: 200,
  VALUE_ALREADY_EXISTS: 201,
  INVALID_VALUE: 202,
  SERVER_BACKUP: 7,
  SERVER_NOT_RESPONSIBLE: 301,
  SERVICE_REFERRAL: 302,
  PREFIX_REFERRAL: 303,
  AUTHENTICATION_NEEDED: 402,
  SESSION_FAILED: 501,
});

/** Message flags (Encoder.MSG_FLAG_*), bits of the header's opFlags. */
export const FLAG = Object.freeze({
  AUTHORITATIVE: 0x80000000,
  CERTIFY: 0x40000000,
  ENCRYPT: 0x20000000,
  RECURSIVE: 0x10000000,
  CACHE_CERTIFY: 0x08000000,
  CONTINUOUS: 0x04000000,
  KEEP_ALIVE: 0x02000000,
  PUBLIC_ONLY: 0x01000000,
  RETURN_REQUEST_DIGEST: 0x00800000,
  OVERWRITE: 0x00400000,
  MINT: 0x00200000,
  DO_NOT_REFER: 0x00100000,
});

/** Envelope flag bits (Encoder.ENV_FLAG_*) in the envelope's third octet, above the two bits of the suggested major version. */
export const ENVELOPE_FLAG = Object.freeze({ COMPRESSED: 0x80, ENCRYPTED: 0x40, TRUNCATED: 0x20 });

/** Request-digest hash codes (Common.HASH_CODE_*). */
export const HASH_CODE = Object.freeze({ MD5_OLD: 0x00, MD5: 0x01, SHA1: 0x02, SHA256: 0x03, HMAC_SHA1: 0x12, HMAC_SHA256: 0x13, PBKDF2_HMAC_SHA1: 0x22 });

export const ENVELOPE_BYTES = 20;
export const HEADER_BYTES = 24;
/** Common.MAX_MESSAGE_LENGTH: Handle clients refuse longer messages, so neither side sends one. */
export const MAX_MESSAGE_BYTES = 262_144;
/** Common.MAX_UDP_DATA_SIZE: the message bytes one UDP packet carries after its envelope. */
export const UDP_DATA_BYTES = 512 - ENVELOPE_BYTES;
/** Common.MAX_HANDLE_LENGTH, in octets. */
export const MAX_HANDLE_BYTES = 2048;
/** Common.CHALLENGE_NONCE_SIZE. */
export const NONCE_BYTES = 16;
/** The protocol version this node speaks (Common.MAJOR_VERSION, MINOR_VERSION): 2.11. */
export const VERSION = Object.freeze({ major: 2, minor: 11 });
/** Messages expire twelve hours after they are made (AbstractMessage's constructor). */
export const EXPIRATION_SECONDS = 43_200;

export interface Version {
  readonly major: number;
  readonly minor: number;
}

/** AbstractMessage.hasEqualOrGreaterVersion, with its special case for the major version 5 of very old clients. */
export function atLeast(version: Version, major: number, minor: number): boolean {
  if (version.major === 5) return major === 5 && version.minor >= minor;
  if (major === 5) return true;
  if (version.major !== major) return version.major > major;
  return version.minor >= minor;
}

/**
 * The version a response is written in (AbstractResponse's constructor): the version the request suggests, capped at
 * this node's own (setSupportedProtocolVersion).
 */
export function responseVersion(suggested: Version): Version {
  return atLeast(suggested, VERSION.major, VERSION.minor) ? VERSION : suggested;
}
