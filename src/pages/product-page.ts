// The product page behind a QR code: the identifier, its enterprise, each public value labelled, a QR code of the page.

import type { ValueJson } from '../identifier/value-json.js';
import type { Enterprise } from './enterprise.js';
import { html, raw, type Markup } from './html.js';
import type { Labels } from './labels.js';
import { localTime } from './local-time.js';
import { messagesOf, type Language, type Messages } from './messages.js';
import { qrDataUrl } from './qr-code.js';
import { STYLESHEET } from './style.js';

export interface ProductPageInput {
  readonly language: Language;
  /** The identifier as shown (the spelling it was asked for, or the last handle of an alias chain). */
  readonly handle: string;
  readonly prefix: string;
  readonly enterprise: Enterprise | null;
  /** The record's public values only: nothing else may ever reach a page. */
  readonly values: readonly ValueJson[];
  readonly labels: Labels | null;
  /** The page's own absolute address, for its QR code; null leaves the code out. */
  readonly pageUrl: string | null;
  /** Where the same record is as JSON (`/api/handles/…`). */
  readonly jsonPath: string;
  /** The node's time zone: times are shown in it, with their offset. */
  readonly timeZone: string;
}

const HTTP_URL = /^https?:\/\/[^\s<>"]+$/i;
const EMAIL = /^[^\s@<>"()]+@[^\s@<>"()]+\.[^\s@<>"()]+$/;
/** `IMAGE`, `URL.IMAGE`, `IMAGE.FRONT`, `PRODUCT.IMAGE.1`…: a type one of whose dot-separated parts is IMAGE. */
const IMAGE_TYPE = /(?:^|\.)IMAGE(?:\.|$)/i;

/** Handle-system values a person does not read: administration, keys, sites, aliases, location lists. */
function isTechnical(value: ValueJson): boolean {
  const type = value.type.toUpperCase();
  return type.startsWith('HS_') || type.startsWith('10320/') || (value.data.format !== 'string' && value.data.format !== 'base64');
}

function dataOf(value: ValueJson, words: Messages, label: string): Markup {
  const { format } = value.data;
  if (format === 'base64') {
    const text = String(value.data.value);
    const bytes = Math.floor((text.replace(/=+$/, '').length * 3) / 4);
    return html`<span class="muted">${words.binary(bytes)}</span>`;
  }
  if (format !== 'string') return html`<code>${JSON.stringify(value.data.value)}</code>`;
  const text = String(value.data.value);
  if (HTTP_URL.test(text)) {
    // Only an https image is shown (the page's Content-Security-Policy allows no other), linked to itself; any other
    // URL is a link.
    if (IMAGE_TYPE.test(value.type) && /^https:/i.test(text)) {
      return html`<a href="${text}" rel="noopener noreferrer nofollow"><img src="${text}" alt="${label}" loading="lazy"></a>`;
    }
    return html`<a href="${text}" rel="noopener noreferrer nofollow">${text}</a>`;
  }
  if (value.type.toUpperCase() === 'EMAIL' && EMAIL.test(text)) return html`<a href="mailto:${text}">${text}</a>`;
  return html`${text}`;
}

function timeOf(iso: string | undefined, timeZone: string, words: Messages): Markup | null {
  if (iso === undefined) return null;
  const shown = localTime(iso, timeZone);
  return shown === null ? null : html`<time datetime="${iso}">${words.updated} ${shown}</time>`;
}

/** A value's own time, when it differs from the record's (shown once, at the top). */
function ownTime(value: ValueJson, updated: string | undefined, input: ProductPageInput, words: Messages): Markup | null {
  return value.timestamp === updated ? null : timeOf(value.timestamp, input.timeZone, words);
}

function valueItem(value: ValueJson, updated: string | undefined, input: ProductPageInput, words: Messages): Markup {
  const label = input.labels?.get(value.index) ?? value.type;
  const type = label === value.type ? null : html`<span class="type">${value.type}</span>`;
  return html`<div class="value" id="v${value.index}"><dt>${label}${type}</dt><dd>${dataOf(value, words, label)}${ownTime(value, updated, input, words)}</dd></div>`;
}

function technicalItem(value: ValueJson, updated: string | undefined, input: ProductPageInput, words: Messages): Markup {
  return html`<div class="value"><dt>${value.type}<span class="type">${words.index} ${value.index}</span></dt><dd>${dataOf(value, words, value.type)}${ownTime(value, updated, input, words)}</dd></div>`;
}

function enterpriseOf(input: ProductPageInput, words: Messages): Markup {
  const { enterprise } = input;
  const prefix = html`<p class="muted">${words.enterprisePrefix} <code>${input.prefix}</code></p>`;
  if (enterprise === null) return html`<p class="kicker">${words.enterprise}</p>${prefix}`;
  const name = enterprise.name === null ? null : html`<p><strong>${enterprise.name}</strong></p>`;
  const site = enterprise.website === null ? null : html`<p><a href="${enterprise.website}" rel="noopener noreferrer">${enterprise.website}</a></p>`;
  return html`<p class="kicker">${words.enterprise}</p>${name}${site}${prefix}`;
}

/** The latest timestamp among the values (ISO strings of one format compare as text). */
function latest(values: readonly ValueJson[]): string | undefined {
  let last: string | undefined;
  for (const value of values) if (value.timestamp !== undefined && (last === undefined || value.timestamp > last)) last = value.timestamp;
  return last;
}

/** A complete HTML document; everything taken from the record is escaped. Throws only for an unknown time zone. */
export function productPage(input: ProductPageInput): string {
  const words = messagesOf(input.language);
  const shown = input.values.filter((value) => !isTechnical(value));
  const technical = input.values.filter(isTechnical);
  const updated = latest(input.values);
  const list = shown.length === 0 ? html`<p class="muted">${words.noValues}</p>` : html`<dl>${shown.map((value) => valueItem(value, updated, input, words))}</dl>`;
  const details =
    technical.length === 0 ? null : html`<details><summary>${words.technical}</summary><dl>${technical.map((value) => technicalItem(value, updated, input, words))}</dl></details>`;
  const qr =
    input.pageUrl === null
      ? null
      : html`<section class="card qr"><img src="${qrDataUrl(input.pageUrl)}" alt="QR: ${input.pageUrl}" width="160" height="160"><p>${words.scan}<br><a href="${input.pageUrl}">${input.pageUrl}</a></p></section>`;
  return html`<!doctype html>
<html lang="${words.htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${input.handle}</title><style>${raw(STYLESHEET)}</style></head>
<body><main>
<header class="card"><p class="kicker">${words.identifier}</p><h1>${input.handle}</h1>${updated === undefined ? null : html`<p class="when">${timeOf(updated, input.timeZone, words)}</p>`}</header>
<section class="card">${enterpriseOf(input, words)}</section>
<section class="card"><h2>${words.values}</h2>${list}${details}</section>
${qr}
<footer>${words.resolvedBy} · <a href="${input.jsonPath}">${words.json}</a></footer>
</main></body></html>
`.text;
}
