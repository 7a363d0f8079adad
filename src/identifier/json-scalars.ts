// How Handle.net reads JSON scalars (Gson 2.8.5 `JsonPrimitive`), and where idnode stops following it (issue 10).

/**
 * Java `Integer.parseInt` on ASCII text, as Handle.net reads numeric query parameters and JSON strings: an optional
 * sign, decimal digits (leading zeros allowed), 32-bit range. Null otherwise. (Java also takes non-ASCII decimal
 * digits such as `١٠٠`; idnode does not — docs/handle-compatibility.md.)
 */
export function javaInteger(text: string): number | null {
  if (!/^[+-]?\d{1,64}$/.test(text)) return null;
  const number = Number(text);
  // (`+ 0` turns -0 into 0.)
  return number >= -2_147_483_648 && number <= 2_147_483_647 ? number + 0 : null;
}

/**
 * A 32-bit integer as Gson's `getAsInt()` reads one (GsonUtility.java lines 250, 362, 448, 518, 525, 574, 625): a
 * JSON number, or a decimal string. Unlike Gson, a number with a fraction (`1.5`, which Gson truncates) or out of
 * 32-bit range (which Gson wraps) is refused: it would silently name another index. Undefined when not an integer.
 */
export function integerOf(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= -2_147_483_648 && input <= 2_147_483_647 ? input + 0 : undefined;
  if (typeof input === 'string') return javaInteger(input) ?? undefined;
  return undefined;
}

/**
 * Text as Gson's `getAsString()` reads it: a string, or a JSON number as its decimal text (`"type": 42` is `"42"`).
 * Only integers JavaScript holds exactly are taken, because JSON.parse keeps no literal text: `1.50` would come back
 * as `1.5` where Gson keeps `1.50`. (An integer written with an exponent, `1e3`, is `"1000"` here, `"1e3"` there.)
 * A boolean is refused: no Handle field is true or false as text. Undefined otherwise.
 */
export function textOf(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  if (typeof input === 'number' && Number.isSafeInteger(input)) return Object.is(input, -0) ? '-0' : String(input);
  return undefined;
}

/**
 * A boolean as Gson's `getAsBoolean()` reads one: a JSON boolean, or the string `true`/`false` in any case. Gson reads
 * every other string and every number as false (`1`, `"yes"`); idnode refuses them, since they most likely meant
 * true. Undefined when not a flag.
 */
export function flagOf(input: unknown): boolean | undefined {
  if (typeof input === 'boolean') return input;
  if (typeof input === 'string') {
    const lower = input.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}
