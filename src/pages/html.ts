// HTML built by construction: every interpolated text is escaped unless it is already markup made here.

/** Markup made by `html` (or `raw` for constants): interpolated as is. Anything else is text and is escaped. */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/g;

/** Text as HTML text or attribute content (inside double or single quotes). */
export function escapeHtml(text: string): string {
  return text.replace(SPECIAL, (c) => ESCAPES[c] ?? c);
}

type Part = Markup | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Markup) return part.text;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  return escapeHtml(String(part));
}

/** A template of markup: `${…}` parts are escaped text, unless they are Markup (or arrays of parts); null/false render nothing. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Markup {
  let out = strings[0] ?? '';
  for (let i = 0; i < parts.length; i += 1) out += render(parts[i]) + (strings[i + 1] ?? '');
  return new Markup(out);
}

/** A constant string of markup written in this code (never data). */
export function raw(text: string): Markup {
  return new Markup(text);
}
