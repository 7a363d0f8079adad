// The error page: status, catalog code, a title and one sentence, every text escaped.

import { STATUS_CODES } from 'node:http';
import { html, raw } from './html.js';
import { messagesOf, type Language } from './messages.js';
import { STYLESHEET } from './style.js';

export interface ErrorPageInput {
  readonly status: number;
  /** The catalog code, in `<meta name="idnode-error">` for programs (and tests) that read the page. */
  readonly code: string;
  /** The sentence saying what went wrong. */
  readonly message: string;
  /** Default: the code's title in `language`, else the HTTP status text. */
  readonly title?: string;
  /** Default English. */
  readonly language?: Language;
  /**
   * With the inline stylesheet (the answer must then carry PAGE_CSP, which allows it by its hash). Without, the page
   * needs nothing the node's default Content-Security-Policy forbids.
   */
  readonly styled?: boolean;
}

/** A complete HTML document for an error. */
export function errorPage(input: ErrorPageInput): string {
  const language = input.language ?? 'en';
  const words = messagesOf(language);
  const title = input.title ?? (language === 'en' && words.errorTitles[input.code] === undefined ? (STATUS_CODES[input.status] ?? words.errorTitle) : (words.errorTitles[input.code] ?? words.errorTitle));
  const style = input.styled === true ? html`<style>${raw(STYLESHEET)}</style>` : null;
  return html`<!doctype html>
<html lang="${words.htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><meta name="idnode-error" content="${input.code}"><title>${title}</title>${style}</head>
<body><main><header class="card error"><p class="kicker">${input.status} · ${input.code}</p><h1>${title}</h1><p>${input.message}</p></header></main></body></html>
`.text;
}
