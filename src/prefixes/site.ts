// The node's own site (reference §2.4): where it answers and its public key; published as HS_SITE and at /api/site.

import type { Config } from '../config.js';
import { prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import { isTypeOrSubtype, type HandleValue } from '../identifier/value.js';
import type { Store } from '../store/store.js';

export type Site = Readonly<Record<string, unknown>>;

/**
 * The site object of this node: one server, query and admin over HTTP(S) on `port`, and with `handlePort` the Handle
 * protocol as Handle.net's own sites list it (SiteInfo's constructor): TCP query and admin, UDP query, before HTTP.
 */
export function nodeSite(config: Config, port: number, publicJwk: Readonly<Record<string, string>>, handlePort: number | null = null): Site {
  const address = config.siteAddress ?? (config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host);
  const interfaces = [
    ...(handlePort === null
      ? []
      : [
          { query: true, admin: true, protocol: 'TCP', port: handlePort },
          { query: true, admin: false, protocol: 'UDP', port: handlePort },
        ]),
    { query: true, admin: true, protocol: config.tlsCertPath === null ? 'HTTP' : 'HTTPS', port },
  ];
  return oneServerSite(`idnode ${config.nodePrefix}`, { address, publicKey: { format: 'key', value: publicJwk }, interfaces });
}

/** A site of one server (id 1), primary, as Handle.net lists its own: version 1, protocol 2.11, serial number 1. */
export function oneServerSite(description: string, server: Readonly<Record<string, unknown>>): Site {
  return {
    version: 1,
    protocolVersion: '2.11',
    serialNumber: 1,
    primarySite: true,
    multiPrimary: false,
    attributes: [{ name: 'desc', value: description }],
    servers: [{ serverId: 1, ...server }],
  };
}

/**
 * Keeps an HS_SITE value equal to `site` on `0.NA/<node prefix>`: replaces the one there if it differs, or adds
 * one at the lowest free index from 1. Returns true when it wrote.
 */
export function publishSite(store: Store, nodePrefix: string, site: Site, rule: CaseRule, nowSeconds: number): boolean {
  const record = prefixRecordHandle(nodePrefix, rule);
  return store.writeNow(() => {
    const values = store.getRecord(record.key)?.values;
    if (values === undefined) return false;
    const existing = values.find((value) => isTypeOrSubtype(value.type, 'HS_SITE') && !isTypeOrSubtype(value.type, 'HS_SITE.PREFIX'));
    if (existing !== undefined && JSON.stringify(existing.data.value) === JSON.stringify(site)) return false;
    let index = existing?.index ?? 1;
    while (existing === undefined && values.some((value) => value.index === index)) index += 1;
    const value: HandleValue = {
      index,
      type: 'HS_SITE',
      data: { format: 'site', value: site },
      ttlType: 0,
      ttl: 86_400,
      timestamp: nowSeconds,
      permissions: '1110',
      references: [],
    };
    const next = [...values.filter((v) => v.index !== index), value].sort((a, b) => a.index - b.index);
    store.updateRecord(record.key, next, nowSeconds);
    return true;
  });
}
