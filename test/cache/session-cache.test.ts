// The in-memory session tables: both bounded, challenges never evicting logins, nonces single-use and expiring.

import test from 'ava';
import { handleKeyOf } from '../../src/identifier/handle.js';
import { SessionCache } from '../../src/cache/session-cache.js';

function cache(options: Partial<{ maxSessions: number; idleMs: number; nonceTtlMs: number }> = {}) {
  const clock = { ms: 1_000_000 };
  const sessions = new SessionCache<object>({ maxSessions: 3, idleMs: 60_000, nonceTtlMs: 5_000, nowMs: () => clock.ms, ...options });
  return { sessions, clock };
}

const identity = { index: 300, handle: { key: handleKeyOf('0.NA/88.118.8', { suffixCaseSensitive: false }), display: '0.NA/88.118.8' } };
const LOGIN_KEY = 'HS_PUBKEY\n{}';

test('session cache: an unbounded table is refused', (t) => {
  for (const bad of [{ maxSessions: 0 }, { idleMs: 0 }, { nonceTtlMs: 0 }, { maxSessions: Number.NaN }]) {
    t.throws(() => cache(bad), { instanceOf: RangeError }, JSON.stringify(bad));
  }
});

test('session cache: each table holds at most maxSessions, and a flood of challenges never evicts a login', (t) => {
  const { sessions } = cache();
  const loggedIn = sessions.create();
  sessions.authenticate(loggedIn, identity, LOGIN_KEY);
  const opened = Array.from({ length: 10 }, () => sessions.create());
  t.deepEqual(sessions.size, { open: 3, authenticated: 1 });
  t.is(sessions.get(loggedIn.id), loggedIn);
  t.is(sessions.get(opened[0]?.id ?? ''), undefined, 'the oldest challenges went');
  t.is(sessions.get(opened[9]?.id ?? ''), opened[9]);
  for (let i = 0; i < 5; i += 1) sessions.authenticate(sessions.create(), identity, LOGIN_KEY);
  t.is(sessions.size.authenticated, 3);
  t.is(sessions.get(loggedIn.id), undefined, 'least recently used login went first');
});

test('session cache: ids are 32 random bytes and nonces 16; a nonce is taken once and not after it expires', (t) => {
  const { sessions, clock } = cache();
  const a = sessions.create();
  const b = sessions.create();
  t.is(Buffer.from(a.id, 'base64url').length, 32);
  t.not(a.id, b.id);
  t.is(a.nonce.length, 16);
  t.false(a.nonce.equals(b.nonce));
  t.true(sessions.takeNonce(a)?.equals(a.nonce));
  t.is(sessions.takeNonce(a), null, 'single use');
  sessions.renewNonce(b);
  clock.ms += 5_001;
  t.is(sessions.takeNonce(b), null, 'expired');
});

test('session cache: an open session lives as long as its newest nonce; a login ends after idle time without use', (t) => {
  const { sessions, clock } = cache();
  const open = sessions.create();
  clock.ms += 9_000;
  sessions.renewNonce(open);
  clock.ms += 4_900;
  t.is(sessions.get(open.id), open, 'renewing the nonce restarted its lifetime');
  t.not(sessions.takeNonce(open), null);
  const login = sessions.create();
  sessions.authenticate(login, identity, LOGIN_KEY);
  clock.ms += 59_000;
  t.is(sessions.get(login.id), login);
  clock.ms += 59_000;
  t.is(sessions.get(login.id), login, 'use resets the idle timer');
  clock.ms += 60_001;
  t.is(sessions.get(login.id), undefined);
  t.false(sessions.delete(login.id));
});

test('session cache: a challenge names a nonce with at least half its lifetime left, never a spent or stale one', (t) => {
  const { sessions, clock } = cache();
  const session = sessions.create();
  const first = sessions.currentNonce(session);
  clock.ms += 2_400;
  t.true(sessions.currentNonce(session).equals(first), 'more than half its lifetime left: kept');
  clock.ms += 200;
  const second = sessions.currentNonce(session);
  t.false(second.equals(first), 'less than half left: renewed');
  t.true(sessions.takeNonce(session)?.equals(second));
  const third = sessions.currentNonce(session);
  t.false(third.equals(second), 'spent: renewed');
  clock.ms += 4_999;
  t.is(sessions.get(session.id), session);
  t.true(sessions.takeNonce(session)?.equals(third), 'the renewed nonce is answerable for its whole lifetime');
});
