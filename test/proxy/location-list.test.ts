// Reading 10320/loc values: attributes of the list and of each location; anything not well-formed is no list.

import test from 'ava';
import { parseLocationList } from '../../src/proxy/location-list.js';

test('location list: the root attributes and every <location> (and old <loc_template>) child, entities decoded', (t) => {
  const list = parseLocationList(
    '<locations chooseby="locatt,weighted" http_sc="303"><location id="0" href="https://a.cn/?x=1&amp;y=2" weight="1"/>' +
      '<other href="ignored"/><loc_template href_template="https://b.cn/{hdl}"/><location href="https://c.cn"><location href="nested, ignored"/></location></locations>',
  );
  t.deepEqual(list?.attributes, { chooseby: 'locatt,weighted', http_sc: '303' });
  t.deepEqual(list?.locations, [{ id: '0', href: 'https://a.cn/?x=1&y=2', weight: '1' }, { href_template: 'https://b.cn/{hdl}' }, { href: 'https://c.cn' }]);
});

test('location list: malformed XML, undeclared entities and DOCTYPE tricks are not a list', (t) => {
  const cases = [
    '<locations><location href="a"></locations>',
    'not xml at all',
    '<locations><location href="&ext;"/></locations>',
    '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><locations><location href="&b;"/></locations>',
    `<locations>${'<location href="x"/>'.repeat(300)}</locations>`,
    `<locations a="${'x'.repeat(70_000)}"/>`,
  ];
  for (const xml of cases) t.is(parseLocationList(xml), null, xml.slice(0, 60));
});
