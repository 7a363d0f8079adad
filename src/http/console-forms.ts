// The console's template form read into the same checked input as the API's template body.

import { normalizeTemplateInput, type TemplateInput } from '../templates/template.js';
import { compileSchema } from './body.js';
import { checkSnmsBody } from './snms-envelope.js';

const templateBody = compileSchema('snms-template');

/**
 * The template editor's fields (one `item.*` of each per row, in row order) as an API body, checked by the same schema.
 * Empty fields are left out (an empty idIndex is assigned). Throws MISSING_PARAMETER, INVALID_BODY.
 */
export function templateInputOf(form: URLSearchParams): TemplateInput {
  const column = (name: string): string[] => form.getAll(`item.${name}`);
  const names = column('name');
  const items = names.map((name, i) => {
    const item: Record<string, unknown> = { name, idType: column('idType')[i] ?? '' };
    const index = column('idIndex')[i]?.trim() ?? '';
    if (index !== '') item.idIndex = index;
    item.required = column('required')[i] === 'true';
    item.state = column('state')[i] ?? '1';
    item.metadata = { type: 'string', minLength: column('minLength')[i]?.trim() || '0', maxLength: column('maxLength')[i]?.trim() || '255' };
    return item;
  });
  const body: Record<string, unknown> = { prefix: form.get('prefix') ?? '', version: form.get('version') ?? '', items };
  for (const name of ['industryCategory', 'industrySpecific', 'industryTrade', 'industrySubclass', 'type', 'description']) {
    const value = form.get(name)?.trim();
    if (value !== undefined && value !== '') body[name] = value;
  }
  checkSnmsBody(templateBody, body);
  return normalizeTemplateInput(body);
}
