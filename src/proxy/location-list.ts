// A `10320/loc` value read (reference §7.3): the <locations> element's attributes and each location's, with saxes.

import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** A location's (or the list's) attributes by name, as written. */
export type Attributes = Readonly<Record<string, string>>;

export interface LocationList {
  /** The attributes of the root element (`chooseby`, `http_sc`, `no_legacy`, `urlWeight`…). */
  readonly attributes: Attributes;
  /** The `<location>` (or old `<loc_template>`) children, in order. */
  readonly locations: readonly Attributes[];
}

/** Bounds on what one value may make the proxy hold and scan per request. */
const MAX_XML_CHARS = 65_536;
const MAX_LOCATIONS = 256;

const LOCATION_TAGS = new Set(['location', 'loc_template']);

/**
 * Parses a `10320/loc` value. Null when it is not well-formed XML (saxes is strict: no entity other than XML's own is
 * expanded, so a hostile DOCTYPE gets nowhere), longer than MAX_XML_CHARS, or has more than MAX_LOCATIONS locations —
 * the Handle.net proxy likewise skips a value it cannot parse.
 */
export function parseLocationList(xml: string): LocationList | null {
  if (xml.length > MAX_XML_CHARS) return null;
  let attributes: Attributes | null = null;
  const locations: Attributes[] = [];
  let depth = 0;
  let tooMany = false;
  const parser = new SaxesParser();
  parser.on('opentag', (tag: SaxesTagPlain) => {
    depth += 1;
    if (depth === 1) attributes = { ...tag.attributes };
    else if (depth === 2 && LOCATION_TAGS.has(tag.name.toLowerCase())) {
      if (locations.length >= MAX_LOCATIONS) tooMany = true;
      else locations.push({ ...tag.attributes });
    }
  });
  parser.on('closetag', () => {
    depth -= 1;
  });
  try {
    parser.write(xml).close();
  } catch {
    return null;
  }
  if (attributes === null || tooMany) return null;
  return { attributes, locations };
}
