// What the proxy does with a record, worked out once per record: its alias, its redirect target or location list, their expiry.

import { isTypeOrSubtype } from '../identifier/value.js';
import type { ValueJson } from '../identifier/value-json.js';
import { encodeIriToUri, isRedirectable } from './location-header.js';
import { parseLocationList, type Attributes } from './location-list.js';

/** HandleValue.MAX_RECOGNIZED_TTL: no expiry the proxy sends is later than two days ahead. */
export const MAX_EXPIRY_SECONDS = 2 * 86_400;

/** When the values an answer used stop being fresh: the smallest relative TTL and the earliest absolute expiry. */
export interface Expiry {
  readonly relativeSeconds: number | null;
  readonly absoluteMs: number | null;
}

export const NEVER: Expiry = { relativeSeconds: null, absoluteMs: null };

function expiryOfValue(value: ValueJson): Expiry {
  if (typeof value.ttl === 'number') return { relativeSeconds: value.ttl, absoluteMs: null };
  const ms = Date.parse(value.ttl);
  return { relativeSeconds: null, absoluteMs: Number.isFinite(ms) ? ms : 0 };
}

/** The earlier of two expiries. */
export function earlier(a: Expiry, b: Expiry): Expiry {
  const min = (x: number | null, y: number | null): number | null => (x === null ? y : y === null ? x : Math.min(x, y));
  return { relativeSeconds: min(a.relativeSeconds, b.relativeSeconds), absoluteMs: min(a.absoluteMs, b.absoluteMs) };
}

/** The instant (ms) an answer resolved at `nowMs` expires: a relative TTL counts from now, and nothing is later than two days ahead. */
export function expiresAtMs(expiry: Expiry, nowMs: number): number {
  let at = nowMs + MAX_EXPIRY_SECONDS * 1000;
  if (expiry.relativeSeconds !== null) at = Math.min(at, nowMs + expiry.relativeSeconds * 1000);
  if (expiry.absoluteMs !== null) at = Math.min(at, expiry.absoluteMs);
  return at;
}

/** A plain redirect to one URL value (reference §7.2 step 3). */
export interface UrlRedirect {
  readonly kind: 'url';
  /** The value as written (urlappend is added to it before encoding). */
  readonly url: string;
  /** The value encoded for the Location header, for the common case without urlappend. */
  readonly location: string;
  readonly expiry: Expiry;
}

/** A choice among locations (reference §7.3): the record's 10320/loc lists, with its URL values added as legacy locations. */
export interface LocationsRedirect {
  readonly kind: 'locations';
  readonly locations: readonly Attributes[];
  /** The root attributes of every parsed list, in order: `chooseby` and `http_sc` are inherited from the first that has them. */
  readonly lists: readonly Attributes[];
  readonly chooseBy: readonly string[] | null;
  /** Some location's `http_role` contains `conneg`: the answer varies with Accept, and a JSON client is redirected too. */
  readonly conneg: boolean;
  readonly expiry: Expiry;
}

export interface ProxyPlan {
  /** The first HS_ALIAS value's target handle and its expiry, or null. */
  readonly alias: { readonly target: string; readonly expiry: Expiry } | null;
  readonly redirect: UrlRedirect | LocationsRedirect | null;
}

const URL_TYPE = 'URL';
const ZERO_TYPE_URL = '0.TYPE/URL';

function isUrlValue(value: ValueJson): boolean {
  return isTypeOrSubtype(value.type, URL_TYPE) || isTypeOrSubtype(value.type, ZERO_TYPE_URL);
}

function isExactUrl(value: ValueJson): boolean {
  const type = value.type.toUpperCase();
  return type === URL_TYPE || type === ZERO_TYPE_URL;
}

function textOf(value: ValueJson): string | null {
  return value.data.format === 'string' && typeof value.data.value === 'string' ? value.data.value : null;
}

/** Handle.net's Url handler: the first value of type exactly URL, else the first URL sub-type; only ones it may redirect to. */
function urlRedirect(values: readonly ValueJson[]): UrlRedirect | null {
  const usable = (value: ValueJson): boolean => {
    const text = textOf(value);
    return text !== null && isRedirectable(text);
  };
  const chosen = values.find((value) => isExactUrl(value) && usable(value)) ?? values.find((value) => isUrlValue(value) && usable(value));
  if (chosen === undefined) return null;
  const url = (textOf(chosen) ?? '').trim();
  return { kind: 'url', url, location: encodeIriToUri(url), expiry: expiryOfValue(chosen) };
}

function flag(attributes: readonly Attributes[], name: string): boolean | null {
  const value = attributes.find((list) => list[name] !== undefined)?.[name];
  return value === undefined ? null : ['true', 'yes', '1'].includes(value.trim().toLowerCase());
}

function number(attributes: readonly Attributes[], name: string): number | null {
  const value = attributes.find((list) => list[name] !== undefined)?.[name];
  if (value === undefined) return null;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : 0;
}

/**
 * Handle.net's Location handler for a record with 10320/loc values: every location of every list that parses, then the
 * URL values as legacy locations (unless a list says `no_legacy`) weighted `urlWeight` (default 1 when no list
 * parsed, else 0) for exact URL values and `urlSubtypeWeight` (default 0; `urlWeight` when there is no exact URL value)
 * for sub-types. Every 10320/loc and URL value counts towards the expiry.
 */
function locationsRedirect(values: readonly ValueJson[], lists: readonly ValueJson[]): LocationsRedirect {
  let expiry = NEVER;
  const parsed = [];
  for (const value of lists) {
    expiry = earlier(expiry, expiryOfValue(value));
    const text = textOf(value);
    const list = text === null ? null : parseLocationList(text);
    if (list !== null) parsed.push(list);
  }
  const roots = parsed.map((list) => list.attributes);
  const locations: Attributes[] = parsed.flatMap((list) => list.locations);
  if (flag(roots, 'no_legacy') !== true) {
    const urlWeight = number(roots, 'urlWeight') ?? (parsed.length === 0 ? 1 : 0);
    const hasExact = values.some((value) => value.type.toUpperCase() === URL_TYPE);
    const subtypeWeight = hasExact ? (number(roots, 'urlSubtypeWeight') ?? 0) : urlWeight;
    for (const value of values) {
      if (!isTypeOrSubtype(value.type, URL_TYPE)) continue;
      expiry = earlier(expiry, expiryOfValue(value));
      const text = textOf(value);
      if (text === null) continue;
      const weight = hasExact && value.type.toUpperCase() === URL_TYPE ? urlWeight : subtypeWeight;
      locations.push({ href: text, weight: String(weight), mode: 'legacy' });
    }
  }
  const chooseBy = roots.find((root) => root.choose_by !== undefined)?.choose_by ?? roots.find((root) => root.chooseby !== undefined)?.chooseby;
  return {
    kind: 'locations',
    locations,
    lists: roots,
    chooseBy: chooseBy === undefined ? null : chooseBy.split(','),
    conneg: locations.some((location) => (location.http_role ?? '').includes('conneg')),
    expiry,
  };
}

/**
 * The plan for a record's public values (in output form, in record order): the first HS_ALIAS (reference §7.4); the
 * location algorithm when any 10320/loc value is present; else the first URL value (exact type, then sub-type); else
 * no redirect (the page). A URL value the proxy may not redirect to (no scheme, `javascript:`…) is passed over.
 */
export function planOf(values: readonly ValueJson[]): ProxyPlan {
  const aliasValue = values.find((value) => isTypeOrSubtype(value.type, 'HS_ALIAS') && textOf(value) !== null);
  const alias = aliasValue === undefined ? null : { target: (textOf(aliasValue) ?? '').trim(), expiry: expiryOfValue(aliasValue) };
  const lists = values.filter((value) => isTypeOrSubtype(value.type, '10320/loc'));
  const redirect = lists.length > 0 ? locationsRedirect(values, lists) : urlRedirect(values);
  return { alias, redirect };
}

/** Roughly the memory a plan holds, in bytes (its strings as UTF-16 and the objects around them), for the cache's bound. */
export function planSizeBytes(plan: ProxyPlan): number {
  let size = 160 + 2 * (plan.alias?.target.length ?? 0);
  if (plan.redirect?.kind === 'url') size += 2 * (plan.redirect.url.length + plan.redirect.location.length);
  else if (plan.redirect?.kind === 'locations') size += 2 * JSON.stringify(plan.redirect.locations).length + 2 * JSON.stringify(plan.redirect.lists).length;
  return size;
}

/** A location's attribute, else the first list's that has it (Location.LocContext.getAttribute). */
export function inherited(location: Attributes, lists: readonly Attributes[], name: string): string | undefined {
  return location[name] ?? lists.find((list) => list[name] !== undefined)?.[name];
}

/**
 * The URL of a chosen location: `href`, else `href_template` with `{hdl}` (the handle, percent-encoded as one
 * component) and `{hdl:path}` (each segment encoded, `/` kept) filled in. Null when it has neither.
 */
export function locationUrl(location: Attributes, handle: string): string | null {
  if (location.href !== undefined) return location.href.trim();
  const template = location.href_template;
  if (template === undefined) return null;
  const path = handle.split('/').map(encodeURIComponent).join('/');
  return template.replaceAll('{hdl}', encodeURIComponent(handle)).replaceAll('{hdl:path}', path).trim();
}

/** The redirect status a location's `http_sc` asks for (301, 302, 303, 307, 308), else 302. */
export function redirectStatus(code: string | undefined): number {
  const status = Number(code?.trim());
  return [301, 302, 303, 307, 308].includes(status) ? status : 302;
}
