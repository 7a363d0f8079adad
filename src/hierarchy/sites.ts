// Where a site answers (reference §2.4): the HTTP(S) origins of HS_SITE values, and the referral values built from a site.

import type { ValueJson } from '../identifier/value-json.js';

/** Site JSON as published at /api/site and in HS_SITE values. */
export type SiteJson = Readonly<Record<string, unknown>>;

interface SiteInterface {
  readonly query?: unknown;
  readonly protocol?: unknown;
  readonly port?: unknown;
}

/** The HTTP(S) origins at which `site` answers queries, in the order it lists them. */
export function originsOfSite(site: SiteJson): string[] {
  const origins: string[] = [];
  const servers = Array.isArray(site.servers) ? (site.servers as unknown[]) : [];
  for (const server of servers) {
    if (typeof server !== 'object' || server === null) continue;
    const { address, interfaces } = server as { address?: unknown; interfaces?: unknown };
    if (typeof address !== 'string' || address.length === 0 || !Array.isArray(interfaces)) continue;
    const host = address.includes(':') ? `[${address}]` : address;
    for (const face of interfaces as SiteInterface[]) {
      if (face.query !== true || typeof face.port !== 'number' || (face.protocol !== 'HTTP' && face.protocol !== 'HTTPS')) continue;
      origins.push(`${face.protocol === 'HTTPS' ? 'https' : 'http'}://${host}:${face.port}`);
    }
  }
  return origins;
}

/** The origins of every public HS_SITE or HS_SITE.PREFIX value among `values` (a referral's values). */
export function originsOfValues(values: readonly ValueJson[]): string[] {
  const origins: string[] = [];
  for (const value of values) {
    const type = value.type.toUpperCase();
    if (type !== 'HS_SITE' && type !== 'HS_SITE.PREFIX' && type !== 'HS_NA_DELEGATE') continue;
    if (value.data.format !== 'site' || typeof value.data.value !== 'object' || value.data.value === null) continue;
    for (const origin of originsOfSite(value.data.value as SiteJson)) if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

/** The public key of a site's first server, as a JWK, or null. */
export function siteKey(site: SiteJson): Readonly<Record<string, string>> | null {
  const server = Array.isArray(site.servers) ? (site.servers[0] as { publicKey?: { format?: unknown; value?: unknown } } | undefined) : undefined;
  const key = server?.publicKey;
  if (key?.format !== 'key' || typeof key.value !== 'object' || key.value === null) return null;
  return key.value as Readonly<Record<string, string>>;
}

/** The values of a service referral to `site`: one public HS_SITE value with `ttlSeconds`. */
export function siteReferralValues(site: SiteJson, ttlSeconds: number): string {
  return JSON.stringify([{ index: 1, type: 'HS_SITE', data: { format: 'site', value: site }, ttl: ttlSeconds }]);
}
