// The parsed-record cache used by authentication and authorization lookups.

import test from 'ava';
import { RecordCache } from '../../src/cache/record-cache.js';

test('record cache: a lookup is loaded once and served from memory until invalidated', (t) => {
  const cache = new RecordCache<{ version: number }>(10);
  let loads = 0;
  const load = () => ({ version: ++loads });
  t.is(cache.get('0.NA/88.118', load, true)?.version, 1);
  t.is(cache.get('0.NA/88.118', load, true)?.version, 1);
  cache.invalidate('0.NA/88.118');
  t.is(cache.get('0.NA/88.118', load, true)?.version, 2);
  cache.clear();
  t.is(cache.get('0.NA/88.118', load, true)?.version, 3);
});

test('record cache: absent records are remembered too, and nothing is kept when fill is false (inside a transaction)', (t) => {
  const cache = new RecordCache<{ version: number }>(10);
  let loads = 0;
  t.is(cache.get('88.118/NONE', () => (loads++, undefined), true), undefined);
  t.is(cache.get('88.118/NONE', () => (loads++, undefined), true), undefined);
  t.is(loads, 1);
  t.is(cache.get('88.118/TX', () => ({ version: 7 }), false)?.version, 7);
  t.is(cache.get('88.118/TX', () => ({ version: 8 }), true)?.version, 8, 'the in-transaction read was not kept');
});

test('record cache: it is bounded by entries', (t) => {
  t.throws(() => new RecordCache(0), { instanceOf: RangeError });
  const cache = new RecordCache<{ n: number }>(2);
  let loads = 0;
  for (const key of ['a', 'b', 'c']) cache.get(key, () => ({ n: loads++ }), true);
  cache.get('a', () => ({ n: loads++ }), true);
  t.is(loads, 4, 'the oldest entry was evicted and loaded again');
});
