// The short body of a redirect: a link to where the Location header points, for clients that do not follow it.

import { html } from './html.js';

/** Schemes a link in a page may use (never `javascript:`, `data:` and the like). */
const LINKABLE = /^(?:https?|ftp|mailto|tel):/i;

/** A complete HTML document linking to `location` (the encoded Location header value); other schemes show as text. */
export function redirectPage(location: string): string {
  const target = LINKABLE.test(location) ? html`<a href="${location}">${location}</a>` : html`${location}`;
  return html`<!doctype html>
<html><head><meta charset="utf-8"><title>Handle Redirect</title></head><body>${target}</body></html>
`.text;
}
