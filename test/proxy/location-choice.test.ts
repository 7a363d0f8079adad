// The chooseby methods over a location list (reference §7.3), table-driven with fixed draws.

import test from 'ava';
import { chooseLocation, DEFAULT_CHOOSE_BY, type ChoiceRequest } from '../../src/proxy/location-choice.js';
import type { Attributes } from '../../src/proxy/location-list.js';

const request = (overrides: Partial<ChoiceRequest> = {}): ChoiceRequest => ({ locatts: [], clientAddress: null, country: null, random: () => 0, ...overrides });
const hrefOf = (location: Attributes | null): string | undefined => location?.href;

test('location choice: weighted draws fall in each location\'s own share (default weight 1, negative counts as 0)', (t) => {
  const locations: Attributes[] = [{ href: 'a', weight: '1' }, { href: 'b', weight: '3' }, { href: 'c', weight: '-5' }, { href: 'd' }];
  // Shares of the total 5: a [0, 0.2), b [0.2, 0.8), c none, d [0.8, 1).
  const cases: [number, string][] = [[0, 'a'], [0.19, 'a'], [0.2, 'b'], [0.79, 'b'], [0.8, 'd'], [0.999_999, 'd']];
  for (const [draw, expected] of cases) t.is(hrefOf(chooseLocation(locations, ['weighted'], request({ random: () => draw }))), expected, String(draw));
});

test('location choice: a weight-0 location is never drawn while another has weight; all zero draws uniformly', (t) => {
  const some = [{ href: 'zero', weight: '0' }, { href: 'one', weight: '1' }];
  for (const draw of [0, 0.5, 0.999]) t.is(hrefOf(chooseLocation(some, ['weighted'], request({ random: () => draw }))), 'one');
  const none = [{ href: 'a', weight: '0' }, { href: 'b', weight: '0' }, { href: 'c', weight: '-1' }];
  t.deepEqual([0, 0.34, 0.67, 0.999].map((draw) => hrefOf(chooseLocation(none, ['weighted'], request({ random: () => draw })))), ['a', 'b', 'c', 'c']);
});

test('location choice: locatt key:value keeps exact matches, a bare key keeps locations having it, a locatt matching nothing is skipped', (t) => {
  const locations: Attributes[] = [{ href: 'json', ctype: 'application/json' }, { href: 'html', ctype: 'text/html', lang: 'zh' }, { href: 'plain' }];
  const cases: [string[], string][] = [
    [['ctype:application/json'], 'json'],
    [['ctype:text/html'], 'html'],
    [['lang'], 'html'],
    [['ctype:application/xml', 'lang'], 'html'],
    [['ctype:TEXT/HTML'], 'json'], // values compare exactly; nothing matches, the draw (0) takes the first
  ];
  for (const [locatts, expected] of cases) t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request({ locatts }))), expected, locatts.join(' '));
});

test('location choice: address keeps the locations whose CIDR list holds the client (bad entries ignored)', (t) => {
  const locations: Attributes[] = [{ href: 'inside', addresses: 'junk, 10.1.0.0/16' }, { href: 'v6', addresses: '2001:db8::/32' }, { href: 'anyone' }];
  t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request({ clientAddress: '10.1.2.3' }))), 'inside');
  t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request({ clientAddress: '::ffff:10.1.2.3' }))), 'inside');
  t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request({ clientAddress: '2001:db8::7' }))), 'v6');
  t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request({ clientAddress: '192.0.2.1', random: () => 0.9 }))), 'anyone');
});

test('location choice: country (from ?country=) and score narrow; chooseby sets the methods and their order', (t) => {
  const locations = [
    { href: 'cn-low', country: 'CN', score: '1' },
    { href: 'cn-high', country: 'cn', score: '5' },
    { href: 'de-top', country: 'de', score: '9' },
  ];
  t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request({ country: 'CN' }))), 'cn-high');
  t.is(hrefOf(chooseLocation(locations, DEFAULT_CHOOSE_BY, request())), 'de-top');
  t.is(hrefOf(chooseLocation(locations, ['score', 'country'], request({ country: 'cn' }))), 'de-top');
  // Without score, the draw decides among the country's locations.
  t.is(hrefOf(chooseLocation(locations, ['country', 'weighted'], request({ country: 'cn', random: () => 0.7 }))), 'cn-high');
  t.is(hrefOf(chooseLocation(locations, [' Country ', 'nonsense', ''], request({ country: 'de' }))), 'de-top');
});

test('location choice: one location is chosen without a draw; an empty list chooses nothing', (t) => {
  let draws = 0;
  const random = (): number => {
    draws += 1;
    return 0;
  };
  t.is(hrefOf(chooseLocation([{ href: 'only', weight: '0' }], DEFAULT_CHOOSE_BY, request({ random }))), 'only');
  t.is(draws, 0);
  t.is(chooseLocation([], DEFAULT_CHOOSE_BY, request()), null);
});
