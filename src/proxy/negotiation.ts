// Content negotiation of the proxy: whether a client wants the JSON, and the implicit `locatt`s its headers imply.

interface AcceptEntry {
  readonly value: string;
  readonly quality: number;
}

/** At most this many entries of one header are read: the header is the client's, the work must stay bounded. */
const MAX_ENTRIES = 32;

function parseAccept(header: string | undefined): AcceptEntry[] {
  if (header === undefined) return [];
  return header.split(',', MAX_ENTRIES).map((field) => {
    const [value = '', ...params] = field.split(';');
    let quality = 1;
    for (const param of params) {
      const trimmed = param.trim();
      if (trimmed.startsWith('q=')) {
        const q = Number(trimmed.slice(2));
        if (Number.isFinite(q)) quality = q;
      }
    }
    return { value: value.trim().toLowerCase() || '*/*', quality };
  });
}

const BROWSER_TYPES = new Set(['text/html', 'text/xhtml', 'application/xhtml+xml', 'application/pdf', 'application/vnd.wap.xhtml+xml', 'text/vnd.wap.wml']);

/** HDLServletRequest.AcceptEntry.acceptsBrowserContent: wildcards, HTML-ish types, images, audio and video. */
function isBrowserContent(type: string): boolean {
  return type.includes('*') || BROWSER_TYPES.has(type) || type.startsWith('image/') || type.startsWith('audio/') || type.startsWith('video/');
}

interface AcceptSummary {
  readonly entries: readonly AcceptEntry[];
  /** The best-rated entry is not browser content: the client negotiates for something else (HDLServletRequest). */
  readonly conneg: boolean;
}

function summarize(header: string | undefined): AcceptSummary {
  const entries = parseAccept(header);
  let html = 0;
  let max = 0;
  for (const entry of entries) {
    if (entry.quality > max) max = entry.quality;
    if (entry.quality > html && isBrowserContent(entry.value)) html = entry.quality;
  }
  return { entries, conneg: html < max };
}

/**
 * True when the client rates `application/json` above anything a browser shows (`Accept: application/json`, not
 * `application/json, text/html` nor a browser's `…,*\/*;q=0.8`). Cheap for the usual headers: none, or one without "json".
 */
export function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('json')) return false;
  const { entries, conneg } = summarize(accept);
  if (!conneg) return false;
  const best = Math.max(...entries.map((entry) => entry.quality));
  return entries.some((entry) => entry.quality === best && entry.value === 'application/json');
}

/**
 * The `locatt`s the Handle.net proxy derives from the request's headers (HDLServletRequest.processAcceptHeader,
 * processAcceptLanguageHeader), after the explicit ones: for a client negotiating content, `ctype:` and `media-type:`
 * of each type it names (best first, up to the first wildcard) and `http_role:conneg`; for a browser (HTML rated best,
 * or only `*\/*` from a `Mozilla/` or `Opera/` agent) `http_role:browser` and, when HTML is acceptable,
 * `ctype:text/html`; for anything else `http_role:no_conneg`; then `language:` of each Accept-Language entry, best
 * first. With `metadata` (action=metadata) no `http_role` is added: `role:metadata` was.
 */
export function implicitLocatts(accept: string | undefined, acceptLanguage: string | undefined, userAgent: string | undefined, metadata: boolean): string[] {
  const locatts: string[] = [];
  const { entries, conneg } = summarize(accept);
  const role = (value: string): void => {
    if (!metadata) locatts.push(`http_role:${value}`);
  };
  const html = (): void => void locatts.push('ctype:text/html', 'media-type:text/html');
  if (entries.every((entry) => entry.value === '*/*')) {
    const agent = (userAgent ?? '').trim().toLowerCase();
    if (agent.startsWith('mozilla/') || agent.startsWith('opera/')) {
      role('browser');
      html();
    } else role('no_conneg');
  } else if (conneg) {
    for (const entry of [...entries].sort((a, b) => b.quality - a.quality)) {
      if (entry.value.includes('*')) break;
      locatts.push(`ctype:${entry.value}`, `media-type:${entry.value}`);
    }
    role('conneg');
  } else {
    role('browser');
    if (entries.some((entry) => entry.value === 'text/html' || entry.value === 'text/*' || entry.value === '*/*')) html();
  }
  for (const entry of parseAccept(acceptLanguage).sort((a, b) => b.quality - a.quality)) locatts.push(`language:${entry.value}`);
  return locatts;
}
