// What the product page calls each value: a label provider (SNMS template item names, src/templates/template-labels.ts).

import type { ValueJson } from '../identifier/value-json.js';
import type { Language } from './messages.js';

/** Labels of a record's values by index. */
export type Labels = ReadonlyMap<number, string>;

/**
 * Names a record's values for people. An SNMS data template names its items (`name` per `idIndex`), so a record made
 * from a template (its TEMPLATE value names the version) gets the template's labels. Return null to show type names.
 * Return the same object for as long as the labels do not change: a cached page is rendered again when it changes
 * (compared by identity).
 */
export interface ValueLabels {
  labelsOf(handle: string, values: readonly ValueJson[], language: Language): Labels | null;
}
