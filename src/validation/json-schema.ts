// JSON Schema validation (ajv, imported only here): the request-body schemas in schema/ and schemas built at run time.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

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

function wrap(validate: ValidateFunction): Validator {
  const check = ((data: unknown) => validate(data)) as Validator;
  Object.defineProperty(check, 'errors', {
    get: (): readonly SchemaError[] =>
      (validate.errors ?? []).map((error: ErrorObject) => ({
        instancePath: error.instancePath,
        keyword: error.keyword,
        params: error.params as Record<string, unknown>,
        message: error.message ?? 'is invalid',
        schemaPath: error.schemaPath,
      })),
  });
  return check;
}

/** Compiles schema/<name>.schema.json. */
export function compileSchemaFile(name: string): Validator {
  return wrap(ajv.compile(JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8')) as object));
}

/**
 * Compiles a schema object made at run time (a data template). Each compile is a new function: callers compile once
 * and keep the result. The schema is not added to ajv's registry, so compiling many never accumulates.
 */
export function compileSchemaObject(schema: object): Validator {
  return wrap(new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, addUsedSchema: false }).compile(schema));
}
