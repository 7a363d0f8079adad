// Which answers spend a client network's error budget (issue 17 item 3): probes and malformed requests, not races.

/**
 * True when an answer with `status` is charged to the client network's error budget
 * (IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT). The rule, by status alone:
 * - charged: every 4xx but 409 and 429 — 404 (unknown handle or route: the random-suffix flood), 401 (missing or
 *   failed credentials), 400/413/415/431/408 (malformed requests), 403 and 405 (probing what one may not do);
 * - not charged: 409 (HANDLE_ALREADY_EXISTS, VALUE_ALREADY_EXISTS — the correct answer to a valid request that lost a
 *   race, e.g. 100 parallel `overwrite=false` PUTs of one handle), 429 (already a refusal), every 5xx (the node's own
 *   trouble — a full or busy store, a verb it does not implement — is no reason to refuse the client), 1xx–3xx.
 */
export function chargesErrorBudget(status: number): boolean {
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}
