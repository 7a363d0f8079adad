// Request bodies: content type, a size limit enforced before reading, UTF-8 JSON, and the JSON Schemas in schema/.

import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import { IdnodeError } from '../errors.js';
import { compileSchemaFile, type Validator } from '../validation/json-schema.js';
import { declaresBody } from './rate-limit-gate.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A compiled JSON Schema from schema/<name>.schema.json. */
export function compileSchema(name: string): Validator {
  return compileSchemaFile(name);
}

/** Deepest JSON nesting accepted: far above any valid body (a site value is 5 levels), far below stack limits. */
export const MAX_NESTING = 32;

/** The deepest `[`/`{` nesting in JSON text, ignoring brackets inside strings; linear, no recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}

/**
 * True for `application/json` with any parameters, and for nothing else — not the `+json` types either (for
 * example `application/json-patch+json` and `application/merge-patch+json` mean a patch document).
 */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

/** The test Node applies before it hands a request to 'checkContinue' (HTTP/1.1, `100-continue` among the tokens). */
function expectsContinue(req: IncomingMessage): boolean {
  const expect = req.headers.expect;
  return expect !== undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && /(?:^|\W)100-continue(?:$|\W)/i.test(expect);
}

export interface JsonBodyOptions {
  /**
   * Also read a body sent without Content-Type as JSON (the SNMS routes: one Java client sends its login without it,
   * snms-v5-api.md §10.1). Another declared type is still refused.
   */
  readonly untypedIsJson?: boolean;
}

/**
 * Reads and parses a JSON body of at most `limitBytes`. A declared Content-Length over the limit is refused
 * before anything is read, and a chunked body stops at the limit. A request without a body is never refused for its
 * content type (issue 10: axios sends a form type on a body-less POST): it is INVALID_JSON, as an empty JSON body is.
 * Throws UNSUPPORTED_MEDIA_TYPE, BODY_TOO_LARGE, INVALID_JSON or BAD_REQUEST.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limitBytes: number, options: JsonBodyOptions = {}): Promise<unknown> {
  if (!declaresBody(req)) throw new IdnodeError('INVALID_JSON', 'request body is empty');
  const type = req.headers['content-type'];
  if (!isJson(type) && !(options.untypedIsJson === true && type === undefined)) throw new IdnodeError('UNSUPPORTED_MEDIA_TYPE');
  return parseJson(await readBodyText(req, res, limitBytes));
}

/** The UTF-8 text of a JSON body (see readJsonBody). */
async function readJsonText(req: IncomingMessage, res: ServerResponse, limitBytes: number): Promise<string> {
  if (!isJson(req.headers['content-type'])) throw new IdnodeError('UNSUPPORTED_MEDIA_TYPE');
  return readBodyText(req, res, limitBytes);
}

/** Reads an `application/x-www-form-urlencoded` body (the console's forms). Throws UNSUPPORTED_MEDIA_TYPE, BODY_TOO_LARGE, INVALID_BODY, BAD_REQUEST. */
export async function readFormBody(req: IncomingMessage, res: ServerResponse, limitBytes: number): Promise<URLSearchParams> {
  const type = req.headers['content-type'];
  if (type?.split(';', 1)[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') throw new IdnodeError('UNSUPPORTED_MEDIA_TYPE', 'a form must be application/x-www-form-urlencoded');
  const text = await readBodyText(req, res, limitBytes);
  try {
    // URLSearchParams replaces malformed escapes silently; a form whose bytes are not UTF-8 was refused above.
    decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new IdnodeError('INVALID_BODY', 'the form is not valid percent-encoding');
  }
  return new URLSearchParams(text);
}

/** The body as UTF-8 text, at most `limitBytes`. Throws BODY_TOO_LARGE, INVALID_JSON (not UTF-8), BAD_REQUEST. */
async function readBodyText(req: IncomingMessage, res: ServerResponse, limitBytes: number): Promise<string> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && !['', 'identity'].includes(encoding.trim().toLowerCase())) {
    throw new IdnodeError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding.slice(0, 32)} is not supported; send the body uncompressed`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) throw new IdnodeError('BODY_TOO_LARGE', `request body is larger than ${limitBytes} bytes`);
  // A client that asked to be told before sending the body (Expect: 100-continue) is told only now, when the body
  // is wanted: requests refused earlier (401, 403, 413, 415, 429…) are answered without its body ever being sent.
  if (expectsContinue(req) && !res.headersSent) res.writeContinue();
  let raw: Buffer;
  try {
    raw = await getRawBody(req, { limit: limitBytes, length: declared === undefined ? null : Number(declared) });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') throw new IdnodeError('BODY_TOO_LARGE', `request body is larger than ${limitBytes} bytes`);
    throw new IdnodeError('BAD_REQUEST', 'request body could not be read', { cause: error });
  }
  try {
    return utf8.decode(raw);
  } catch {
    throw new IdnodeError('INVALID_JSON', 'request body is not valid UTF-8');
  }
}

function parseJson(text: string): unknown {
  if (nestingDepth(text) > MAX_NESTING) throw new IdnodeError('INVALID_JSON', `request body is nested deeper than ${MAX_NESTING} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new IdnodeError('INVALID_JSON', `request body is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * An optional JSON object body, as Handle.net reads one where a body only adds parameters (POST resolutions, the
 * sessions API; `hasJsonEntity`, BaseHandleRequestProcessingServlet line 289): null when there is no body or it is
 * not `application/json` (ignored, never refused); otherwise it must be a JSON object. Throws as readJsonBody does,
 * and INVALID_BODY for JSON that is not an object.
 */
export async function readOptionalJsonObject(req: IncomingMessage, res: ServerResponse, limitBytes: number): Promise<Record<string, unknown> | null> {
  if (!declaresBody(req) || !isJson(req.headers['content-type'])) return null;
  const text = await readJsonText(req, res, limitBytes);
  // An empty entity adds no parameters (JsonParameterServletReq line 37).
  if (text === '') return null;
  const body = parseJson(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new IdnodeError('INVALID_BODY', 'body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Throws INVALID_BODY naming the first failing field when `data` does not satisfy `schema`. */
export function checkBody(schema: Validator, data: unknown): void {
  if (schema(data)) return;
  const first = schema.errors?.[0];
  const where = first?.instancePath === undefined || first.instancePath === '' ? 'body' : `body${first.instancePath}`;
  throw new IdnodeError('INVALID_BODY', `${where} ${first?.message ?? 'has the wrong shape'}`);
}
