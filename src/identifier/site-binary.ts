// HS_SITE and HS_PUBKEY data in the Handle protocol's binary form (Encoder.encodeSiteInfoRecord, Util.getBytesFromPublicKey).

import { ByteReader, ByteWriter, MAX_ARRAY_ITEMS } from './binary-fields.js';

type Json = Readonly<Record<string, unknown>>;

const PROTOCOLS = ['UDP', 'TCP', 'HTTP', 'HTTPS'] as const;
// SiteInfo.PRIMARY_SITE, MULTI_PRIMARY; Interface.ST_ADMIN, ST_QUERY; SiteInfo.HASH_TYPE_BY_ALL.
const PRIMARY = 0x80;
const MULTI_PRIMARY = 0x40;
const ST_ADMIN = 1;
const ST_QUERY = 2;
const HASH_BY_ALL = 2;
const RSA_PUBLIC = 'RSA_PUB_KEY';
const DSA_PUBLIC = 'DSA_PUB_KEY';

function object(input: unknown): Json {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Json) : {};
}

function integer(input: unknown, fallback: number): number {
  return typeof input === 'number' && Number.isInteger(input) ? input : fallback;
}

// --- Public keys: Java's BigInteger.toByteArray() (two's complement, minimal) in, unsigned magnitudes out (JWK).

function signedMagnitude(base64url: unknown): Buffer {
  let bytes = Buffer.from(typeof base64url === 'string' ? base64url : '', 'base64url');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) return Buffer.from([0]);
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function unsignedText(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start).toString('base64url');
}

/** HS_PUBKEY data (Util.getBytesFromPublicKey) of a `{kty:"RSA",n,e}` or `{kty:"DSA",p,q,g,y}` key; empty for others. */
export function encodePublicKey(jwk: Json): Buffer {
  const writer = new ByteWriter(300);
  // Util.getBytesFromPublicKey sizes an RSA key for four length fields but writes three: four zero octets end it.
  if (jwk.kty === 'RSA') writer.text(RSA_PUBLIC).int16(0).bytesField(signedMagnitude(jwk.e)).bytesField(signedMagnitude(jwk.n)).int32(0);
  else if (jwk.kty === 'DSA') {
    writer.text(DSA_PUBLIC).int16(0);
    for (const part of ['q', 'p', 'g', 'y']) writer.bytesField(signedMagnitude(jwk[part]));
  }
  return writer.done();
}

/** An RSA or DSA public key read as Util.getPublicKeyFromBytes does, as its JWK; null for anything else. */
export function decodePublicKey(bytes: Buffer): Record<string, string> | null {
  try {
    const reader = new ByteReader(bytes);
    const kind = reader.bytesField('key type').toString('latin1');
    reader.int16('key flags');
    const part = (name: string): string => unsignedText(reader.bytesField(name));
    if (kind === RSA_PUBLIC) {
      const e = part('e');
      return { kty: 'RSA', n: part('n'), e };
    }
    if (kind === DSA_PUBLIC) {
      const q = part('q');
      const p = part('p');
      const g = part('g');
      return { kty: 'DSA', y: part('y'), p, q, g };
    }
    return null;
  } catch {
    return null;
  }
}

// --- Addresses: 16 octets, IPv4 in the last four with the first twelve zero (ServerInfo, SiteInfo).

function ipv6Groups(text: string): number[] | null {
  const [head = '', tail, extra] = text.split('::');
  if (extra !== undefined) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Octets(piece);
        if (v4 === null) return null;
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) groups.push(Number.parseInt(piece, 16));
      else return null;
    }
    return groups;
  };
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  if (left === null || right === null) return null;
  if (tail === undefined) return left.length === 8 ? left : null;
  if (left.length + right.length > 7) return null;
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function ipv4Octets(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return parts.map(Number);
}

/** The 16 address octets of an IPv4 or IPv6 literal; all zero for anything else (a host name is not resolved here). */
export function addressOctets(address: unknown): Buffer {
  const octets = Buffer.alloc(16);
  if (typeof address !== 'string') return octets;
  const v4 = ipv4Octets(address);
  if (v4 !== null) {
    octets.set(v4, 12);
    return octets;
  }
  const groups = ipv6Groups(address.split('%')[0] ?? '');
  groups?.forEach((group, i) => octets.writeUInt16BE(group, i * 2));
  return octets;
}

/** ServerInfo.getAddressString: dotted IPv4 when the first twelve octets are zero, else Util.rfcIpRepr's IPv6 text. */
export function addressText(octets: Buffer): string {
  if (octets.subarray(0, 12).every((octet) => octet === 0)) return [...octets.subarray(12)].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => octets.readUInt16BE(i * 2));
  // Util.integerIPv6AddressToString: the longest run of zero groups that a non-zero group ends (not one alone) is `::`.
  let run = 0;
  let runStart = 0;
  let best = 0;
  let bestStart = -1;
  groups.forEach((group, i) => {
    if (group === 0) {
      if (run === 0) runStart = i;
      run += 1;
    } else {
      if (run > best) [best, bestStart] = [run, runStart];
      run = 0;
    }
  });
  if (best === 1) bestStart = -1;
  let text = '';
  for (let i = 0; i < 8; i += 1) {
    if (i !== bestStart) {
      text += (groups[i] ?? 0).toString(16) + (i < 7 ? ':' : '');
    } else {
      if (i === 0) text += ':';
      i += best - 1;
      text += ':';
    }
  }
  return text;
}

// --- Sites.

function attributesOf(input: unknown): [string, string][] {
  if (Array.isArray(input)) return input.map((item) => [String(object(item).name ?? ''), String(object(item).value ?? '')]);
  // GsonUtility also reads attributes as an object of name → value (or → values).
  return Object.entries(object(input)).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, String(v)]));
}

function serverKeyBytes(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  const { format, value } = object(input);
  if (format === 'key') return encodePublicKey(object(value));
  if (format === 'base64' && typeof value === 'string') return Buffer.from(value, 'base64');
  if (format === 'hex' && typeof value === 'string') return Buffer.from(value, 'hex');
  if (format === 'string' && typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.alloc(0);
}

function protocolNumber(input: unknown): number {
  const named = PROTOCOLS.indexOf(String(input) as (typeof PROTOCOLS)[number]);
  return named >= 0 ? named : integer(input, 0);
}

/**
 * HS_SITE data (Encoder.encodeSiteInfoRecord) from the site's JSON form (GsonUtility's). Lenient, as the stored form was
 * validated when written: a missing number is 0 (version 1, protocol 2.11, hash option 2 as SiteInfo's defaults), an
 * address that is not an IP literal is all zeros.
 */
export function encodeSite(site: Json): Buffer {
  const writer = new ByteWriter(512);
  const [major, minor] = String(site.protocolVersion ?? '2.11').split('.').map(Number);
  writer.int16(integer(site.version, 1)).u8(Number.isInteger(major) ? (major as number) : 2).u8(Number.isInteger(minor) ? (minor as number) : 11);
  writer.int16(integer(site.serialNumber, 0));
  writer.u8((site.primarySite === true ? PRIMARY : 0) | (site.multiPrimary === true ? MULTI_PRIMARY : 0));
  writer.u8(integer(site.hashOption, HASH_BY_ALL));
  writer.text(typeof site.hashFilter === 'string' ? site.hashFilter : '');
  const attributes = attributesOf(site.attributes);
  writer.int32(attributes.length);
  for (const [name, value] of attributes) writer.text(name).text(value);
  const servers = Array.isArray(site.servers) ? site.servers.map(object) : [];
  writer.int32(servers.length);
  for (const server of servers) {
    writer.int32(integer(server.serverId, 0)).raw(addressOctets(server.address)).bytesField(serverKeyBytes(server.publicKey));
    const interfaces = Array.isArray(server.interfaces) ? server.interfaces.map(object) : [];
    writer.int32(interfaces.length);
    for (const face of interfaces) {
      writer.u8((face.query === true ? ST_QUERY : 0) | (face.admin === true ? ST_ADMIN : 0)).u8(protocolNumber(face.protocol)).int32(integer(face.port, 0));
    }
  }
  return writer.done();
}

const text = (bytes: Buffer): string => bytes.toString('utf8');

/** A site as GsonUtility serializes SiteInfo, read as Encoder.decodeSiteInfoRecord does (nothing left over); else null. */
export function decodeSite(bytes: Buffer): Record<string, unknown> | null {
  try {
    const reader = new ByteReader(bytes);
    const version = reader.int16('site version');
    const protocolVersion = `${reader.u8('major version')}.${reader.u8('minor version')}`;
    const serialNumber = reader.int16('serial number');
    const flags = reader.u8('site flags');
    const hashOption = reader.u8('hash option');
    const hashFilter = reader.bytesField('hash filter');
    const site: Record<string, unknown> = { version, protocolVersion, serialNumber, primarySite: (flags & PRIMARY) !== 0, multiPrimary: (flags & MULTI_PRIMARY) !== 0 };
    if (hashOption !== HASH_BY_ALL) site.hashOption = hashOption;
    if (hashFilter.length > 0) site.hashFilter = text(hashFilter);
    const attributeCount = reader.count('attribute count', MAX_ARRAY_ITEMS, 8);
    const attributes = [];
    for (let i = 0; i < attributeCount; i += 1) attributes.push({ name: text(reader.bytesField('attribute name')), value: text(reader.bytesField('attribute value')) });
    site.attributes = attributes;
    const serverCount = reader.count('server count', MAX_ARRAY_ITEMS, 28);
    const servers = [];
    for (let i = 0; i < serverCount; i += 1) {
      const serverId = reader.int32('server id');
      const address = addressText(reader.raw(16, 'server address'));
      const keyBytes = reader.bytesField('server public key');
      const key = decodePublicKey(keyBytes);
      const publicKey = key === null ? { format: 'base64', value: keyBytes.toString('base64') } : { format: 'key', value: key };
      const interfaceCount = reader.count('interface count', MAX_ARRAY_ITEMS, 6);
      const interfaces = [];
      for (let j = 0; j < interfaceCount; j += 1) {
        const type = reader.u8('interface type');
        const protocol = reader.u8('interface protocol');
        interfaces.push({ query: (type & ST_QUERY) !== 0, admin: (type & ST_ADMIN) !== 0, protocol: PROTOCOLS[protocol] ?? protocol, port: reader.int32('interface port') });
      }
      servers.push({ serverId, address, publicKey, interfaces });
    }
    site.servers = servers;
    return reader.remaining === 0 ? site : null;
  } catch {
    return null;
  }
}
