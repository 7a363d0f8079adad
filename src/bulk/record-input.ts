// One imported record `{handle, values}` checked by the rules a PUT through the API is checked by, into its stored form.

import { isSecretHash } from '../auth/secret-hash.js';
import { IdnodeError } from '../errors.js';
import { checkNotNamespace, parseHandle, prefixKeyOf, prefixOfPrefixRecord, type CaseRule, type Handle } from '../identifier/handle.js';
import { encodeRecord } from '../identifier/record-encoding.js';
import { isSecretKeyType, parseValueList, type HandleValue } from '../identifier/value.js';
import type { BulkRecord } from '../store/bulk-tables.js';

/** The timestamp form the output form writes (src/identifier/value-json.ts): whole seconds, UTC. */
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A record checked and encoded; `secrets` marks one whose HS_SECKEY values must be hashed before it is stored. */
export interface CheckedRecord {
  readonly record: BulkRecord;
  readonly values: HandleValue[];
  readonly secrets: boolean;
}

/**
 * The value a file gives a value's `timestamp` (the output form's ISO seconds), kept as it is so that an export
 * imports back byte for byte; absent: `nowSeconds`, as the API stamps it. Throws INVALID_VALUE.
 */
function timestampOf(input: unknown, field: string, nowSeconds: number): number {
  const given = (input as { timestamp?: unknown }).timestamp;
  if (given === undefined) return nowSeconds;
  // Most values of a file share a few timestamps: the last one read is remembered.
  if (given === lastTimestamp.text) return lastTimestamp.seconds;
  const seconds = typeof given === 'string' && ISO_SECONDS.test(given) ? Date.parse(given) / 1000 : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new IdnodeError('INVALID_VALUE', `${field}.timestamp must be an ISO-8601 time in whole seconds, e.g. 2026-01-15T08:00:00Z`);
  lastTimestamp = { text: given as string, seconds };
  return seconds;
}

let lastTimestamp = { text: '', seconds: 0 };

/** An input record whose handle was read: what the prefix check needs, and the values still to check. */
export interface HandleChecked {
  readonly handle: Handle;
  /** The prefix a prefix record 0.NA/P homes (P), or null for any other handle (its prefix must be homed). */
  readonly derived: string | null;
  readonly inputs: unknown[];
}

/** The record's shape and handle (the checks before the prefix check). Throws INVALID_BODY, INVALID_HANDLE. */
export function checkHandle(input: unknown, rule: CaseRule): HandleChecked {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new IdnodeError('INVALID_BODY', 'a record must be an object {"handle": …, "values": […]}');
  const { handle: handleText, values: inputs } = input as { handle?: unknown; values?: unknown };
  if (typeof handleText !== 'string') throw new IdnodeError('INVALID_HANDLE', 'handle must be a string');
  if (!Array.isArray(inputs)) throw new IdnodeError('INVALID_BODY', 'values must be an array');
  const handle = parseHandle(handleText, rule);
  const derived = prefixOfPrefixRecord(handle);
  if (derived !== null) checkNotNamespace(derived);
  return { handle, derived, inputs };
}

/** The error of a record whose prefix does not live here. */
export function notHomed(prefix: string): IdnodeError {
  return new IdnodeError('PREFIX_NOT_HOMED', `prefix ${prefix} does not live here`);
}

/**
 * The values of a record whose handle and prefix passed, by the API's own parser (parseValueList), into the stored
 * form. Throws INVALID_VALUE, TOO_MANY_VALUES, VALUE_ALREADY_EXISTS.
 */
export function checkValues(checked: HandleChecked, nowSeconds: number, rule: CaseRule): CheckedRecord {
  const { handle, derived, inputs } = checked;
  const parsed = parseValueList(inputs, nowSeconds, rule);
  let secrets = false;
  const values = parsed.map((value, i) => {
    if (isSecretKeyType(value.type) && value.data.format === 'string' && !isSecretHash(value.data.value)) secrets = true;
    const timestamp = timestampOf(inputs[i], `values[${i}]`, nowSeconds);
    return timestamp === value.timestamp ? value : { ...value, timestamp };
  });
  const slash = handle.key.indexOf('/');
  const record: BulkRecord = {
    prefixKey: handle.prefixKey,
    suffixKey: handle.key.slice(slash + 1),
    spelling: handle.display === handle.key ? null : handle.display,
    record: secrets ? '' : encodeRecord(values),
    ...(derived === null ? {} : { homes: { prefixKey: prefixKeyOf(derived), prefix: derived } }),
  };
  return { record, values, secrets };
}

/**
 * Checks one input record: the handle and its values by the API's own parsers (parseHandle, parseValueList), and that
 * its prefix lives here — homed (`homed`, prefix keys) or a prefix record 0.NA/P, which homes P like a PUT of it does.
 * Throws the API's catalog error: INVALID_HANDLE, INVALID_VALUE, TOO_MANY_VALUES, VALUE_ALREADY_EXISTS, PREFIX_NOT_HOMED.
 */
export function checkRecord(input: unknown, homed: ReadonlySet<string>, nowSeconds: number, rule: CaseRule): CheckedRecord {
  const checked = checkHandle(input, rule);
  if (checked.derived === null && !homed.has(checked.handle.prefixKey)) throw notHomed(checked.handle.prefix);
  return checkValues(checked, nowSeconds, rule);
}

/** The record with its plain HS_SECKEY secrets replaced by `hash(secret)`, as the register service stores them. */
export async function withHashedSecrets(checked: CheckedRecord, hash: (secret: string) => Promise<string>): Promise<BulkRecord> {
  const values = await Promise.all(
    checked.values.map(async (value) => {
      if (!isSecretKeyType(value.type) || value.data.format !== 'string' || isSecretHash(value.data.value)) return value;
      return { ...value, data: { format: 'string' as const, value: await hash(value.data.value) } };
    }),
  );
  return { ...checked.record, record: encodeRecord(values) };
}
