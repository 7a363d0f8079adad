// Who registered an identifier, as the product page shows it: the enterprise of its prefix.

import { isPubliclyReadable, type HandleValue } from '../identifier/value.js';

export interface Enterprise {
  /** The enterprise's name, or null when nothing names it (the page then shows the prefix alone). */
  readonly name: string | null;
  /** Its website (http or https), or null. */
  readonly website: string | null;
}

/**
 * The enterprise of a prefix. Return the same object for as long as it does not change: a cached page is rendered
 * again when it changes (compared by identity). Null when the prefix has no enterprise to show.
 */
export interface EnterpriseDirectory {
  enterpriseOf(prefix: string): Enterprise | null;
}

/** Value types of a prefix record that name its enterprise and its website (ASCII case ignored), in order of preference. */
const NAME_TYPES = ['ORG_NAME', 'NAME'];
const WEBSITE_TYPES = ['URL'];

function firstText(values: readonly HandleValue[], types: readonly string[]): string | null {
  for (const type of types) {
    const value = values.find((candidate) => candidate.type.toUpperCase() === type && isPubliclyReadable(candidate) && candidate.data.format === 'string');
    if (value !== undefined && typeof value.data.value === 'string' && value.data.value.trim().length > 0) return value.data.value.trim();
  }
  return null;
}

/**
 * The default directory: the public values of the prefix record `0.NA/<prefix>` — `ORG_NAME` or `NAME` for the name,
 * `URL` for the website. `recordOf` is the node's parsed-record lookup, which returns the same array until the record
 * is written, so the answer is remembered per array.
 */
export function prefixRecordDirectory(recordOf: (prefix: string) => readonly HandleValue[] | undefined): EnterpriseDirectory {
  const known = new WeakMap<readonly HandleValue[], Enterprise | null>();
  return {
    enterpriseOf(prefix) {
      const values = recordOf(prefix);
      if (values === undefined) return null;
      const remembered = known.get(values);
      if (remembered !== undefined) return remembered;
      const name = firstText(values, NAME_TYPES);
      const site = firstText(values, WEBSITE_TYPES);
      const website = site !== null && /^https?:\/\//i.test(site) ? site : null;
      const enterprise = name === null && website === null ? null : { name, website };
      known.set(values, enterprise);
      return enterprise;
    },
  };
}
