// `/api/handles`: resolve, create/replace/add values, delete, and list a prefix's handles (reference §3.2–3.5).

import { Readable } from 'node:stream';
import { identityText } from '../auth/identity.js';
import { IdnodeError } from '../errors.js';
import { parseHandle, type CaseRule } from '../identifier/handle.js';
import type { PrefixService } from '../prefixes/prefix-service.js';
import type { RegisterService } from '../register/register-service.js';
import type { ResolveRequest, ResolveResult, ResolveService } from '../resolve/resolve-service.js';
import { textOf } from '../identifier/json-scalars.js';
import { checkBody, compileSchema, readJsonBody, readOptionalJsonObject } from './body.js';
import { requireIdentity } from './credentials.js';
import { sendHandleJson } from './handle-dialect.js';
import { flag, indexes, optionalInteger, strictFlag } from './query.js';
import { decodePathTail, MAX_QUERY_PARAMETERS, rawTarget } from './raw-target.js';
import { resolutionAnswer } from './resolution.js';
import { HANDLE_ROUTE } from './routes.js';
import type { NodeContext, RouteHandlers } from './state.js';

export interface HandlesRoutesDeps {
  readonly resolve: ResolveService;
  readonly register: RegisterService;
  readonly prefixes: PrefixService;
  readonly rule: CaseRule;
  readonly bodyLimitBytes: number;
  /** The client's address, recorded with each change in the audit log. */
  readonly addressOf: (req: NodeContext['req']) => string;
  /**
   * Resolution through the hierarchy (docs/hierarchy.md) for a request asking for recursion, from this node's own
   * answer and the recursion count the request came with; absent, recursion is not offered.
   */
  readonly recurse?: (request: ResolveRequest, local: ResolveResult, hops: number) => Promise<ResolveResult>;
}

/** `Handle-Recursive: true` (also 1, yes, or empty) asks for recursion, as `?recursive` does. */
export const RECURSIVE_HEADER = 'handle-recursive';
const RECURSION_COUNT_HEADER = 'handle-recursion-count';

/** The recursion count a request came with (`Handle-Recursion-Count`, 0 without). Throws BAD_REQUEST. */
function recursionCount(value: string | string[] | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) throw new IdnodeError('BAD_REQUEST', 'Handle-Recursion-Count must be a whole number below 1000');
  return Number(value);
}

const putBody = compileSchema('handle-put-body');

/** The values of a PUT body (array, `{values}` or one bare value); throws INVALID_BODY, MISMATCHED_HANDLE. */
const SHAPES = 'an array of values, {"values": [...]}, or one value with index, type and data';

function bodyValues(body: unknown, pathHandleKey: string | null, rule: CaseRule): readonly unknown[] {
  // The envelope's three shapes are told apart here so the message names the real problem; the schema then checks
  // the rest (a schema's anyOf would report only its first branch: "must be array").
  if (typeof body !== 'object' || body === null) throw new IdnodeError('INVALID_BODY', `body must be ${SHAPES}`);
  if (!Array.isArray(body)) {
    const envelope = body as Record<string, unknown>;
    if ('values' in envelope && !Array.isArray(envelope.values)) throw new IdnodeError('INVALID_BODY', 'body.values must be an array of values');
    // (A JSON integer is its digits, as Handle.net's getAsString reads it.)
    if ('values' in envelope && 'handle' in envelope && textOf(envelope.handle) === undefined) throw new IdnodeError('INVALID_BODY', 'body.handle must be a string');
    if (!('values' in envelope) && !('index' in envelope && 'type' in envelope && 'data' in envelope)) {
      throw new IdnodeError('INVALID_BODY', `body must be ${SHAPES}`);
    }
  }
  checkBody(putBody, body);
  if (Array.isArray(body)) return body;
  const object = body as Record<string, unknown>;
  if (!Array.isArray(object.values)) return [object];
  const named = textOf(object.handle);
  if (named !== undefined && pathHandleKey !== null) {
    let same = false;
    try {
      same = parseHandle(named, rule).key === pathHandleKey;
    } catch {
      same = false;
    }
    if (!same) throw new IdnodeError('MISMATCHED_HANDLE', `body handle "${named}" does not match the path`);
  }
  return object.values;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** The handlers of the `handles.*` routes. */
export function handlesRoutes(deps: HandlesRoutesDeps): RouteHandlers {
  const { rule } = deps;

  async function resolve(ctx: NodeContext): Promise<void> {
    const { path, query } = rawTarget(ctx.req.url ?? '/');
    const text = decodePathTail(path, HANDLE_ROUTE);
    ctx.state.echo = text;
    if (ctx.method === 'POST') await mergeBodyIntoQuery(ctx, query);
    const handle = parseHandle(text, rule);
    const wanted = indexes(query, false);
    const request: ResolveRequest = {
      handle,
      indexes: wanted === null || wanted === 'various' ? [] : wanted,
      types: query.getAll('type'),
      publicOnly: flag(query, 'publicOnly'),
      identity: ctx.state.identity,
      doNotRefer: flag(query, 'doNotRefer') === true,
    };
    const local = deps.resolve.resolve(request);
    const header = ctx.req.headers[RECURSIVE_HEADER];
    const recursive = flag(query, 'recursive') === true || (typeof header === 'string' && ['', '1', 'true', 'yes'].includes(header.toLowerCase()));
    const result = recursive && deps.recurse !== undefined ? await deps.recurse(request, local, recursionCount(ctx.req.headers[RECURSION_COUNT_HEADER])) : local;
    const answer = resolutionAnswer(result, text);
    // Anonymous answers may be cached downstream no longer than the record's smallest TTL; authenticated ones are no-store.
    if (answer.maxAgeSeconds !== null && ctx.state.identity === null) ctx.set('Cache-Control', `max-age=${answer.maxAgeSeconds}`);
    sendHandleJson(ctx, answer.status, answer.body);
  }

  /** Reads the JSON body; errors raised while parsing it carry no `handle` (reference §5). */
  async function readBodyUnechoed(ctx: NodeContext): Promise<unknown> {
    const echo = ctx.state.echo;
    ctx.state.echo = undefined;
    const body = await readJsonBody(ctx.req, ctx.res, deps.bodyLimitBytes);
    ctx.state.echo = echo;
    return body;
  }

  /**
   * A POST to a handle URL is a GET whose JSON body fields are extra query parameters (reference §3.1); a body that is
   * not JSON is ignored, as Handle.net ignores it. BAD_REQUEST past MAX_QUERY_PARAMETERS in all; INVALID_BODY for JSON
   * that is not an object.
   */
  async function mergeBodyIntoQuery(ctx: NodeContext, query: URLSearchParams): Promise<void> {
    const echo = ctx.state.echo;
    ctx.state.echo = undefined;
    const body = await readOptionalJsonObject(ctx.req, ctx.res, deps.bodyLimitBytes);
    ctx.state.echo = echo;
    if (body === null) return;
    // The body's fields are query parameters, so the same bound applies: an array of 100,000 types would otherwise
    // make one anonymous resolution compare every value of a record against each of them.
    let count = query.size;
    for (const [name, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (!['string', 'number', 'boolean'].includes(typeof item)) continue;
        count += 1;
        if (count > MAX_QUERY_PARAMETERS) throw new IdnodeError('BAD_REQUEST', `more than ${MAX_QUERY_PARAMETERS} query parameters (body fields included)`);
        query.append(name, String(item));
      }
    }
    // `pretty` and `callback` from the body shape the answer too.
    ctx.state.params = query;
  }

  /** `GET /api/handles?prefix=P` lists; a POST is the same GET with its JSON body fields as parameters (reference §3.1). */
  async function list(ctx: NodeContext): Promise<void> {
    const { query } = rawTarget(ctx.req.url ?? '/');
    if (ctx.method === 'POST') await mergeBodyIntoQuery(ctx, query);
    const prefix = query.get('prefix');
    // Handle.net: no prefix means the empty handle (HandleJsonRestApiServlet.emptyHandleError, issue 19).
    if (prefix === null) throw new IdnodeError('INVALID_HANDLE', 'Empty handle invalid');
    const paging = { page: optionalInteger(query, 'page'), pageSize: optionalInteger(query, 'pageSize') };
    const listing = deps.prefixes.listHandles(ctx.state.identity, prefix, paging);
    const head = `{"responseCode":1,"prefix":${quote(prefix)},"totalCount":${quote(String(listing.totalCount))}`;
    if (listing.page !== null && listing.paging !== null) {
      const { page, pageSize } = listing.paging;
      sendHandleJson(ctx, 200, `${head},"page":${page},"pageSize":${pageSize},"handles":${JSON.stringify(listing.page)}}`);
      return;
    }
    // The whole list is streamed in keyset chunks; `pretty` and `callback` do not apply to it.
    ctx.status = 200;
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = Readable.from(streamListing(head, deps.prefixes.streamHandles(prefix)));
  }

  async function put(ctx: NodeContext): Promise<void> {
    const { path, query } = rawTarget(ctx.req.url ?? '/');
    const text = decodePathTail(path, HANDLE_ROUTE);
    ctx.state.echo = text;
    const identity = requireIdentity(ctx);
    const mint = strictFlag(query, 'mintNewSuffix', false);
    const overwrite = strictFlag(query, 'overwrite', true);
    const wanted = indexes(query, true);
    const pathKey = mint ? null : parseHandle(text, rule).key;
    const body = await readBodyUnechoed(ctx);
    const values = bodyValues(body, pathKey, rule);
    const actor = { who: identityText(identity), from: deps.addressOf(ctx.req) };
    const result = await deps.register.put({ handleText: text, mint, identity, values, indexes: wanted, overwrite, actor });
    // Echo the handle as the caller spelled it (reference §1), also a slash-less `P` that wrote `0.NA/P`; only a
    // minted handle is new to the caller.
    const echo = mint ? result.handle : text;
    ctx.state.echo = echo;
    sendHandleJson(ctx, result.created ? 201 : 200, `{"responseCode":1,"handle":${quote(echo)}}`);
  }

  async function remove(ctx: NodeContext): Promise<void> {
    const { path, query } = rawTarget(ctx.req.url ?? '/');
    const text = decodePathTail(path, HANDLE_ROUTE);
    ctx.state.echo = text;
    const identity = requireIdentity(ctx);
    const wanted = indexes(query, false);
    const handle = parseHandle(text, rule);
    const actor = { who: identityText(identity), from: deps.addressOf(ctx.req) };
    await deps.register.delete({ handle, identity, indexes: wanted === 'various' ? null : wanted, actor });
    sendHandleJson(ctx, 200, `{"responseCode":1,"handle":${quote(text)}}`);
  }

  return { 'handles.list': list, 'handles.get': resolve, 'handles.put': put, 'handles.delete': remove };
}

async function* streamListing(head: string, handles: AsyncGenerator<string>): AsyncGenerator<string> {
  let chunk = `${head},"handles":[`;
  let first = true;
  for await (const handle of handles) {
    chunk += (first ? '' : ',') + JSON.stringify(handle);
    first = false;
    if (chunk.length > 16_384) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}]}`;
}
