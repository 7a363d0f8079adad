// Handle syntax, the one canonical form (storage, cache, authorization and rate-limit key) and prefix ancestry.

import { IdnodeError } from '../errors.js';

/** Reference §1, idnode choice: limits in characters (Unicode code points). */
export const MAX_HANDLE_CHARS = 255;
export const MAX_PREFIX_CHARS = 64;
/** The prefix under which prefix records live: the record of prefix P is `0.NA/P`. */
export const PREFIX_NAMESPACE = '0.NA';

export interface CaseRule {
  /** false (default, as on Handle.net): the whole handle is compared ASCII-case-insensitively. */
  readonly suffixCaseSensitive: boolean;
}

export interface Handle {
  /** The spelling the caller used, kept for display. */
  readonly display: string;
  /** The canonical key: the one value every layer compares. */
  readonly key: string;
  readonly prefix: string;
  readonly prefixKey: string;
  readonly suffix: string;
}

// Control characters (C0, DEL, C1) and lone surrogates (not representable in UTF-8).
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const PREFIX_SEGMENT_FORBIDDEN = /[\s]/;
const LOWER_ASCII = /[a-z]/;
const LOWER_ASCII_RUNS = /[a-z]+/g;
const ALL_ASCII = /^[\u0000-\u007f]*$/;
// Printable ASCII holds none of FORBIDDEN_CHARS: the common case skips that pattern's lookarounds (issue 13).
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;

function hasForbiddenChar(text: string): boolean {
  return !PRINTABLE_ASCII.test(text) && FORBIDDEN_CHARS.test(text);
}

/** True when `text` has more than `max` characters (code points); a string no longer than `max` UTF-16 units has not. */
function longerThan(text: string, max: number): boolean {
  return text.length > max && countChars(text) > max;
}

/** Upper-cases ASCII letters only; every other character is left as it is (reference §1: no Unicode folding). */
export function asciiUpper(text: string): string {
  if (!LOWER_ASCII.test(text)) return text;
  if (ALL_ASCII.test(text)) return text.toUpperCase();
  return text.replace(LOWER_ASCII_RUNS, (run) => run.toUpperCase());
}

/** Compares two strings ignoring ASCII case only. */
export function equalsAsciiIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && asciiUpper(a) === asciiUpper(b);
}

function countChars(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function invalid(message: string): IdnodeError {
  return new IdnodeError('INVALID_HANDLE', message);
}

/**
 * Checks a prefix (`88.118.8`, `0.NA`) and returns its canonical key (ASCII upper case).
 * Throws INVALID_HANDLE naming what is wrong.
 */
export function prefixKeyOf(prefix: string): string {
  if (prefix.length === 0) throw invalid('prefix is empty');
  if (longerThan(prefix, MAX_PREFIX_CHARS)) throw invalid(`prefix is longer than ${MAX_PREFIX_CHARS} characters`);
  if (hasForbiddenChar(prefix)) throw invalid('prefix contains a control character or invalid UTF-16');
  if (prefix.includes('/')) throw invalid('prefix contains "/"');
  if (PREFIX_SEGMENT_FORBIDDEN.test(prefix)) throw invalid('prefix contains whitespace');
  if (prefix.startsWith('.') || prefix.endsWith('.') || prefix.includes('..')) throw invalid('prefix has an empty segment');
  return asciiUpper(prefix);
}

/** The canonical key of `prefix/suffix` under the node's case rule (reference §1 "Case"). */
function canonicalKey(prefix: string, suffix: string, rule: CaseRule): string {
  const prefixKey = asciiUpper(prefix);
  // Handles under a prefix starting with `0.` are compared case-insensitively over their whole length.
  if (!rule.suffixCaseSensitive || prefixKey.startsWith('0.')) return `${prefixKey}/${asciiUpper(suffix)}`;
  return `${prefixKey}/${suffix}`;
}

/**
 * Parses `prefix/suffix` (first `/` splits). A name without `/` is a prefix and means `0.NA/<name>`
 * (reference §1 "Slash-less input"). Throws INVALID_HANDLE.
 */
export function parseHandle(text: string, rule: CaseRule): Handle {
  if (text.length === 0) throw invalid('handle is empty');
  const slash = text.indexOf('/');
  if (slash < 0) return parseHandle(`${PREFIX_NAMESPACE}/${text}`, rule);
  const prefix = text.slice(0, slash);
  const suffix = text.slice(slash + 1);
  const prefixKey = prefixKeyOf(prefix);
  if (suffix.length === 0) throw invalid('suffix is empty');
  if (hasForbiddenChar(suffix)) throw invalid('suffix contains a control character or invalid UTF-16');
  if (longerThan(text, MAX_HANDLE_CHARS)) throw invalid(`handle is longer than ${MAX_HANDLE_CHARS} characters`);
  if (prefixKey === PREFIX_NAMESPACE) prefixKeyOf(suffix); // `0.NA/P`: P must itself be a valid prefix.
  return { display: text, key: canonicalKey(prefix, suffix, rule), prefix, prefixKey, suffix };
}

/** The canonical key of a handle text; throws INVALID_HANDLE. */
export function handleKeyOf(text: string, rule: CaseRule): string {
  return parseHandle(text, rule).key;
}

/** The prefix record handle `0.NA/<prefix>` for a prefix. Throws INVALID_HANDLE. */
export function prefixRecordHandle(prefix: string, rule: CaseRule): Handle {
  prefixKeyOf(prefix);
  return parseHandle(`${PREFIX_NAMESPACE}/${prefix}`, rule);
}

/** For a `0.NA/P` handle, P; otherwise null. */
export function prefixOfPrefixRecord(handle: Handle): string | null {
  return handle.prefixKey === PREFIX_NAMESPACE ? handle.suffix : null;
}

/** The parent of a derived prefix (`88.118.8` → `88.118`), or null for a top-level prefix. */
export function parentPrefix(prefix: string): string | null {
  const dot = prefix.lastIndexOf('.');
  return dot <= 0 ? null : prefix.slice(0, dot);
}

/**
 * True when `ancestor` is `descendant` or one of its parents, compared by whole segments and ignoring ASCII case:
 * `88.118.8` is an ancestor of `88.118.8.1`, never of `88.118.80`.
 */
export function isSameOrAncestorPrefix(ancestor: string, descendant: string): boolean {
  const a = asciiUpper(ancestor).split('.');
  const d = asciiUpper(descendant).split('.');
  if (a.length > d.length) return false;
  return a.every((segment, i) => segment === d[i]);
}

/** True when `ancestor` is a strict ancestor of `descendant` (see isSameOrAncestorPrefix). */
export function isAncestorPrefix(ancestor: string, descendant: string): boolean {
  return isSameOrAncestorPrefix(ancestor, descendant) && asciiUpper(ancestor) !== asciiUpper(descendant);
}

/**
 * `88.118.8` or `0.NA/88.118.8` (any case) → `88.118.8`, checked. The prefix-record namespace `0.NA` is not a prefix
 * itself (nor are names under it), so it can never be homed. Throws INVALID_HANDLE.
 */
export function prefixFromText(text: string): string {
  const namespace = `${PREFIX_NAMESPACE}/`;
  const prefix = asciiUpper(text.slice(0, namespace.length)) === namespace ? text.slice(namespace.length) : text;
  checkNotNamespace(prefix);
  return prefix;
}

/** Refuses `0.NA` and names under it (`0.NA.1`) as prefixes: they name prefix records, not a prefix. Throws INVALID_HANDLE. */
export function checkNotNamespace(prefix: string): void {
  const key = prefixKeyOf(prefix);
  if (key === PREFIX_NAMESPACE || key.startsWith(`${PREFIX_NAMESPACE}.`)) {
    throw new IdnodeError('INVALID_HANDLE', `${PREFIX_NAMESPACE} is the namespace of prefix records, not a prefix`);
  }
}
