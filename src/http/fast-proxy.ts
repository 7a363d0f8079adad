// The resolver proxy's fast path: GET and HEAD of a proxy path answered before Koa, as the resolve fast path does.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeAnswer } from './answer.js';
import { needsRemote, type ProxyOutcome } from './proxy-answer.js';
import { declaresBody } from './rate-limit-gate.js';
import type { RequestAccounting } from './request-accounting.js';
import { PROXY_PATH } from './routes.js';

const ROUTE = 'proxy';

/**
 * Every GET or HEAD of a proxy path (routes.ts PROXY_PATH) without a body is answered here: the proxy is anonymous
 * (credentials are never read — only public values are shown), so nothing Koa's middleware does applies. The answer
 * is the Koa route's, byte for byte (both use proxy-answer.ts). Anything else — and a handle whose prefix is served
 * elsewhere — returns false and goes through Koa.
 */
export function fastProxy(answer: (req: IncomingMessage) => ProxyOutcome, accounting: RequestAccounting): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || url === undefined || !PROXY_PATH.test(url)) return false;
    // A GET declaring a body goes through Koa, which closes the connection rather than read that body.
    if (declaresBody(req)) return false;
    const started = performance.now();
    const outcome = answer(req);
    // A handle served elsewhere is asked of the hierarchy, which waits for other nodes: the Koa route does that.
    if (needsRemote(outcome)) return false;
    const { status, headers, body, error } = outcome;
    writeAnswer(res, status, body, headers);
    if (error !== null) accounting.failed(error, ROUTE);
    accounting.finished(req, ROUTE, status, started);
    return true;
  };
}
