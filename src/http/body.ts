// Request bodies: content type, a size limit enforced before reading, UTF-8 JSON, and the JSON Schemas in schema/.

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import getRawBody from 'raw-body';
import { IdnodeError } from '../errors.js';

const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

/** A compiled JSON Schema from schema/<name>.schema.json. */
export function compileSchema(name: string): ValidateFunction {
  return ajv.compile(JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8')) as object);
}

/** True for `application/json` with any parameters (and `+json` types). */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mime = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/**
 * Reads and parses a JSON body of at most `limitBytes`. A declared Content-Length over the limit is refused
 * before anything is read, and a chunked body stops at the limit. Throws UNSUPPORTED_MEDIA_TYPE,
 * BODY_TOO_LARGE, INVALID_JSON or BAD_REQUEST.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  if (!isJson(req.headers['content-type'])) throw new IdnodeError('UNSUPPORTED_MEDIA_TYPE');
  const declared = req.headers['content-length'];
  let raw: Buffer;
  try {
    raw = await getRawBody(req, { limit: limitBytes, length: declared === undefined ? null : Number(declared) });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') throw new IdnodeError('BODY_TOO_LARGE', `request body is larger than ${limitBytes} bytes`);
    throw new IdnodeError('BAD_REQUEST', 'request body could not be read', { cause: error });
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new IdnodeError('INVALID_JSON', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new IdnodeError('INVALID_JSON', `request body is not valid JSON (${(error as Error).message})`);
  }
}

/** Throws INVALID_BODY naming the first failing field when `data` does not satisfy `schema`. */
export function checkBody(schema: ValidateFunction, data: unknown): void {
  if (schema(data)) return;
  const first = schema.errors?.[0];
  const where = first?.instancePath === undefined || first.instancePath === '' ? 'body' : `body${first.instancePath}`;
  throw new IdnodeError('INVALID_BODY', `${where} ${first?.message ?? 'has the wrong shape'}`);
}
