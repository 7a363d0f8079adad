// The cache of what is derived from records: served only from the same versions, dropped with its record, bounded.

import test from 'ava';
import { DerivedCache } from '../../src/cache/derived-cache.js';

test('derived cache: a variant is served only for exactly the versions it was made from (content for strings, identity for objects)', (t) => {
  const cache = new DerivedCache<string>({ maxEntries: 10, maxBytes: 10_000, maxVariants: 4 });
  const enterprise = { name: 'A' };
  cache.set('88.118/X', 'zh', ['[{"index":1}]', enterprise], 'page-zh', 10);
  t.is(cache.get('88.118/X', 'zh', [`[{"index":${1}}]`, enterprise]), 'page-zh');
  t.is(cache.get('88.118/X', 'zh', ['[{"index":2}]', enterprise]), undefined);
  t.is(cache.get('88.118/X', 'zh', ['[{"index":1}]', { name: 'A' }]), undefined);
  t.is(cache.get('88.118/X', 'en', ['[{"index":1}]', enterprise]), undefined);
  t.is(cache.get('88.118/X', 'zh', ['[{"index":1}]']), undefined);
});

test('derived cache: invalidating a record drops all its variants and nothing else', (t) => {
  const cache = new DerivedCache<string>({ maxEntries: 10, maxBytes: 10_000, maxVariants: 4 });
  cache.set('A', 'zh', ['v'], 'a-zh', 10);
  cache.set('A', 'en', ['v'], 'a-en', 10);
  cache.set('B', 'zh', ['v'], 'b-zh', 10);
  cache.invalidate(['A']);
  t.is(cache.get('A', 'zh', ['v']), undefined);
  t.is(cache.get('A', 'en', ['v']), undefined);
  t.is(cache.get('B', 'zh', ['v']), 'b-zh');
});

test('derived cache: bounded by records, by bytes and by variants per record (oldest variant first)', (t) => {
  const cache = new DerivedCache<string>({ maxEntries: 3, maxBytes: 1000, maxVariants: 2 });
  for (const key of ['A', 'B', 'C', 'D']) cache.set(key, '', ['v'], key, 10);
  t.is(cache.size, 3);
  t.is(cache.get('A', '', ['v']), undefined);
  cache.set('D', 'x', ['v'], 'dx', 10);
  cache.set('D', 'y', ['v'], 'dy', 10);
  t.is(cache.get('D', '', ['v']), undefined);
  t.is(cache.get('D', 'y', ['v']), 'dy');
  cache.set('E', '', ['v'], 'big', 900);
  t.true(cache.size < 3);
  cache.set('F', '', ['v'], 'too big', 5000);
  t.is(cache.get('F', '', ['v']), undefined);
  t.throws(() => new DerivedCache({ maxEntries: 0, maxBytes: 1, maxVariants: 1 }), { instanceOf: RangeError });
});
