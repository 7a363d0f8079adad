// The resolve fast path: anonymous `GET /api/handles/<handle>` without a query, answered before Koa is entered.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { toIdnodeError } from '../errors.js';
import { parseHandle, type CaseRule } from '../identifier/handle.js';
import type { ResolveService } from '../resolve/resolve-service.js';
import { renderError, retryAfterOf, writeAnswer } from './answer.js';
import { decodePathTail } from './raw-target.js';
import type { RequestAccounting } from './request-accounting.js';
import { resolutionAnswer } from './resolution.js';
import { HANDLE_ROUTE } from './routes.js';

const NONE: readonly never[] = [];

/**
 * True when the request carries credentials, asks for recursion or declares a body, read from the raw header list: the
 * first use of `req.headers` builds an object of every header, a cost the fast path would pay on each request for four
 * names.
 */
function leavesFastPath(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length < 13 || name.length > 17 || name.length === 15) continue;
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'transfer-encoding' || lower === 'handle-recursive') return true;
    if (lower === 'content-length' && raw[i + 1] !== '0') return true;
  }
  return false;
}
const ROUTE = 'handles.get';

export interface FastResolveDeps {
  readonly resolve: ResolveService;
  readonly accounting: RequestAccounting;
  readonly rule: CaseRule;
}

/**
 * The resolve path is the product: the most common request — an anonymous resolution with no filters, no
 * credentials and no body — skips Koa, the router and body handling (measured: about a third of the CPU per cached
 * answer). It answers, errors included, with exactly the bytes and headers the Koa route would, so a request it takes
 * is resolved once. Anything else returns false and goes through Koa unchanged.
 */
export function fastResolve(deps: FastResolveDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { resolve, accounting, rule } = deps;
  return (req, res) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith(HANDLE_ROUTE) || url.includes('?')) return false;
    // A GET declaring a body goes through Koa, which closes the connection rather than read that body; so does one
    // asking for recursion (Handle-Recursive), which may wait for other nodes.
    if (leavesFastPath(req.rawHeaders)) return false;
    const started = performance.now();
    let text: string | undefined;
    let status: number;
    try {
      text = decodePathTail(url, HANDLE_ROUTE);
      const result = resolve.resolve({ handle: parseHandle(text, rule), indexes: NONE, types: NONE, publicOnly: undefined, identity: null });
      const answer = resolutionAnswer(result, text);
      status = answer.status;
      writeAnswer(res, status, answer.body, { 'Cache-Control': `max-age=${answer.maxAgeSeconds ?? 0}` });
    } catch (thrown) {
      const error = toIdnodeError(thrown);
      accounting.failed(error, ROUTE);
      const answer = renderError(error, 'handle', text);
      status = answer.status;
      const retryAfter = retryAfterOf(error);
      writeAnswer(res, status, answer.body, retryAfter === undefined ? {} : { 'Retry-After': retryAfter });
    }
    accounting.finished(req, ROUTE, status, started);
    return true;
  };
}
