// Whether a request's credentials may count: TLS, loopback, or a trusted TLS-terminating proxy (reference §8.4).

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { addressSet, isLoopback } from '../network/addresses.js';

/** Builds the check from IDNODE_TRUSTED_PROXIES entries (addresses or CIDR blocks, already validated). */
export function transportTrust(trustedProxies: readonly string[], trustLoopback = true): (req: IncomingMessage) => boolean {
  const isTrustedProxy = addressSet(trustedProxies);
  return (req) => {
    if ((req.socket as TLSSocket).encrypted === true) return true;
    const address = req.socket.remoteAddress ?? '';
    if (trustLoopback && isLoopback(address)) return true;
    if (!isTrustedProxy(address)) return false;
    // Every hop must say https: a proxy that appends (`https, http`) keeps whatever the client sent in front, so
    // neither the first nor any single value can be trusted alone.
    const forwarded = req.headers['x-forwarded-proto'];
    if (forwarded === undefined) return false;
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',');
    return hops.every((hop) => hop.trim().toLowerCase() === 'https');
  };
}
