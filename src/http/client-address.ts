// The address a request comes from, for the audit log: the peer, or behind trusted proxies the first hop they did not add.

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** A hop of X-Forwarded-For without the port some proxies add. */
function hopAddress(hop: string): string {
  if (hop.startsWith('[')) return hop.slice(1, hop.indexOf(']') >>> 0);
  const colon = hop.indexOf(':');
  return colon > 0 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}

/**
 * Builds the lookup from IDNODE_TRUSTED_PROXIES (validated addresses and CIDR blocks). X-Forwarded-For is read only
 * when the peer is a trusted proxy, from the right, skipping trusted proxies: a client cannot choose what is recorded.
 */
export function clientAddress(trustedProxies: readonly string[]): (req: IncomingMessage) => string {
  const proxies = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(bits), family);
  }
  const trusted = (address: string): boolean => trustedProxies.length > 0 && isIP(address) !== 0 && proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return (req) => {
    let address = plain(req.socket.remoteAddress ?? '');
    if (!trusted(address)) return address;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => hop.trim());
    for (let i = hops.length - 1; i >= 0; i -= 1) {
      const hop = plain(hopAddress(hops[i] ?? ''));
      if (isIP(hop) === 0) break;
      address = hop;
      if (!trusted(hop)) break;
    }
    return address;
  };
}
