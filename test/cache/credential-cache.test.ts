// The verified-credential cache: exact matches only, expiry by the injected clock, forgetting, races.

import test from 'ava';
import { CredentialCache, type CredentialCacheOptions } from '../../src/cache/credential-cache.js';

class TestClock {
  ms = Date.UTC(2026, 0, 15, 8, 0, 0);
  readonly nowMs = (): number => this.ms;
}

const ENTERPRISE = '0.NA/88.118.8';
const SECRET = 'correct horse battery staple';
const STORED = 'pbkdf2-hmac-sha1:1000:c2FsdHNhbHRzYWx0c2FsdA==:a2V5a2V5a2V5a2V5a2V5a2V5a2U=';

function cache(options: Partial<CredentialCacheOptions> = {}): { cache: CredentialCache; clock: TestClock } {
  const clock = new TestClock();
  return { cache: new CredentialCache({ maxEntries: 100, ttlMs: 60_000, nowMs: clock.nowMs, ...options }), clock };
}

test('credential cache: a remembered secret matches only the same index, handle and exact secret', (t) => {
  const { cache: c } = cache();
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET), 'nothing before remember');
  c.remember(300, ENTERPRISE, STORED, SECRET);
  t.true(c.matches(300, ENTERPRISE, STORED, SECRET));
  t.false(c.matches(300, ENTERPRISE, STORED, `${SECRET} `));
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET.slice(0, -1)));
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET.toUpperCase()));
  t.false(c.matches(300, ENTERPRISE, STORED, ''));
  t.false(c.matches(301, ENTERPRISE, STORED, SECRET));
  t.false(c.matches(300, '0.NA/88.118.80', STORED, SECRET));
});

test('credential cache: identities of one handle are remembered side by side', (t) => {
  const { cache: c } = cache();
  c.remember(300, ENTERPRISE, STORED, 'first-secret-0001');
  c.remember(301, ENTERPRISE, STORED, 'second-secret-0002');
  t.true(c.matches(300, ENTERPRISE, STORED, 'first-secret-0001'));
  t.true(c.matches(301, ENTERPRISE, STORED, 'second-secret-0002'));
  t.false(c.matches(300, ENTERPRISE, STORED, 'second-secret-0002'));
});

test('credential cache: a remembered secret expires after ttl on the injected clock', (t) => {
  const { cache: c, clock } = cache({ ttlMs: 60_000 });
  c.remember(300, ENTERPRISE, STORED, SECRET);
  clock.ms += 59_999;
  t.true(c.matches(300, ENTERPRISE, STORED, SECRET), 'still remembered 1 ms before expiry');
  clock.ms += 2;
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET), 'forgotten once the ttl has passed');
});

test('credential cache: a secret not checked before its ttl passes no longer matches', (t) => {
  const { cache: c, clock } = cache({ ttlMs: 60_000 });
  c.remember(300, ENTERPRISE, STORED, SECRET);
  clock.ms += 60_001;
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET));
});

test('credential cache: forgetHandle drops every identity of that handle only', (t) => {
  const { cache: c } = cache();
  c.remember(300, ENTERPRISE, STORED, SECRET);
  c.remember(301, ENTERPRISE, STORED, SECRET);
  c.remember(300, '0.NA/88.118.80', STORED, SECRET);
  c.forgetHandle(ENTERPRISE);
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET));
  t.false(c.matches(301, ENTERPRISE, STORED, SECRET));
  t.true(c.matches(300, '0.NA/88.118.80', STORED, SECRET));
});

test('credential cache: clear() forgets everything', (t) => {
  const { cache: c } = cache();
  c.remember(300, ENTERPRISE, STORED, SECRET);
  c.remember(300, '0.NA/88.118.80', STORED, SECRET);
  c.clear();
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET));
  t.false(c.matches(300, '0.NA/88.118.80', STORED, SECRET));
});

test('credential cache: ttl 0 disables remembering', (t) => {
  const { cache: c } = cache({ ttlMs: 0 });
  c.remember(300, ENTERPRISE, STORED, SECRET);
  t.false(c.matches(300, ENTERPRISE, STORED, SECRET));
});

test('credential cache: holds at most maxEntries handles', (t) => {
  const { cache: c } = cache({ maxEntries: 2 });
  c.remember(300, '0.NA/88.118.1', STORED, SECRET);
  c.remember(300, '0.NA/88.118.2', STORED, SECRET);
  c.remember(300, '0.NA/88.118.3', STORED, SECRET);
  t.false(c.matches(300, '0.NA/88.118.1', STORED, SECRET), 'least recently used handle evicted');
  t.true(c.matches(300, '0.NA/88.118.2', STORED, SECRET));
  t.true(c.matches(300, '0.NA/88.118.3', STORED, SECRET));
});

test('credential cache: constructor refuses an unbounded (0) maxEntries when remembering is on', (t) => {
  t.throws(() => cache({ maxEntries: 0, ttlMs: 60_000 }));
});

test('credential cache: a secret remembered for a replaced key value never matches the new one (a login raced a rotation)', (t) => {
  const { cache: c } = cache();
  c.remember(300, ENTERPRISE, STORED, SECRET);
  t.true(c.matches(300, ENTERPRISE, STORED, SECRET));
  t.false(c.matches(300, ENTERPRISE, `${STORED}x`, SECRET), 'the rotated key value');
});
