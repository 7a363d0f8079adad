// The in-memory session tables: both bounded, challenges never evicting logins, nonces stable until answered, expiring.

import test from 'ava';
import { handleKeyOf } from '../../src/identifier/handle.js';
import { MAX_WRONG_ANSWERS, SessionCache } from '../../src/cache/session-cache.js';

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

test('session cache: ids are 32 random bytes and nonces 16; a nonce is answerable until spent or expired', (t) => {
  const { sessions, clock } = cache();
  const a = sessions.create();
  const b = sessions.create();
  t.is(Buffer.from(a.id, 'base64url').length, 32);
  t.not(a.id, b.id);
  t.is(a.nonce.length, 16);
  t.false(a.nonce.equals(b.nonce));
  const first = a.nonce;
  t.true(sessions.answerableNonce(a)?.equals(first));
  t.true(sessions.answerableNonce(a)?.equals(first), 'asking again does not spend it');
  sessions.spendNonce(a);
  t.false(a.nonce.equals(first), 'a spent nonce is replaced');
  t.true(sessions.answerableNonce(a)?.equals(a.nonce));
  clock.ms += 5_001;
  t.is(sessions.answerableNonce(b), null, 'expired');
});

test('session cache: an open session lives as long as its nonce, which restarts each time it is handed out', (t) => {
  const { sessions, clock } = cache();
  const open = sessions.create();
  const nonce = open.nonce;
  clock.ms += 4_000;
  t.true(sessions.currentNonce(open).equals(nonce), 'the same nonce, handed out again');
  clock.ms += 4_900;
  t.is(sessions.get(open.id), open, 'handing it out restarted its lifetime');
  t.true(sessions.answerableNonce(open)?.equals(nonce));
  clock.ms += 200;
  t.is(sessions.get(open.id), undefined, 'unanswered for the nonce lifetime: gone');
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

test('session cache: a logged-in session never names a spent or stale nonce', (t) => {
  const { sessions, clock } = cache();
  const session = sessions.create();
  sessions.authenticate(session, identity, LOGIN_KEY);
  sessions.spendNonce(session);
  const first = sessions.currentNonce(session);
  clock.ms += 2_400;
  t.true(sessions.currentNonce(session).equals(first), 'more than half its lifetime left: kept');
  clock.ms += 200;
  const second = sessions.currentNonce(session);
  t.false(second.equals(first), 'less than half left: renewed');
  sessions.spendNonce(session);
  const third = sessions.currentNonce(session);
  t.false(third.equals(second), 'spent: renewed');
  clock.ms += 4_999;
  t.true(sessions.answerableNonce(session)?.equals(third), 'the renewed nonce is answerable for its whole lifetime');
});

test(`session cache: ${MAX_WRONG_ANSWERS} wrong answers leave the session and its nonce alone; the next closes it`, (t) => {
  const { sessions } = cache();
  const session = sessions.create();
  const nonce = session.nonce;
  for (let i = 1; i <= MAX_WRONG_ANSWERS; i += 1) t.false(sessions.wrongAnswer(session), `wrong answer ${i}`);
  t.is(sessions.get(session.id), session);
  t.true(session.nonce.equals(nonce));
  t.true(sessions.wrongAnswer(session), `wrong answer ${MAX_WRONG_ANSWERS + 1}`);
  t.is(sessions.get(session.id), undefined);
});
