// Whether a request's credentials may count: TLS, loopback, or a trusted TLS-terminating proxy (reference §8.4).

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** Builds the check from IDNODE_TRUSTED_PROXIES entries (addresses or CIDR blocks, already validated). */
export function transportTrust(trustedProxies: readonly string[], trustLoopback = true): (req: IncomingMessage) => boolean {
  const proxies = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(bits), family);
  }
  const anyProxy = trustedProxies.length > 0;
  return (req) => {
    if ((req.socket as TLSSocket).encrypted === true) return true;
    const address = plainAddress(req.socket.remoteAddress ?? '');
    if (trustLoopback && isLoopback(address)) return true;
    if (!anyProxy || !proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) return false;
    // Every hop must say https: a proxy that appends (`https, http`) keeps whatever the client sent in front, so
    // neither the first nor any single value can be trusted alone.
    const forwarded = req.headers['x-forwarded-proto'];
    if (forwarded === undefined) return false;
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',');
    return hops.every((hop) => hop.trim().toLowerCase() === 'https');
  };
}
