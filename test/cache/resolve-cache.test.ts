// The resolve cache: bounds by entries and bytes, TTLs, negative entries, invalidation and the fill token.

import test from 'ava';
import { ResolveCache, type CachedResolution, type ResolveCacheOptions } from '../../src/cache/resolve-cache.js';

/** A clock the test moves by hand; starts at a realistic epoch time. */
class TestClock {
  ms = Date.UTC(2026, 0, 15, 8, 0, 0);
  readonly nowMs = (): number => this.ms;
}

function found(json = '[{"index":1,"type":"URL","data":{"format":"string","value":"https://example.cn/p/1"},"ttl":86400}]'): CachedResolution {
  return { kind: 'found', publicValuesJson: json, hasPrivate: false, expiresAtMs: 0, usage: { count: 0 } };
}

const NOT_FOUND: CachedResolution = { kind: 'not-found', expiresAtMs: 0, homingEpoch: 0 };

function cache(options: Partial<ResolveCacheOptions> = {}): { cache: ResolveCache; clock: TestClock } {
  const clock = new TestClock();
  return { cache: new ResolveCache({ maxEntries: 1000, maxBytes: 1024 * 1024, nowMs: clock.nowMs, ...options }), clock };
}

test('resolve cache: a filled entry is returned by get', (t) => {
  const { cache: c } = cache();
  const entry = found();
  t.true(c.fill('88.118.8/PUMP-1', entry, 60_000, c.readToken()));
  t.deepEqual(c.get('88.118.8/PUMP-1'), entry);
  t.is(c.get('88.118.8/PUMP-2'), undefined);
  t.is(c.stats().entries, 1);
});

test('resolve cache: never holds more than maxEntries and counts evictions', (t) => {
  const { cache: c } = cache({ maxEntries: 3 });
  for (let i = 0; i < 10; i += 1) {
    c.fill(`88.118.8/P-${i}`, found(), 60_000, c.readToken());
    t.true(c.stats().entries <= 3);
  }
  t.is(c.stats().entries, 3);
  t.is(c.stats().evictions, 7);
  t.is(c.get('88.118.8/P-0'), undefined);
  t.not(c.get('88.118.8/P-9'), undefined);
});

test('resolve cache: re-filling the same key is not an eviction', (t) => {
  const { cache: c } = cache({ maxEntries: 3 });
  for (let i = 0; i < 5; i += 1) c.fill('88.118.8/SAME', found(`[${i}]`), 60_000, c.readToken());
  t.deepEqual(c.stats(), { entries: 1, bytes: c.stats().bytes, evictions: 0 });
  t.deepEqual(c.get('88.118.8/SAME'), found('[4]'));
});

test('resolve cache: bytes never exceed maxBytes after many fills of varying size', (t) => {
  const maxBytes = 8 * 1024;
  const { cache: c } = cache({ maxEntries: 1_000_000, maxBytes });
  for (let i = 0; i < 500; i += 1) {
    const json = `["${'x'.repeat((i * 37) % 1500)}"]`;
    c.fill(`88.118.8/P-${i}`, i % 5 === 0 ? NOT_FOUND : found(json), 60_000, c.readToken());
    const { bytes } = c.stats();
    t.true(bytes > 0 && bytes <= maxBytes, `after fill ${i}: ${bytes} bytes`);
  }
  t.true(c.stats().evictions > 0);
  t.true(c.stats().entries < 500);
});

test('resolve cache: an entry larger than maxBytes is refused and drops any older entry for that key', (t) => {
  const maxBytes = 4096;
  const { cache: c } = cache({ maxBytes });
  t.true(c.fill('88.118.8/BIG', found('[]'), 60_000, c.readToken()));
  t.false(c.fill('88.118.8/BIG', found(`["${'x'.repeat(maxBytes)}"]`), 60_000, c.readToken()));
  t.is(c.get('88.118.8/BIG'), undefined);
  t.true(c.stats().bytes <= maxBytes);
});

const UNBOUNDED: [string, Partial<ResolveCacheOptions>][] = [
  ['maxEntries 0', { maxEntries: 0 }],
  ['maxBytes 0', { maxBytes: 0 }],
  ['negative maxEntries', { maxEntries: -1 }],
  ['NaN maxBytes', { maxBytes: Number.NaN }],
  ['infinite maxEntries', { maxEntries: Number.POSITIVE_INFINITY }],
  ['infinite maxBytes', { maxBytes: Number.POSITIVE_INFINITY }],
];

for (const [name, options] of UNBOUNDED) {
  test(`resolve cache: constructor refuses an unbounded configuration (${name})`, (t) => {
    t.throws(() => cache(options));
  });
}

test('resolve cache: an entry expires after its ttl on the injected clock', (t) => {
  const { cache: c, clock } = cache();
  c.fill('88.118.8/PUMP-1', found(), 1000, c.readToken());
  clock.ms += 999;
  t.not(c.get('88.118.8/PUMP-1'), undefined, 'still live 1 ms before expiry');
  clock.ms += 2;
  t.is(c.get('88.118.8/PUMP-1'), undefined, 'gone once the ttl has passed');
});

test('resolve cache: an entry not read before its ttl passes is gone when read after', (t) => {
  const { cache: c, clock } = cache();
  c.fill('88.118.8/PUMP-1', found(), 1000, c.readToken());
  clock.ms += 1001;
  t.is(c.get('88.118.8/PUMP-1'), undefined);
});

test('resolve cache: entries keep their own ttl', (t) => {
  const { cache: c, clock } = cache();
  c.fill('88.118.8/SHORT', found(), 1000, c.readToken());
  c.fill('88.118.8/LONG', found(), 60_000, c.readToken());
  clock.ms += 5000;
  t.is(c.get('88.118.8/SHORT'), undefined);
  t.not(c.get('88.118.8/LONG'), undefined);
});

test('resolve cache: a fill with ttl 0 or less is refused', (t) => {
  const { cache: c } = cache();
  t.false(c.fill('88.118.8/PUMP-1', found(), 0, c.readToken()));
  t.false(c.fill('88.118.8/PUMP-1', found(), -5, c.readToken()));
  t.is(c.get('88.118.8/PUMP-1'), undefined);
});

test('resolve cache: negative entries are cached and expire like positive ones', (t) => {
  const { cache: c, clock } = cache();
  t.true(c.fill('88.118.8/ABSENT', NOT_FOUND, 10_000, c.readToken()));
  t.deepEqual(c.get('88.118.8/ABSENT'), NOT_FOUND);
  clock.ms += 10_001;
  t.is(c.get('88.118.8/ABSENT'), undefined);
});

test('resolve cache: invalidate removes positive and negative entries of the given keys only', (t) => {
  const { cache: c } = cache();
  c.fill('88.118.8/A', found(), 60_000, c.readToken());
  c.fill('88.118.8/B', NOT_FOUND, 60_000, c.readToken());
  c.fill('88.118.8/C', found(), 60_000, c.readToken());
  c.invalidate(['88.118.8/A', '88.118.8/B']);
  t.is(c.get('88.118.8/A'), undefined);
  t.is(c.get('88.118.8/B'), undefined);
  t.not(c.get('88.118.8/C'), undefined);
  t.is(c.stats().entries, 1);
});

test('resolve cache: a fill with a token taken before an invalidate is refused, a fresh token works', (t) => {
  const { cache: c } = cache();
  const stale = c.readToken(); // a reader reads the store…
  c.invalidate(['88.118.8/A']); // …a write commits and invalidates…
  t.false(c.fill('88.118.8/A', found('["old"]'), 60_000, stale)); // …the old read must not be cached
  t.is(c.get('88.118.8/A'), undefined);
  t.true(c.fill('88.118.8/A', found('["new"]'), 60_000, c.readToken()));
  t.deepEqual(c.get('88.118.8/A'), found('["new"]'));
});

test('resolve cache: an invalidate of any key voids every outstanding token', (t) => {
  const { cache: c } = cache();
  const token = c.readToken();
  c.invalidate(['88.118.8/OTHER']);
  t.false(c.fill('88.118.8/A', found(), 60_000, token));
  t.is(c.get('88.118.8/A'), undefined);
});

test('resolve cache: clear() drops every entry and voids outstanding tokens', (t) => {
  const { cache: c } = cache();
  for (let i = 0; i < 5; i += 1) c.fill(`88.118.8/P-${i}`, found(), 60_000, c.readToken());
  const token = c.readToken();
  c.clear();
  t.is(c.stats().entries, 0);
  t.is(c.stats().bytes, 0);
  t.is(c.get('88.118.8/P-0'), undefined);
  t.false(c.fill('88.118.8/P-0', found(), 60_000, token));
  t.true(c.fill('88.118.8/P-0', found(), 60_000, c.readToken()));
});

test('resolve cache: a homing change voids every negative entry (not found and not homed), and no positive one', (t) => {
  const { cache: c } = cache();
  const epoch = c.homingEpoch;
  c.fill('88.118/NOPE', { kind: 'not-found', expiresAtMs: 0, homingEpoch: epoch }, 60_000, c.readToken());
  c.fill('99.1/X', { kind: 'not-homed', expiresAtMs: 0, homingEpoch: epoch }, 60_000, c.readToken());
  c.fill('88.118/YES', found(), 60_000, c.readToken());
  t.is(c.get('99.1/X')?.kind, 'not-homed', 'its own kind, never not-found');
  c.invalidateHoming();
  t.is(c.get('88.118/NOPE'), undefined);
  t.is(c.get('99.1/X'), undefined);
  t.is(c.get('88.118/YES')?.kind, 'found');
  c.fill('99.1/X', { kind: 'not-homed', expiresAtMs: 0, homingEpoch: c.homingEpoch }, 60_000, c.readToken());
  t.is(c.get('99.1/X')?.kind, 'not-homed', 'an entry stamped after the change holds');
});
