// The SNMS dialect's parts shared by its routes: the success envelope, query parameters, bodies, the caller, paging.

import { IdnodeError } from '../errors.js';
import type { Caller } from '../accounts/account-service.js';
import { JSON_TYPE } from './answer.js';
import { readJsonBody } from './body.js';
import { parseShanghaiTime } from '../snms/time.js';
import { requireValid, type Validator } from '../validation/json-schema.js';
import { rawTarget } from './raw-target.js';
import type { NodeContext } from './state.js';

/** Sends `{"status":1,"message":"success","data":…}` with HTTP 200; never cached (answers depend on the caller). */
export function sendEnvelope(ctx: NodeContext, data: unknown): void {
  ctx.status = 200;
  ctx.set('Content-Type', JSON_TYPE);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `{"status":1,"message":"success","data":${JSON.stringify(data ?? null)}}`;
}

/** The query of the request (raw target, so a `+` stays a `+` only where the client encoded it). */
export function queryOf(ctx: NodeContext): URLSearchParams {
  return rawTarget(ctx.req.url ?? '/').query;
}

/** A required query parameter; MISSING_PARAMETER (`缺少必要的请求参数: <name>`, §2) when absent or empty. */
export function requiredParam(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === '') throw new IdnodeError('MISSING_PARAMETER', `缺少必要的请求参数: ${name}`);
  return value;
}

/** An optional query parameter; null when absent or empty. */
export function optionalParam(query: URLSearchParams, name: string): string | null {
  const value = query.get(name);
  return value === null || value === '' ? null : value;
}

/** A JSON body, also when sent without Content-Type (§10.1); throws UNSUPPORTED_MEDIA_TYPE, BODY_TOO_LARGE, INVALID_JSON. */
export function readSnmsBody(ctx: NodeContext, limitBytes: number): Promise<unknown> {
  return readJsonBody(ctx.req, ctx.res, limitBytes, { untypedIsJson: true });
}

/**
 * The authenticated caller. No token → AUTHENTICATION_NEEDED (status -1: the client logs in again); a token sent over a
 * transport where credentials do not count → INSUFFICIENT_PERMISSIONS (-3), as Handle credentials are.
 */
export function requireCaller(ctx: NodeContext): Caller {
  const caller = ctx.state.caller;
  if (caller !== null) return caller;
  if (ctx.req.headers.authorization !== undefined && !ctx.state.trustedTransport) {
    throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'credentials count only over TLS, from loopback or from a trusted TLS-terminating proxy');
  }
  throw new IdnodeError('AUTHENTICATION_NEEDED', '未登录或登录已过期 (a bearer token is needed)');
}

/** A field that must be an object with string keys; MISSING_PARAMETER when absent, INVALID_BODY otherwise. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new IdnodeError('INVALID_BODY', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

export interface PageRequest {
  /** From 1 (idnode choice, snms-v5-api.md §6.2). */
  readonly page: number;
  readonly size: number;
}

const MAX_PAGE_SIZE = 100;

/** `currentPage` (default 1) and `pageSize` (default 10, at most 100) of a listing; BAD_REQUEST when not integers in range. */
export function pageOf(query: URLSearchParams): PageRequest {
  const number = (name: string, fallback: number, max: number): number => {
    const raw = optionalParam(query, name);
    if (raw === null) return fallback;
    if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new IdnodeError('BAD_REQUEST', `${name} must be an integer from 1 to ${max}`);
    return Number(raw);
  };
  return { page: number('currentPage', 1, 1_000_000), size: number('pageSize', 10, MAX_PAGE_SIZE) };
}

/** A Spring-style page (§6.2): numbers count from 1, `first` is page 1. */
export function springPage(content: readonly unknown[], total: number, request: PageRequest): Record<string, unknown> {
  const totalPages = Math.ceil(total / request.size);
  return {
    first: request.page === 1,
    last: request.page >= totalPages,
    totalPages,
    totalElements: total,
    number: request.page,
    size: request.size,
    sort: null,
    numberOfElements: content.length,
    content,
  };
}

/** An optional time parameter (`yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd`, Asia/Shanghai) as Unix ms; BAD_REQUEST when malformed. */
export function timeParam(query: URLSearchParams, name: string, endOfDay = false): number | null {
  const raw = optionalParam(query, name);
  return raw === null ? null : parseShanghaiTime(raw, name, endOfDay);
}

/** Checks an SNMS body against a schema (see requireValid): MISSING_PARAMETER or INVALID_BODY naming the field. */
export function checkSnmsBody(schema: Validator, data: unknown): void {
  requireValid(schema, data);
}
