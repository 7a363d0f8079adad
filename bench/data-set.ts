// The fixed, deterministic benchmark data set: identifier number → handle and stored values, and the exact bodies idnode answers with.

import type { HandleValue } from '../src/identifier/value.js';
import { valueToJson } from '../src/identifier/value-json.js';

/** Bump when the generator below or the seeding order changes, so cached seeded stores are not reused across shapes. */
export const DATA_SET_VERSION = 2;
export const NODE_PREFIX = '88.118';
export const ENTERPRISE_PREFIX_COUNT = 100;
export const ADMIN_IDENTITY = `300:0.NA/${NODE_PREFIX}`;
export const ADMIN_SECRET = 'bench-admin-secret-0001';
/** Every seeded value carries this timestamp so the bodies are reproducible byte for byte. */
export const SEED_TIMESTAMP = Date.UTC(2026, 0, 15, 8, 0, 0) / 1000;
export const HANDLE_ROUTE = '/api/handles/';
export const CASE_RULE = { suffixCaseSensitive: false } as const;

const PRODUCT_LINES = ['PUMP', 'VALVE', 'MOTOR', 'SENSOR', 'GEARBOX', 'COMPRESSOR', 'BEARING', 'INVERTER'] as const;
const MODEL_CODES = ['PX', 'VX', 'MT', 'SN', 'GB', 'CP', 'BR', 'IV'] as const;

export interface Identifier {
  /** The handle as registered (all upper case, so it is also its canonical key). */
  readonly handle: string;
  readonly prefix: string;
  readonly values: HandleValue[];
}

/** The enterprise prefix number n (1 … ENTERPRISE_PREFIX_COUNT), e.g. 88.118.7. */
export function enterprisePrefix(n: number): string {
  return `${NODE_PREFIX}.${n}`;
}

/** A 32-bit integer mix (murmur3 finaliser): cheap, stable and well spread. */
function mix32(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function value(index: number, type: string, data: HandleValue['data']): HandleValue {
  return { index, type, data, ttlType: 0, ttl: 86_400, timestamp: SEED_TIMESTAMP, permissions: '1110', references: [] };
}

/**
 * Identifier number i (0-based): enterprise prefix 88.118.(i mod 100 + 1), suffix `<LINE>-<year>-<serial>` with a
 * serial unique within the prefix, and 3 values (URL, EMAIL, PRODUCT.MODEL) plus an HS_ADMIN on about half of them.
 */
export function identifier(i: number): Identifier {
  const prefixNumber = (i % ENTERPRISE_PREFIX_COUNT) + 1;
  const serial = Math.floor(i / ENTERPRISE_PREFIX_COUNT);
  const h = mix32(i);
  const line = h % PRODUCT_LINES.length;
  const year = 2020 + ((h >>> 3) % 7);
  const prefix = enterprisePrefix(prefixNumber);
  const suffix = `${PRODUCT_LINES[line]}-${year}-${String(serial).padStart(6, '0')}`;
  const handle = `${prefix}/${suffix}`;
  const values: HandleValue[] = [
    value(1, 'URL', { format: 'string', value: `https://trace.enterprise${prefixNumber}.example.cn/products/${suffix}` }),
    value(2, 'EMAIL', { format: 'string', value: `service@enterprise${prefixNumber}.example.cn` }),
    value(3, 'PRODUCT.MODEL', { format: 'string', value: `${MODEL_CODES[line]}-${100 + ((h >>> 6) % 900)}/${1 + ((h >>> 16) % 9)}` }),
  ];
  if ((h >>> 20) % 2 === 0) {
    values.push(value(100, 'HS_ADMIN', { format: 'admin', value: { handle: `0.NA/${prefix}`, index: 300, permissions: '011111110011' } }));
  }
  return { handle, prefix, values };
}

/** The request path of a handle (the generated handles need no percent-encoding). */
export function handlePath(handle: string): string {
  return `${HANDLE_ROUTE}${handle}`;
}

/** The resolver proxy's path of a handle (the generated handles need no percent-encoding). */
export function proxyPath(handle: string): string {
  return `/${handle}`;
}

/** idnode's 200 body for an anonymous resolve of a seeded handle (all seeded values are publicly readable). */
export function resolvedBody(handle: string, values: readonly HandleValue[]): string {
  return `{"responseCode":1,"handle":${JSON.stringify(handle)},"values":${JSON.stringify(values.map(valueToJson))}}`;
}

/** idnode's 404 body for a handle that does not exist. */
export function notFoundBody(handle: string): string {
  return `{"responseCode":100,"handle":${JSON.stringify(handle)}}`;
}

/** idnode's 201 body after creating a handle. */
export function createdBody(handle: string): string {
  return `{"responseCode":1,"handle":${JSON.stringify(handle)}}`;
}

/** The one handle the resolve-hot scenario asks for. */
export function hotIdentifierNumber(identifiers: number): number {
  return Math.min(4242, identifiers - 1);
}

/** A seeded pseudo-random source in [0, 1) (mulberry32), so every run asks for the same handles in the same order. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A handle that is never seeded: same shape, but year 1999 is never generated. */
export function missingHandle(random: () => number): string {
  const prefix = enterprisePrefix(1 + Math.floor(random() * ENTERPRISE_PREFIX_COUNT));
  const line = PRODUCT_LINES[Math.floor(random() * PRODUCT_LINES.length)] ?? 'PUMP';
  return `${prefix}/${line}-1999-${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
}

/** The JSON body (two values) the register scenario sends for a new handle. */
export function registerBody(handle: string): string {
  return JSON.stringify([
    { index: 1, type: 'URL', data: `https://trace.example.cn/products/${handle}` },
    { index: 2, type: 'EMAIL', data: 'service@example.cn' },
  ]);
}

/** `Authorization: Basic` for the node administrator; the identity is percent-encoded (`:` → `%3A`) as reference §6 says. */
export function adminAuthorization(): string {
  const identity = ADMIN_IDENTITY.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `Basic ${Buffer.from(`${identity}:${ADMIN_SECRET}`, 'utf8').toString('base64')}`;
}
