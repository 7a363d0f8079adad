// Choosing one location of a `10320/loc` list (reference §7.3, Handle.net's handlers/Location.java): the chooseby methods.

import { isIP } from 'node:net';
import { addressSet } from '../network/addresses.js';
import type { Attributes } from './location-list.js';

export interface ChoiceRequest {
  /** `key:value` or `key` filters in order: the request's `locatt` parameters, then the implicit ones. */
  readonly locatts: readonly string[];
  /** The client's address, for `address`; null to skip that method. */
  readonly clientAddress: string | null;
  /** The client's country code (`?country=`), for `country`; null to skip that method (no GeoIP database here). */
  readonly country: string | null;
  /** A uniform random number in [0, 1): injected, so a choice can be replayed. */
  readonly random: () => number;
}

export const DEFAULT_CHOOSE_BY = ['locatt', 'address', 'country', 'score', 'weighted'] as const;

/** Keeps the locations `keep` accepts, unless none would be left: a method that would leave nothing is skipped. */
function narrow(locations: readonly Attributes[], keep: (location: Attributes) => boolean): readonly Attributes[] {
  const kept = locations.filter(keep);
  return kept.length === 0 ? locations : kept;
}

/** `locatt=key:value` keeps locations whose attribute `key` is exactly `value`; `locatt=key` those that have `key`. */
function byLocatt(locations: readonly Attributes[], locatts: readonly string[]): readonly Attributes[] {
  let left = locations;
  for (const locatt of locatts) {
    const colon = locatt.indexOf(':');
    const name = (colon < 0 ? locatt : locatt.slice(0, colon)).trim();
    const wanted = colon < 0 ? null : locatt.slice(colon + 1);
    left = narrow(left, (location) => {
      const value = location[name];
      return value !== undefined && (wanted === null || wanted === value);
    });
  }
  return left;
}

/** True when an entry of an `addresses` list is an address or CIDR block (anything else is ignored, not an error). */
function isCidr(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
}

function byAddress(locations: readonly Attributes[], client: string): readonly Attributes[] {
  return narrow(locations, (location) => {
    const list = location.addresses;
    if (list === undefined) return false;
    return addressSet(list.split(',').map((entry) => entry.trim()).filter(isCidr))(client);
  });
}

function numberOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.trim());
  return text.trim().length > 0 && Number.isFinite(n) ? n : fallback;
}

/** The locations with the highest `score` (default 0). */
function byScore(locations: readonly Attributes[]): readonly Attributes[] {
  const best = Math.max(...locations.map((location) => numberOf(location.score, 0)));
  return narrow(locations, (location) => numberOf(location.score, 0) === best);
}

/**
 * A random choice by `weight` (default 1, negative counts as 0); uniform when every weight is 0. Handle.net walks the
 * list from its end and picks the first whose running total reaches the draw, which can pick a weight-0 location on a
 * draw of exactly 0; here the draw falls in one location's own share, so a weight-0 location is never chosen while
 * another has weight, and an all-zero list is drawn uniformly (Handle.net's rounding halves the odds of the first and last).
 */
function weighted(locations: readonly Attributes[], random: () => number): Attributes | null {
  if (locations.length === 0) return null;
  const weights = locations.map((location) => Math.max(0, numberOf(location.weight, 1)));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const draw = random();
  if (!(total > 0)) return locations[Math.min(locations.length - 1, Math.floor(draw * locations.length))] ?? null;
  const point = draw * total;
  let running = 0;
  for (let i = 0; i < locations.length; i += 1) {
    running += weights[i] ?? 0;
    if (point < running) return locations[i] ?? null;
  }
  // A draw of (almost) 1 with rounding: the last location with weight.
  for (let i = locations.length - 1; i >= 0; i -= 1) if ((weights[i] ?? 0) > 0) return locations[i] ?? null;
  return null;
}

/**
 * Runs the `chooseBy` methods in order over `locations`; whenever one location is left it is chosen, and `weighted`
 * (or the end of the list) draws among those left. Unknown method names are ignored. Null only for an empty list.
 */
export function chooseLocation(locations: readonly Attributes[], chooseBy: readonly string[], request: ChoiceRequest): Attributes | null {
  let left = locations;
  for (const method of chooseBy) {
    if (left.length <= 1) return left[0] ?? null;
    switch (method.trim().toLowerCase()) {
      case 'locatt':
        left = byLocatt(left, request.locatts);
        break;
      case 'address':
        if (request.clientAddress !== null) left = byAddress(left, request.clientAddress);
        break;
      case 'country': {
        const country = request.country?.trim().toLowerCase();
        if (country !== undefined && country.length > 0) left = narrow(left, (location) => location.country?.trim().toLowerCase() === country);
        break;
      }
      case 'score':
        left = byScore(left);
        break;
      case 'weighted':
        return weighted(left, request.random);
      default:
        break;
    }
  }
  return left.length <= 1 ? (left[0] ?? null) : weighted(left, request.random);
}
