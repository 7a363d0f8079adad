// An independent model of reference §1 for the hostile-input tests: how a request path spells a handle, which handles
// are valid, and their canonical key — written from the reference, not from src/identifier/, so the two can disagree.

export const HANDLES_ROUTE = '/api/handles/';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WHITESPACE = /\s/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
// ignoreBOM: a leading U+FEFF in a handle is a character of the handle, not a byte-order mark to drop.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Characters that make handles interesting: separators, escapes and quotes, letters whose Unicode case mapping
 * lands on ASCII (ı→I, ſ→S, K→k), look-alikes (Cyrillic А and О, fullwidth ８ and ．), invisible or space-like
 * characters (ZWJ, NBSP, BOM, line separator), a non-BMP character and a title-case digraph.
 */
export const RICH_CHARS = [
  'a', 'Z', '0', '8', '.', '/', '-', '_', ' ', '%', '+', '?', '#', '&', '=', ';', ':', '@', '"', '<', '\\', '{', '~',
  'é', 'ß', 'ı', 'ſ', '\u212a', 'Ж', '\u0410', '\u041e', '中', '泵', '\uff18', '\uff0e', '\u200d', '\u00a0', '\ufeff', '\u2028', '😀', 'ǅ',
] as const;

/** ASCII letters only (reference §1 "Case": no Unicode folding). */
export function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

export interface ModelHandle {
  /** The canonical key under the default rule (the whole handle compared ASCII-case-insensitively). */
  readonly key: string;
  readonly prefixKey: string;
}

function validPrefix(prefix: string): boolean {
  return (
    prefix.length > 0 &&
    [...prefix].length <= 64 &&
    !CONTROL.test(prefix) &&
    !LONE_SURROGATE.test(prefix) &&
    !prefix.includes('/') &&
    !WHITESPACE.test(prefix) &&
    prefix.split('.').every((segment) => segment.length > 0)
  );
}

/** The handle a decoded handle text names, or null when reference §1 (with idnode's length limits) refuses it. */
export function modelHandle(text: string): ModelHandle | null {
  if (text.length === 0) return null;
  const full = text.includes('/') ? text : `0.NA/${text}`;
  const slash = full.indexOf('/');
  const prefix = full.slice(0, slash);
  const suffix = full.slice(slash + 1);
  if (!validPrefix(prefix) || suffix.length === 0 || CONTROL.test(suffix) || LONE_SURROGATE.test(suffix)) return null;
  if ([...full].length > 255) return null;
  const prefixKey = asciiUpper(prefix);
  if (prefixKey === '0.NA' && !validPrefix(suffix)) return null;
  return { key: `${prefixKey}/${asciiUpper(suffix)}`, prefixKey };
}

/**
 * The handle text a raw request target stands for (reference §1 "Path handling"): the path after the route, up to
 * `?`, percent-decoded once into UTF-8 bytes (`+` stays `+`), one leading `/` dropped. null when it is not UTF-8.
 */
export function decodedHandleText(target: string, route = HANDLES_ROUTE): string | null {
  const mark = target.indexOf('?');
  const tail = (mark < 0 ? target : target.slice(0, mark)).slice(route.length);
  const bytes: number[] = [];
  for (let i = 0; i < tail.length; i += 1) {
    const c = tail.charCodeAt(i);
    if (c === 0x25) {
      const pair = tail.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(pair)) return null;
      bytes.push(parseInt(pair, 16));
      i += 2;
    } else if (c > 0x7f) {
      return null; // never produced by the spellings below
    } else bytes.push(c);
  }
  let decoded: string;
  try {
    decoded = utf8.decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
  return decoded.startsWith('/') ? decoded.slice(1) : decoded;
}

/** `%XX` for each byte. */
export function percentBytes(bytes: Uint8Array, lowerHex: boolean): string {
  let out = '';
  for (const b of bytes) {
    const hex = b.toString(16).padStart(2, '0');
    out += `%${lowerHex ? hex : hex.toUpperCase()}`;
  }
  return out;
}

/**
 * One spelling of `text` in a request path. A character outside printable ASCII, `%`, `?` and `#` is always
 * percent-encoded (as UTF-8); any other character is encoded when its choice has bit 0 set. Bit 1 picks lower-case
 * hex digits. Choices repeat over the text; no choices means "encode only what must be".
 */
export function percentSpelling(text: string, choices: readonly number[]): string {
  let out = '';
  let i = 0;
  for (const char of text) {
    const choice = choices.length === 0 ? 0 : (choices[i % choices.length] ?? 0);
    i += 1;
    const code = char.codePointAt(0) ?? 0;
    const must = code < 0x21 || code > 0x7e || char === '%' || char === '?' || char === '#';
    out += must || (choice & 1) !== 0 ? percentBytes(Buffer.from(char, 'utf8'), (choice & 2) !== 0) : char;
  }
  return out;
}

/** Flips the case of the ASCII letters whose choice has bit 2 set; every other character is kept. */
export function asciiCaseVariant(text: string, choices: readonly number[]): string {
  if (choices.length === 0) return text;
  let out = '';
  let i = 0;
  for (const char of text) {
    const choice = choices[i % choices.length] ?? 0;
    i += 1;
    if ((choice & 4) !== 0 && /^[A-Za-z]$/.test(char)) out += char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
    else out += char;
  }
  return out;
}
