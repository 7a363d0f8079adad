// The proxy's content negotiation: when JSON is wanted, and the implicit locatts of Accept, Accept-Language and User-Agent.

import test from 'ava';
import { implicitLocatts, prefersJson } from '../../src/proxy/negotiation.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

test('negotiation: JSON is wanted only when application/json is rated above anything a browser shows', (t) => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ['*/*', false],
    [BROWSER_ACCEPT, false],
    ['application/json', true],
    ['application/json;q=0.9, */*;q=0.1', true],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json', true],
    ['application/ld+json', false],
    ['application/xml, application/json;q=0.5', false],
  ];
  for (const [accept, expected] of cases) t.is(prefersJson(accept), expected, String(accept));
});

test('negotiation: implicit locatts as the Handle.net proxy derives them', (t) => {
  t.deepEqual(implicitLocatts('application/json, application/xml;q=0.5, */*;q=0.1', undefined, 'curl/8', false), [
    'ctype:application/json',
    'media-type:application/json',
    'ctype:application/xml',
    'media-type:application/xml',
    'http_role:conneg',
  ]);
  t.deepEqual(implicitLocatts(BROWSER_ACCEPT, 'zh-CN,zh;q=0.9,en;q=0.8', 'Mozilla/5.0', false), [
    'http_role:browser',
    'ctype:text/html',
    'media-type:text/html',
    'language:zh-cn',
    'language:zh',
    'language:en',
  ]);
  t.deepEqual(implicitLocatts('*/*', undefined, 'Mozilla/5.0 (iPhone)', false), ['http_role:browser', 'ctype:text/html', 'media-type:text/html']);
  t.deepEqual(implicitLocatts(undefined, undefined, 'curl/8.5', false), ['http_role:no_conneg']);
  t.deepEqual(implicitLocatts(undefined, undefined, undefined, true), []);
});
