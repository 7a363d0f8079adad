// The ceiling: a bare node:http server answering idnode's benchmark paths with the same bytes from a Map.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { redirectPage } from '../src/pages/redirect-page.js';
import { encodeIriToUri } from '../src/proxy/location-header.js';
import { createdBody, ENTERPRISE_PREFIX_COUNT, handlePath, HANDLE_ROUTE, identifier, NODE_PREFIX, notFoundBody, proxyPath, resolvedBody } from './data-set.js';
import { BATCH_ROUTE, batchCreatedBody } from './snms-batch.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function positiveInteger(name: string): number {
  const raw = process.env[name] ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n <= 0) {
    process.stderr.write(`baseline: ${name} must be a positive integer (got ${JSON.stringify(raw)})\n`);
    process.exit(2);
  }
  return n;
}

const identifiers = positiveInteger('BENCH_IDENTIFIERS');
const port = positiveInteger('BENCH_PORT');

// Every seeded handle's path → the exact body idnode answers with, built from the same generator as the seed; with
// BENCH_PROXY=1 also its proxy path → the redirect idnode's resolver proxy answers (Location and the same HTML body).
// Above EAGER_LIMIT identifiers the Map would take minutes and gigabytes (10 M: ~2 min, > 6 GB): a body is then built
// on its first request from the identifier number the path names, and kept (see bodyOf); the proxy scenarios then
// have no baseline.
const EAGER_LIMIT = 2_000_000;
const started = performance.now();
const bodies = new Map<string, Buffer>();
const redirects = new Map<string, { readonly location: string; readonly body: Buffer }>();
const withProxy = process.env.BENCH_PROXY === '1';
if (identifiers <= EAGER_LIMIT) {
  for (let i = 0; i < identifiers; i += 1) {
    const { handle, values } = identifier(i);
    bodies.set(handlePath(handle), Buffer.from(resolvedBody(handle, values)));
    const url = values.find((value) => value.type === 'URL')?.data.value;
    if (withProxy && typeof url === 'string') {
      const location = encodeIriToUri(url);
      redirects.set(proxyPath(handle), { location, body: Buffer.from(redirectPage(location)) });
    }
  }
}
const LAZY_PATH = new RegExp(`^${HANDLE_ROUTE}${NODE_PREFIX.replace(/\./g, '\\.')}\\.(\\d+)/[A-Z]+-\\d{4}-(\\d+)$`);

/** The body of a seeded handle's path, or undefined. Identifier i is prefix i mod 100 + 1, serial ⌊i / 100⌋. */
function bodyOf(url: string): Buffer | undefined {
  const known = bodies.get(url);
  if (known !== undefined || identifiers <= EAGER_LIMIT) return known;
  const match = LAZY_PATH.exec(url);
  if (match === null) return undefined;
  const i = Number(match[2]) * ENTERPRISE_PREFIX_COUNT + Number(match[1]) - 1;
  if (!(i >= 0 && i < identifiers)) return undefined;
  const { handle, values } = identifier(i);
  if (handlePath(handle) !== url) return undefined;
  const body = Buffer.from(resolvedBody(handle, values));
  bodies.set(url, body);
  return body;
}
const HTML_TYPE = 'text/html; charset=utf-8';
const READY = Buffer.from('{"status":"ready"}');

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
  res.end(body);
}

/** The handle text of a path, decoded once as idnode does (the generated paths decode to themselves). */
function handleOf(url: string): string {
  try {
    return decodeURIComponent(url.slice(HANDLE_ROUTE.length));
  } catch {
    return url.slice(HANDLE_ROUTE.length);
  }
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const url = req.url ?? '/';
  if (req.method === 'GET') {
    const body = bodyOf(url);
    const redirect = body === undefined ? redirects.get(url) : undefined;
    if (body !== undefined) send(res, 200, body);
    else if (redirect !== undefined) {
      res.writeHead(302, { 'Content-Type': HTML_TYPE, Location: redirect.location, 'Content-Length': redirect.body.length });
      res.end(redirect.body);
    }
    else if (url.startsWith(HANDLE_ROUTE)) send(res, 404, Buffer.from(notFoundBody(handleOf(url))));
    else if (url === '/readyz') send(res, 200, READY);
    else send(res, 404, Buffer.alloc(0));
    return;
  }
  if (req.method === 'PUT' && url.startsWith(HANDLE_ROUTE)) {
    // Read the whole request body, as idnode must, then answer like a successful create.
    req.on('data', () => {});
    req.on('end', () => send(res, 201, Buffer.from(createdBody(handleOf(url)))));
    return;
  }
  if (req.method === 'POST' && url === BATCH_ROUTE) {
    // Read and parse the whole batch, as idnode must, then answer every item as created.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { handle: string }[];
      send(res, 200, Buffer.from(batchCreatedBody(items.map((item) => item.handle))));
    });
    return;
  }
  send(res, 405, Buffer.alloc(0));
});

server.listen(port, '127.0.0.1', () => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`baseline: ${identifiers > EAGER_LIMIT ? 'bodies built on first request' : `${bodies.size} bodies built`} in ${seconds} s, listening on 127.0.0.1:${port}\n`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
