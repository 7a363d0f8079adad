// The handle value model (reference §2): input rules, the stored form and the JSON output form.

import { IdnodeError } from '../errors.js';
import { adminBitsToString, parseAdminPermissions } from './admin-permissions.js';
import { asciiUpper, parseHandle, type CaseRule } from './handle.js';
import { integerOf, textOf } from './json-scalars.js';
import { parseKey } from './key-value.js';
import { parseSite } from './site-value.js';
import { parseTtl } from './ttl-value.js';

export const MAX_VALUES_PER_RECORD = 2048;
/** Each HS_SECKEY costs a slow hash per login attempt (index 0 tries all): keep the number small. */
export const MAX_SECRET_KEYS_PER_RECORD = 8;
/** Shortest HS_SECKEY secret accepted (a stored hash is longer and passes too). */
export const MIN_SECRET_CHARS = 16;
export const MAX_INDEX = 2_147_483_647;
export { DEFAULT_TTL_SECONDS } from './ttl-value.js';
export const DEFAULT_PERMISSIONS = '1110';
export const SECRET_KEY_PERMISSIONS = '1100';
const MAX_TYPE_CHARS = 255;
const MAX_LIST_ITEMS = 2048;

export interface HandleReference {
  readonly handle: string;
  readonly index: number;
}

export interface AdminData {
  readonly handle: string;
  readonly index: number;
  /** 12 characters of 0/1, most significant first (reference §2.3). */
  readonly permissions: string;
}

export type ValueData =
  | { readonly format: 'string'; readonly value: string }
  | { readonly format: 'base64'; readonly value: string }
  | { readonly format: 'admin'; readonly value: AdminData }
  | { readonly format: 'vlist'; readonly value: readonly HandleReference[] }
  | { readonly format: 'site'; readonly value: Readonly<Record<string, unknown>> }
  | { readonly format: 'key'; readonly value: Readonly<Record<string, string>> };

/** A value as stored and cached. Times are Unix seconds. */
export interface HandleValue {
  readonly index: number;
  readonly type: string;
  readonly data: ValueData;
  /** 0: `ttl` is relative seconds; 1: `ttl` is an absolute expiry (Unix seconds). */
  readonly ttlType: 0 | 1;
  readonly ttl: number;
  /** Set by the server on every write. */
  readonly timestamp: number;
  /** Four flags: adminRead, adminWrite, publicRead, publicWrite. */
  readonly permissions: string;
  readonly references: readonly HandleReference[];
}


function invalid(field: string, message: string): IdnodeError {
  return new IdnodeError('INVALID_VALUE', `${field} ${message}`);
}

/** True when `type` is `base` or a sub-type of it (`URL.METADATA` is a `URL`), ignoring ASCII case. */
export function isTypeOrSubtype(type: string, base: string): boolean {
  // asciiUpper keeps the length: only `base` itself or `base.` followed by more can match (checked before any copy).
  if (type.length !== base.length && (type.length < base.length || type.charCodeAt(base.length) !== 0x2e)) return false;
  return asciiUpper(type.slice(0, base.length)) === asciiUpper(base);
}

/** The `type` query filter of reference §3.2: a trailing `.` also matches the bare type and every sub-type. */
export function matchesTypeFilter(type: string, filter: string): boolean {
  if (filter.endsWith('.')) return isTypeOrSubtype(type, filter.slice(0, -1));
  return asciiUpper(type) === asciiUpper(filter);
}

export function isPubliclyReadable(value: HandleValue): boolean {
  return value.permissions[2] === '1';
}

export function isAdminType(type: string): boolean {
  return isTypeOrSubtype(type, 'HS_ADMIN');
}

export function isSecretKeyType(type: string): boolean {
  return isTypeOrSubtype(type, 'HS_SECKEY');
}

function structuredFormatOf(type: string): 'admin' | 'vlist' | 'site' | 'key' | null {
  if (isAdminType(type)) return 'admin';
  if (isTypeOrSubtype(type, 'HS_VLIST')) return 'vlist';
  if (isTypeOrSubtype(type, 'HS_SITE') || isTypeOrSubtype(type, 'HS_NA_DELEGATE')) return 'site';
  if (isTypeOrSubtype(type, 'HS_PUBKEY')) return 'key';
  return null;
}

// Reference §2.1 note: bytes 0x00-0x08, 0x14-0x1F and 0x7F mark data as binary; 0x09-0x13 do not.
function looksLikeBinary(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b <= 0x08 || (b >= 0x14 && b <= 0x1f) || b === 0x7f) return true;
  }
  return false;
}

// ignoreBOM: a leading U+FEFF is data, not a marker to strip.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Output form of plain bytes, as Handle.net chooses it: `string` for clean UTF-8 text, else `base64`. */
export function plainData(bytes: Uint8Array): ValueData {
  if (!looksLikeBinary(bytes)) {
    try {
      return { format: 'string', value: utf8.decode(bytes) };
    } catch {
      // not UTF-8: fall through to base64
    }
  }
  return { format: 'base64', value: Buffer.from(bytes).toString('base64') };
}

function plainBytes(format: string, input: unknown, field: string): Uint8Array {
  // A JSON integer is its digits (Gson getAsString); other numbers are refused (json-scalars.ts).
  const value = textOf(input);
  if (value === undefined) throw invalid(field, `must be a string for format ${format}`);
  if (format === 'string') {
    if (LONE_SURROGATE.test(value)) throw invalid(field, 'is not valid Unicode (lone surrogate)');
    return Buffer.from(value, 'utf8');
  }
  if (format === 'base64') {
    if (!BASE64.test(value)) throw invalid(field, 'is not valid base64');
    return Buffer.from(value, 'base64');
  }
  if (!HEX.test(value)) throw invalid(field, 'is not valid hex');
  return Buffer.from(value, 'hex');
}

/** An index: a JSON integer or a decimal string (`"index":"200"`, as Handle.net's Gson reads it). */
function parseIndex(input: unknown, field: string, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  const index = integerOf(input);
  if (index === undefined || index < min || index > MAX_INDEX) {
    throw invalid(field, `must be an integer from ${min} to ${MAX_INDEX} (a JSON number or a decimal string)`);
  }
  return index;
}

function parseReferenceList(input: unknown, field: string, rule: CaseRule): HandleReference[] {
  if (!Array.isArray(input)) throw invalid(field, 'must be an array of {handle, index}');
  if (input.length > MAX_LIST_ITEMS) throw invalid(field, `has more than ${MAX_LIST_ITEMS} items`);
  return input.map((item: unknown, i) => parseReference(item, `${field}[${i}]`, rule));
}

function parseReference(input: unknown, field: string, rule: CaseRule): HandleReference {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(field, 'must be an object {handle, index}');
  }
  const { handle, index } = input as Record<string, unknown>;
  return { handle: parseHandleField(handle, `${field}.handle`, rule), index: parseIndex(index, `${field}.index`, true) };
}

function parseHandleField(input: unknown, field: string, rule: CaseRule): string {
  const text = textOf(input);
  if (text === undefined) throw invalid(field, 'must be a handle string');
  try {
    return parseHandle(text, rule).display;
  } catch (error) {
    throw invalid(field, `is not a valid handle (${(error as Error).message})`);
  }
}

/** A site server's `publicKey`: `{format: "key", value: JWK}`, or its bytes as `{format: "base64" | "hex", value}`. */
function parseServerKey(input: unknown, field: string): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(field, 'must be {format, value}');
  const data = input as Record<string, unknown>;
  const format = typeof data.format === 'string' ? data.format.toLowerCase() : '';
  if (format === 'key') return { format, value: parseKey(data.value, `${field}.value`) };
  if (format === 'base64' || format === 'hex') return plainData(plainBytes(format, data.value, `${field}.value`));
  throw invalid(`${field}.format`, 'must be key, base64 or hex');
}

function parsePermissions(input: unknown, type: string, field: string): string {
  const secret = isSecretKeyType(type);
  if (input === undefined) return secret ? SECRET_KEY_PERMISSIONS : DEFAULT_PERMISSIONS;
  // A JSON number is its digits (`1110`), as Gson's getAsString reads it.
  const permissions = input === '*' ? '1111' : textOf(input);
  if (permissions === undefined || !/^[01]{4}$/.test(permissions)) {
    // (A number loses leading zeros: 110 is not 0110, and Handle.net would keep the dropped flag at its default.)
    throw invalid(field, `must be "*" or four characters of 0 and 1${typeof input === 'number' ? ' (send 0110 as a string)' : ''}`);
  }
  // idnode choice: a secret key is never published, even hashed.
  if (secret && permissions[2] === '1') throw invalid(field, 'must not grant public read on HS_SECKEY');
  return permissions;
}

function parseData(input: unknown, type: string, field: string, rule: CaseRule): ValueData {
  let format: string;
  let value: unknown;
  if (typeof input === 'string' || (typeof input === 'number' && textOf(input) !== undefined)) {
    // Bare data is text; a JSON integer is its digits (Gson getAsString).
    format = 'string';
    value = input;
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const data = input as Record<string, unknown>;
    if (typeof data.format !== 'string') throw invalid(`${field}.format`, 'must be a string');
    format = data.format.toLowerCase();
    value = data.value;
  } else {
    throw invalid(field, 'must be a string or {format, value}');
  }
  const structured = structuredFormatOf(type);
  if (format === 'string' || format === 'base64' || format === 'hex') {
    // Every type takes the plain formats (reference §2.1): Handle.net answers with base64 when it cannot decode a
    // structured value (an SM2 key, a site in its binary form), and a client must be able to write that back. Such a
    // value is opaque bytes here: an HS_ADMIN, HS_VLIST or HS_PUBKEY that is not in its structured form grants nothing.
    // Printable ASCII is clean UTF-8 text without binary bytes: plainData would return it unchanged (bulk import, issue 13).
    if (format === 'string' && typeof value === 'string' && PRINTABLE_ASCII.test(value) && !isSecretKeyType(type)) return { format: 'string', value };
    const bytes = plainBytes(format, value, `${field}.value`);
    if (!isSecretKeyType(type)) return plainData(bytes);
    // Secrets are text (Basic credentials carry text); binary secrets would not survive the round trip.
    let secret: string;
    try {
      secret = utf8.decode(bytes);
    } catch {
      throw invalid(`${field}.value`, 'of HS_SECKEY must be UTF-8 text');
    }
    // An empty or short secret would let anyone in; the same floor as IDNODE_ADMIN_SECRET.
    if ([...secret].length < MIN_SECRET_CHARS) throw invalid(`${field}.value`, `of HS_SECKEY must be at least ${MIN_SECRET_CHARS} characters`);
    return { format: 'string', value: secret };
  }
  if (format !== 'admin' && format !== 'vlist' && format !== 'site' && format !== 'key') {
    throw invalid(`${field}.format`, 'must be one of string, base64, hex, admin, vlist, site, key');
  }
  if (structured !== format) throw invalid(`${field}.format`, `${format} is not allowed for type ${type}`);
  const at = `${field}.value`;
  switch (format) {
    case 'admin': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(at, 'must be {handle, index, permissions}');
      const admin = value as Record<string, unknown>;
      return {
        format,
        value: {
          handle: parseHandleField(admin.handle, `${at}.handle`, rule),
          index: parseIndex(admin.index, `${at}.index`, true),
          permissions: adminBitsToString(parseAdminPermissions(admin.permissions, `${at}.permissions`)),
        },
      };
    }
    case 'vlist':
      return { format, value: parseReferenceList(value, at, rule) };
    case 'site':
      return { format, value: parseSite(value, at, parseServerKey) };
    case 'key':
      return { format, value: parseKey(value, at) };
  }
}

/**
 * Validates one input value (reference §2) and returns it in stored form with `timestamp` = `nowSeconds`.
 * A client-sent timestamp is ignored. HS_SECKEY data is returned as the plain secret text; the caller hashes
 * it before storing. Throws INVALID_VALUE naming the field (`values[2].ttl must be …`).
 */
export function parseValue(input: unknown, field: string, nowSeconds: number, rule: CaseRule): HandleValue {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(field, 'must be an object');
  const raw = input as Record<string, unknown>;
  const index = parseIndex(raw.index, `${field}.index`, false);
  // A JSON integer is its digits, as Gson's getAsString reads it.
  const type = textOf(raw.type);
  if (type === undefined || type.length === 0) throw invalid(`${field}.type`, 'must be a non-empty string');
  if ([...type].length > MAX_TYPE_CHARS) throw invalid(`${field}.type`, `is longer than ${MAX_TYPE_CHARS} characters`);
  if (CONTROL.test(type)) throw invalid(`${field}.type`, 'contains a control character');
  const data = parseData(raw.data, type, `${field}.data`, rule);
  const { ttlType, ttl } = parseTtl(raw.ttl, `${field}.ttl`);
  const permissions = parsePermissions(raw.permissions, type, `${field}.permissions`);
  // `references: null` is no references, as Handle.net reads it (GsonUtility line 257).
  const references = raw.references === undefined || raw.references === null ? [] : parseReferenceList(raw.references, `${field}.references`, rule);
  return { index, type, data, ttlType, ttl, timestamp: nowSeconds, permissions, references };
}

/**
 * Validates a list of input values for one record: at most MAX_VALUES_PER_RECORD, indexes unique.
 * Throws INVALID_VALUE, TOO_MANY_VALUES or VALUE_ALREADY_EXISTS (same index twice, reference §2).
 */
export function parseValueList(inputs: readonly unknown[], nowSeconds: number, rule: CaseRule): HandleValue[] {
  if (inputs.length > MAX_VALUES_PER_RECORD) {
    throw new IdnodeError('TOO_MANY_VALUES', `a record holds at most ${MAX_VALUES_PER_RECORD} values; got ${inputs.length}`);
  }
  const seen = new Set<number>();
  const values = inputs.map((input, i) => {
    const value = parseValue(input, `values[${i}]`, nowSeconds, rule);
    if (seen.has(value.index)) throw new IdnodeError('VALUE_ALREADY_EXISTS', `values[${i}].index ${value.index} appears twice`);
    seen.add(value.index);
    return value;
  });
  checkSecretKeyCount(values);
  return values;
}

/** Throws TOO_MANY_VALUES when a record would hold more than MAX_SECRET_KEYS_PER_RECORD HS_SECKEY values. */
export function checkSecretKeyCount(values: readonly HandleValue[]): void {
  const keys = values.filter((value) => isSecretKeyType(value.type)).length;
  if (keys > MAX_SECRET_KEYS_PER_RECORD) throw new IdnodeError('TOO_MANY_VALUES', `a record holds at most ${MAX_SECRET_KEYS_PER_RECORD} HS_SECKEY values; got ${keys}`);
}
