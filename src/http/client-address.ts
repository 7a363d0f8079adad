// Who is asking: the client behind an HTTP request — the peer, or behind a trusted proxy the address it names.

import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { addressSet, clientNetwork } from '../network/addresses.js';

/** An X-Forwarded-For hop without the port some proxies add (`203.0.113.7:5123`, `[2001:db8::1]:5123`). */
function hopAddress(hop: string): string {
  if (hop.startsWith('[')) return hop.slice(1, hop.indexOf(']') >>> 0);
  const colon = hop.indexOf(':');
  return colon > 0 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}

export interface ClientAddressing {
  /** True when the peer is one of IDNODE_TRUSTED_PROXIES. */
  readonly isTrustedProxy: (address: string) => boolean;
  /**
   * The client's address. Only a trusted proxy's X-Forwarded-For is read, from the right, skipping trusted proxies;
   * a client cannot pick its own address by forging the header.
   */
  address(req: IncomingMessage): string;
  /** The client's network (/24, /64): the key of rate limits and failed logins. */
  network(req: IncomingMessage): string;
  /** The client's rate-limit bucket (`bucketOf` its network), remembered per connection when no proxy is between. */
  bucket(req: IncomingMessage): number;
}

/** Client addressing for IDNODE_TRUSTED_PROXIES; `bucketOf` maps a network to its rate-limit bucket. */
export function clientAddressing(trustedProxies: readonly string[], bucketOf: (network: string) => number): ClientAddressing {
  const isTrustedProxy = addressSet(trustedProxies);
  // A connection's peer never changes: its bucket is remembered (not behind a proxy, whose header varies per request).
  const socketBuckets = new WeakMap<object, number>();

  function forwardedClient(req: IncomingMessage, proxy: string): string {
    let address = proxy;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => hop.trim());
    for (let i = hops.length - 1; i >= 0; i -= 1) {
      const hop = hopAddress(hops[i] ?? '');
      if (isIP(hop) === 0) break;
      address = hop;
      if (!isTrustedProxy(hop)) break;
    }
    return address;
  }

  function address(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? '';
    return isTrustedProxy(peer) ? forwardedClient(req, peer) : peer;
  }

  return {
    isTrustedProxy,
    address,
    network: (req) => clientNetwork(address(req)),
    bucket(req) {
      const known = socketBuckets.get(req.socket);
      if (known !== undefined) return known;
      const peer = req.socket.remoteAddress ?? '';
      if (isTrustedProxy(peer)) return bucketOf(clientNetwork(forwardedClient(req, peer)));
      const bucket = bucketOf(clientNetwork(peer));
      socketBuckets.set(req.socket, bucket);
      return bucket;
    },
  };
}
