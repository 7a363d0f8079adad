// The product page's labels of a record made from an SNMS data template: its items' names (docs/proxy.md).

import { prefixKeyOf } from '../identifier/handle.js';
import type { Labels, ValueLabels } from '../pages/labels.js';
import type { TemplateService } from './template-service.js';
import { TEMPLATE_INDEX, TEMPLATE_TYPE } from './template-service.js';

/**
 * Labels from the template a record names (its TEMPLATE value at index 1001, snms-v5-api.md §4.1): each value at an
 * item's index is shown under the item's name, in whatever language the enterprise named it. Records without a
 * template, or naming one that is gone, get the type names (null).
 */
export function templateLabels(templates: TemplateService): ValueLabels {
  return {
    labelsOf(handle, values): Labels | null {
      const named = values.find((value) => value.index === TEMPLATE_INDEX && value.type.toUpperCase() === TEMPLATE_TYPE);
      if (named === undefined || named.data.format !== 'string' || typeof named.data.value !== 'string') return null;
      const slash = handle.indexOf('/');
      if (slash <= 0) return null;
      return templates.itemNames(prefixKeyOf(handle.slice(0, slash)), named.data.value);
    },
  };
}
