// Handle values in the Handle protocol's binary form (hdllib Encoder.java): the value layout and HS_ADMIN / HS_VLIST data.

import { IdnodeError } from '../errors.js';
import { adminBitsToString, ALL_ADMIN_BITS } from './admin-permissions.js';
import { ByteReader, ByteWriter, MAX_ARRAY_ITEMS } from './binary-fields.js';
import { decodePublicKey, decodeSite, encodePublicKey, encodeSite } from './site-binary.js';
import { isAdminType, isTypeOrSubtype, plainData, type AdminData, type HandleReference, type HandleValue, type ValueData } from './value.js';

// Encoder.PERM_ADMIN_READ … PERM_PUBLIC_WRITE: the value's permission octet, in the order of HandleValue.permissions.
const PERMISSION_BITS = [0x8, 0x4, 0x2, 0x1] as const;
/** The fixed part of an encoded value: index, timestamp, ttlType, ttl, permissions, and the three length/count fields. */
export const MIN_VALUE_BYTES = 4 + 4 + 1 + 4 + 1 + 4 + 4 + 4;

const MAX_INT4 = 0x7fffffff;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 text of `bytes`, or null when they are not UTF-8. */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** The permission octet of a `0110`-style permissions string. */
export function permissionOctet(permissions: string): number {
  let octet = 0;
  for (let i = 0; i < 4; i += 1) if (permissions[i] === '1') octet |= PERMISSION_BITS[i] ?? 0;
  return octet;
}

function permissionsOf(octet: number): string {
  return PERMISSION_BITS.map((bit) => ((octet & bit) !== 0 ? '1' : '0')).join('');
}

/** HS_ADMIN data (Encoder.encodeAdminRecord): permissions int2, admin handle, admin index. */
export function encodeAdmin(admin: AdminData): Buffer {
  const bits = /^[01]{1,12}$/.test(admin.permissions) ? Number.parseInt(admin.permissions, 2) : 0;
  return new ByteWriter(16 + admin.handle.length * 3).int16(bits & ALL_ADMIN_BITS).text(admin.handle).int32(admin.index).done();
}

/**
 * HS_ADMIN data read as Encoder.decodeAdminRecord does (two stray trailing octets are the legacy length, anything
 * else left over is not an admin record); null when the bytes are not one.
 */
export function decodeAdmin(bytes: Buffer): AdminData | null {
  try {
    const reader = new ByteReader(bytes);
    const bits = reader.int16('permissions');
    const handle = utf8Text(reader.bytesField('admin handle'));
    const index = reader.int32('admin index');
    if (handle === null || (reader.remaining !== 0 && reader.remaining !== 2)) return null;
    return { handle, index, permissions: adminBitsToString(bits & ALL_ADMIN_BITS) };
  } catch {
    return null;
  }
}

/** HS_VLIST data (Encoder.encodeValueReferenceList): a count, then handle and index per reference. */
export function encodeReferenceList(references: readonly HandleReference[]): Buffer {
  const writer = new ByteWriter(4 + references.length * 32).int32(references.length);
  for (const reference of references) writer.text(reference.handle).int32(reference.index);
  return writer.done();
}

/** HS_VLIST data as Encoder.decodeValueReferenceList reads it (nothing may be left over); null when it is not a list. */
export function decodeReferenceList(bytes: Buffer): HandleReference[] | null {
  try {
    const reader = new ByteReader(bytes);
    const references = readReferences(reader, 'reference');
    return reader.remaining === 0 ? references : null;
  } catch {
    return null;
  }
}

function readReferences(reader: ByteReader, field: string): HandleReference[] {
  const count = reader.count(`${field} count`, MAX_ARRAY_ITEMS, 8);
  const references: HandleReference[] = [];
  for (let i = 0; i < count; i += 1) {
    const handle = utf8Text(reader.bytesField(`${field}[${i}].handle`));
    if (handle === null) throw new IdnodeError('INVALID_VALUE', `${field}[${i}].handle is not UTF-8`);
    references.push({ handle, index: reader.int32(`${field}[${i}].index`) });
  }
  return references;
}

/** The bytes of a value's data field: plain formats as they are, structured ones in their binary form. */
export function dataBytes(data: ValueData): Buffer {
  switch (data.format) {
    case 'string':
      return Buffer.from(data.value, 'utf8');
    case 'base64':
      return Buffer.from(data.value, 'base64');
    case 'admin':
      return encodeAdmin(data.value);
    case 'vlist':
      return encodeReferenceList(data.value);
    case 'site':
      return encodeSite(data.value);
    case 'key':
      return encodePublicKey(data.value);
  }
}

/**
 * The data of a value of `type` as Handle.net's JSON shows it (GsonUtility.serializeData): HS_ADMIN, HS_VLIST,
 * HS_SITE (and HS_SITE.PREFIX, HS_NA_DELEGATE) and HS_PUBKEY in their structured form when the bytes decode as such,
 * anything else (or anything that does not decode) as plain `string` or `base64`.
 */
export function dataFromBytes(type: string, bytes: Buffer): ValueData {
  if (isAdminType(type)) {
    const admin = decodeAdmin(bytes);
    if (admin !== null) return { format: 'admin', value: admin };
  } else if (isTypeOrSubtype(type, 'HS_VLIST')) {
    const references = decodeReferenceList(bytes);
    if (references !== null) return { format: 'vlist', value: references };
  } else if (isTypeOrSubtype(type, 'HS_SITE') || isTypeOrSubtype(type, 'HS_NA_DELEGATE')) {
    const site = decodeSite(bytes);
    if (site !== null) return { format: 'site', value: site };
  } else if (isTypeOrSubtype(type, 'HS_PUBKEY')) {
    const key = decodePublicKey(bytes);
    if (key !== null) return { format: 'key', value: key };
  }
  return plainData(bytes);
}

/** Writes one value (Encoder.encodeHandleValue). */
export function writeValue(writer: ByteWriter, value: HandleValue): void {
  // Times are int4 seconds: an absolute expiry after 2038-01-19 (which the REST API accepts) is sent as the latest one.
  const ttl = Math.min(value.ttl, MAX_INT4);
  writer.int32(value.index).int32(Math.min(value.timestamp, MAX_INT4)).u8(value.ttlType).int32(ttl).u8(permissionOctet(value.permissions));
  writer.text(value.type).bytesField(dataBytes(value.data)).int32(value.references.length);
  for (const reference of value.references) writer.text(reference.handle).int32(reference.index);
}

export function encodeValue(value: HandleValue): Buffer {
  const writer = new ByteWriter(128);
  writeValue(writer, value);
  return writer.done();
}

/**
 * Reads one value (Encoder.decodeHandleValue) into the value model, its data shown as dataFromBytes does. Throws
 * MALFORMED_MESSAGE (truncated, impossible lengths), INVALID_VALUE (a type or reference handle that is not UTF-8).
 */
export function readValue(reader: ByteReader, field = 'value'): HandleValue {
  const index = reader.int32(`${field}.index`);
  const timestamp = reader.int32(`${field}.timestamp`);
  // GsonUtility: ttlType 0 is relative, anything else absolute.
  const ttlType = reader.u8(`${field}.ttlType`) === 0 ? 0 : 1;
  const ttl = reader.int32(`${field}.ttl`);
  const permissions = permissionsOf(reader.u8(`${field}.permissions`));
  const type = utf8Text(reader.bytesField(`${field}.type`));
  if (type === null) throw new IdnodeError('INVALID_VALUE', `${field}.type is not UTF-8`);
  const data = dataFromBytes(type, reader.bytesField(`${field}.data`));
  const references = readReferences(reader, `${field}.references`);
  return { index, type, data, ttlType, ttl, timestamp, permissions, references };
}
