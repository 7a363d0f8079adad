// Who may read /metrics (issue 17 item 8): by default loopback and private networks only; IDNODE_METRICS_ALLOW and
// IDNODE_METRICS_TOKEN replace that default with the operator's own rule.

import { createHash, timingSafeEqual } from 'node:crypto';
import { IdnodeError } from '../errors.js';
import { addressSet } from '../network/addresses.js';

/**
 * Served when neither IDNODE_METRICS_ALLOW nor IDNODE_METRICS_TOKEN is set: loopback, RFC 1918 and IPv6 unique local
 * addresses — where a Prometheus server scrapes from — so a node listening on 0.0.0.0 does not show the world its
 * traffic, store size and process details.
 */
export const DEFAULT_METRICS_ALLOW: readonly string[] = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

export interface MetricsAccess {
  readonly token: string | null;
  readonly allow: readonly string[];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The check of one scrape, by the client's address (behind a trusted proxy, the client it names) and Authorization
 * header. The addresses allowed: IDNODE_METRICS_ALLOW when set; any, when only IDNODE_METRICS_TOKEN is set (the token
 * guards it); else DEFAULT_METRICS_ALLOW. The token, when set, is needed from every address.
 * Throws INSUFFICIENT_PERMISSIONS (address) or AUTHENTICATION_NEEDED (token).
 */
export function metricsGuard(access: MetricsAccess): (address: string, authorization: string | undefined) => void {
  const list = access.allow.length > 0 ? access.allow : access.token === null ? DEFAULT_METRICS_ALLOW : [];
  const allowed = addressSet(list);
  const expected = access.token === null ? null : digest(access.token);
  return (address, authorization) => {
    if (list.length > 0) {
      if (!allowed(address)) {
        throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'metrics are not served to this address');
      }
    }
    // The scheme is case-insensitive (RFC 9110 §11.1). Compare digests so the comparison takes the same time
    // whatever the length of the guess (a token of at least 16 characters is not worth guessing).
    const token = authorization === undefined ? undefined : /^bearer[ \t]+(.*)$/is.exec(authorization)?.[1]?.trim();
    if (expected !== null && (token === undefined || !timingSafeEqual(digest(token), expected))) {
      throw new IdnodeError('AUTHENTICATION_NEEDED', 'metrics need Authorization: Bearer <IDNODE_METRICS_TOKEN>');
    }
  };
}
