// The `site` data of HS_SITE values (reference §2.4): checked field by field as Handle.net's SiteInfo reader takes it.

import { IdnodeError } from '../errors.js';
import { flagOf, integerOf, javaInteger, textOf } from './json-scalars.js';

const PROTOCOLS = new Set(['UDP', 'TCP', 'HTTP', 'HTTPS']);
const BYTE = { min: -128, max: 127 } as const;
const INT = { min: -2_147_483_648, max: 2_147_483_647 } as const;

function invalid(field: string, message: string): IdnodeError {
  return new IdnodeError('INVALID_VALUE', `${field} ${message}`);
}

function isObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** A copy of `input` with its own keys (`__proto__` included, as plain data) and nothing inherited. */
function copyOf(input: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) Object.defineProperty(copy, name, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Sets `object[name]` to the integer it holds (a JSON number or a decimal string, GsonUtility getAsInt/getAsByte) when present. */
function integerField(object: Record<string, unknown>, name: string, field: string, range: { min: number; max: number }): void {
  if (!Object.hasOwn(object, name)) return;
  const number = integerOf(object[name]);
  if (number === undefined || number < range.min || number > range.max) throw invalid(`${field}.${name}`, `must be an integer from ${range.min} to ${range.max} (a JSON number or a decimal string)`);
  object[name] = number;
}

/** Sets `object[name]` to the boolean it holds (a JSON boolean or "true"/"false") when present. */
function flagField(object: Record<string, unknown>, name: string, field: string): void {
  if (!Object.hasOwn(object, name)) return;
  const flag = flagOf(object[name]);
  if (flag === undefined) throw invalid(`${field}.${name}`, 'must be true or false');
  object[name] = flag;
}

/** Sets `object[name]` to the text it holds (a string, or an integer as its digits) when present. */
function textField(object: Record<string, unknown>, name: string, field: string): void {
  if (!Object.hasOwn(object, name)) return;
  const text = textOf(object[name]);
  if (text === undefined) throw invalid(`${field}.${name}`, 'must be a string');
  object[name] = text;
}

/** `protocolVersion` is "major.minor" (two bytes); a JSON number is refused because 2.10 and 2.1 read the same in JavaScript. */
function protocolVersionField(site: Record<string, unknown>, field: string): void {
  if (!Object.hasOwn(site, 'protocolVersion')) return;
  const text = site.protocolVersion;
  const parts = typeof text === 'string' ? text.split('.') : [];
  const bytes = parts.map((part) => javaInteger(part));
  if (parts.length !== 2 || bytes.some((byte) => byte === null || byte < BYTE.min || byte > BYTE.max)) {
    throw invalid(`${field}.protocolVersion`, 'must be a string "major.minor", e.g. "2.11"');
  }
}

/** Attributes as `[{name, value}]`; the object form `{name: value | [values]}` that Handle.net also reads becomes that list. */
function attributesField(site: Record<string, unknown>, field: string): void {
  if (!Object.hasOwn(site, 'attributes')) return;
  const at = `${field}.attributes`;
  const input = site.attributes;
  const pair = (name: unknown, value: unknown, where: string) => {
    const n = textOf(name);
    const v = textOf(value);
    if (n === undefined || v === undefined) throw invalid(where, 'must have a string name and value');
    return { name: n, value: v };
  };
  if (Array.isArray(input)) {
    site.attributes = input.map((item: unknown, i) => {
      if (!isObject(item)) throw invalid(`${at}[${i}]`, 'must be an object {name, value}');
      return pair(item.name, item.value, `${at}[${i}]`);
    });
  } else if (isObject(input)) {
    site.attributes = Object.entries(input).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item: unknown) => pair(name, item, `${at}.${name}`)));
  } else {
    throw invalid(at, 'must be an array of {name, value}');
  }
}

function parseInterface(input: unknown, at: string): Record<string, unknown> {
  if (!isObject(input)) throw invalid(at, 'must be an object');
  const face = copyOf(input);
  flagField(face, 'query', at);
  flagField(face, 'admin', at);
  if (Object.hasOwn(face, 'protocol') && !(typeof face.protocol === 'string' && PROTOCOLS.has(face.protocol))) {
    // Handle.net: one of the four names exactly, else the protocol's byte code.
    integerField(face, 'protocol', at, BYTE);
  }
  integerField(face, 'port', at, INT);
  return face;
}

/**
 * Checks a site object and returns it with every field Handle.net reads in its JSON type (decimal strings become
 * numbers, "true"/"false" booleans, the attribute object form a list); other fields are kept as written. Servers
 * need an address and at least one interface; `publicKey`, when present, is read by `parsePublicKey` (data in
 * `{format, value}` form). Throws INVALID_VALUE naming the field.
 */
export function parseSite(input: unknown, field: string, parsePublicKey: (input: unknown, field: string) => unknown): Record<string, unknown> {
  if (!isObject(input)) throw invalid(field, 'must be a site object');
  const site = copyOf(input);
  integerField(site, 'version', field, INT);
  protocolVersionField(site, field);
  integerField(site, 'serialNumber', field, INT);
  flagField(site, 'primarySite', field);
  flagField(site, 'multiPrimary', field);
  integerField(site, 'hashOption', field, BYTE);
  textField(site, 'hashFilter', field);
  attributesField(site, field);
  if (!Array.isArray(site.servers) || site.servers.length === 0) throw invalid(`${field}.servers`, 'must be a non-empty array');
  site.servers = site.servers.map((input: unknown, i) => {
    const at = `${field}.servers[${i}]`;
    if (!isObject(input)) throw invalid(at, 'must be an object');
    const server = copyOf(input);
    integerField(server, 'serverId', at, INT);
    if (typeof server.address !== 'string' || server.address.length === 0) throw invalid(`${at}.address`, 'must be a non-empty string');
    if (Object.hasOwn(server, 'publicKey')) server.publicKey = parsePublicKey(server.publicKey, `${at}.publicKey`);
    if (!Array.isArray(server.interfaces) || server.interfaces.length === 0) throw invalid(`${at}.interfaces`, 'must be a non-empty array');
    server.interfaces = server.interfaces.map((face: unknown, j) => parseInterface(face, `${at}.interfaces[${j}]`));
    return server;
  });
  return site;
}
