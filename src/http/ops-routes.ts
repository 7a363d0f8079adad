// Operator endpoints: Prometheus metrics (optionally restricted by address or token), liveness and readiness.

import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { IdnodeError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RouteHandlers } from './state.js';

export interface MetricsAccess {
  readonly token: string | null;
  readonly allow: readonly string[];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A check of who may scrape: by peer address (IDNODE_METRICS_ALLOW) and/or bearer token (IDNODE_METRICS_TOKEN). */
function metricsGuard(access: MetricsAccess): (address: string, authorization: string | undefined) => void {
  const allowed = new BlockList();
  for (const entry of access.allow) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) allowed.addAddress(address, family);
    else allowed.addSubnet(address, Number(bits), family);
  }
  const expected = access.token === null ? null : digest(access.token);
  return (address, authorization) => {
    if (access.allow.length > 0) {
      const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
      if (isIP(plain) === 0 || !allowed.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4')) {
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

/** The handlers of the operator routes. */
export function opsRoutes(metrics: Metrics, storeAnswers: () => boolean, access: MetricsAccess): RouteHandlers {
  const guard = metricsGuard(access);
  return {
    metrics: async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      guard(ctx.req.socket.remoteAddress ?? '', ctx.req.headers.authorization);
      const { contentType, body } = await metrics.exposition();
      ctx.set('Content-Type', contentType);
      ctx.body = body;
    },
    healthz: (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
    },
    readyz: (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      const ready = storeAnswers();
      ctx.status = ready ? 200 : 503;
      ctx.body = { status: ready ? 'ready' : 'store unavailable' };
    },
  };
}
