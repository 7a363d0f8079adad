// What every answered request leaves behind, whoever answered it: its metric, its charge to the error budget, a log line for faults.

import type { IncomingMessage } from 'node:http';
import type { ErrorCode, IdnodeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { chargesErrorBudget } from '../ratelimit/error-budget.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { ClientAddressing } from './client-address.js';
import { isExemptTarget } from './routes.js';

export interface RequestAccounting {
  /**
   * Records a finished request: latency and status class under its route, and the answer charged to the client's
   * error budget when its status counts (chargesErrorBudget: 4xx but 409 and 429). Called by whoever knows the status
   * rather than from a per-request 'finish' listener, which measurably slowed the hot path.
   */
  finished(req: IncomingMessage, route: string, status: number, startedMs: number): void;
  /**
   * Counts an error answer by catalog code, and logs one that is the node's fault (5xx) with its cause; a 501 answers
   * a client's verb or a switched-off listing, not a fault.
   */
  failed(error: IdnodeError, route: string): void;
}

/**
 * 5xx answers that are no fault of this node and are not logged one by one: a client's verb or a switched-off listing
 * (501), and another node that cannot be reached or loops (the hierarchy counts those in its own metrics; one line
 * per request would flood the log for as long as that node is down).
 */
const QUIET_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['OPERATION_NOT_SUPPORTED', 'UNKNOWN_METHOD', 'NOT_TOP_LEVEL', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RECURSION_LIMIT']);

export function requestAccounting(metrics: Metrics, limits: RateLimits, clients: ClientAddressing, logger: Logger): RequestAccounting {
  return {
    finished(req, route, status, startedMs) {
      metrics.request(route, status, (performance.now() - startedMs) / 1000);
      if (chargesErrorBudget(status) && !isExemptTarget(req.url)) limits.chargeError(clients.bucket(req));
    },
    failed(error, route) {
      metrics.error(error.code);
      if (error.isServerError && !QUIET_CODES.has(error.code)) logger.error({ err: error.cause ?? error, code: error.code, route }, 'request failed');
    },
  };
}
