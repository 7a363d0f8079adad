// JSON Schema validation (ajv, imported only here): the request-body schemas in schema/ and schemas built at run time.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { IdnodeError } from '../errors.js';

const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

/** One failure of a validation: where (a JSON pointer into the data), which rule, its parameters and ajv's text. */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message: string;
  /** The pointer of the failing rule in the schema, e.g. `#/properties/value/items/allOf/0/...`. */
  readonly schemaPath: string;
}

/** A compiled schema: true when `data` conforms; otherwise `errors` holds the first failure. */
export interface Validator {
  (data: unknown): boolean;
  readonly errors: readonly SchemaError[];
}

function wrap(compile: () => ValidateFunction): Validator {
  let validate: ValidateFunction | null = null;
  const check = ((data: unknown) => (validate ??= compile())(data)) as Validator;
  Object.defineProperty(check, 'errors', {
    get: (): readonly SchemaError[] =>
      (validate?.errors ?? []).map((error: ErrorObject) => ({
        instancePath: error.instancePath,
        keyword: error.keyword,
        params: error.params as Record<string, unknown>,
        message: error.message ?? 'is invalid',
        schemaPath: error.schemaPath,
      })),
  });
  return check;
}

const files = new Map<string, Validator>();

/**
 * The validator of schema/<name>.schema.json, one per name. It is compiled on its first use, not when a module
 * asks for it at load: compiling every schema costs the node's start more than a second on a loaded machine.
 */
export function compileSchemaFile(name: string): Validator {
  let validator = files.get(name);
  if (validator === undefined) {
    validator = wrap(() => ajv.compile(JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8')) as object));
    files.set(name, validator);
  }
  return validator;
}

/**
 * Compiles a schema object made at run time (a data template). Each compile is a new function: callers compile once
 * and keep the result. The schema is not added to ajv's registry, so compiling many never accumulates.
 */
export function compileSchemaObject(schema: object): Validator {
  const validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, addUsedSchema: false }).compile(schema);
  return wrap(() => validate);
}

/** A JSON pointer as the field path people read: `/value/3/index` → `value[3].index`. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
}

/**
 * Checks a request body of the SNMS API: a missing required field is MISSING_PARAMETER naming it by its path
 * (`缺少必要的请求参数: entBasicInfo.orgName`, snms-v5-api.md §2), anything else INVALID_BODY naming the field and rule.
 */
export function requireValid(schema: Validator, data: unknown, where = ''): void {
  if (schema(data)) return;
  const first = schema.errors[0];
  const path = [where, fieldPath(first?.instancePath ?? '')].filter((part) => part !== '').join('.').replace(/\.\[/g, '[');
  if (first?.keyword === 'required') {
    const missing = String(first.params.missingProperty ?? '');
    throw new IdnodeError('MISSING_PARAMETER', `缺少必要的请求参数: ${path === '' ? missing : `${path}.${missing}`}`);
  }
  throw new IdnodeError('INVALID_BODY', `${path === '' ? 'body' : path} ${first?.message ?? 'has the wrong shape'}`);
}
