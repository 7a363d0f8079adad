// Failed-login policy on an injected clock: per (identity, network), per network, a growing delay per identity.

import test from 'ava';
import { FailedLogins, identityDelayMs, LOGIN_WINDOW_MS, MAX_DELAY_MS, RECENT_MS, type Lockout, type LoginOutcome } from '../../src/ratelimit/failed-logins.js';
import { TestClock } from '../support/node-under-test.js';

const OWNER = '300:0.na/88.118.8';
const ATTACKER_NET = '198.51.100.0/24';
const OWNER_NET = '203.0.113.0/24';

function guard(perMinute = 10, tableSize = 1000): { logins: FailedLogins; clock: TestClock; lockouts: Lockout[]; outcomes: LoginOutcome[] } {
  const clock = new TestClock();
  const lockouts: Lockout[] = [];
  const outcomes: LoginOutcome[] = [];
  const logins = new FailedLogins({ perMinute, tableSize, nowMs: clock.nowMs, events: { outcome: (o) => outcomes.push(o), lockout: (l) => lockouts.push(l) } });
  return { logins, clock, lockouts, outcomes };
}

const DELAYS: readonly [number, number][] = [
  [0, 0], [10, 0], [11, 1000], [12, 2000], [13, 4000], [20, 512_000], [21, MAX_DELAY_MS], [10_000, MAX_DELAY_MS],
];
for (const [failures, delay] of DELAYS) {
  test(`failed logins: ${failures} recent failures of an identity (limit 10) mean a delay of ${delay} ms`, (t) => {
    t.is(identityDelayMs(failures, 10), delay);
  });
}

test('failed logins: N failures from one network refuse that network for that identity only, until the minute ends', (t) => {
  const { logins, clock } = guard();
  for (let i = 0; i < 10; i += 1) {
    t.is(logins.admit(ATTACKER_NET, OWNER), null, `attempt ${i}`);
    logins.charge(ATTACKER_NET, OWNER);
    clock.advance(1000);
  }
  t.is(logins.admit(ATTACKER_NET, OWNER), 50, 'refused for what is left of the minute');
  t.is(logins.admit(OWNER_NET, OWNER), null, 'the owner on another network is not');
  t.is(logins.admit(ATTACKER_NET, '300:0.na/88.118.9'), null, 'nor the attacker network on another identity');
  clock.advance(50_000);
  t.is(logins.admit(ATTACKER_NET, OWNER), null, 'the window has ended, and the identity has no excess failures yet');
});

test('failed logins: across networks an identity is slowed by a growing delay, never for a network without recent failures', (t) => {
  const { logins, clock } = guard();
  // 40 networks, one wrong answer each: no single network reaches its limit.
  for (let n = 0; n < 40; n += 1) {
    const network = `192.0.${n}.0/24`;
    t.is(logins.admit(network, OWNER), null, 'a network without recent failures is always admitted');
    logins.charge(network, OWNER);
  }
  const retry = logins.admit('192.0.0.0/24', OWNER);
  t.is(retry, MAX_DELAY_MS / 1000, 'a network that failed waits the identity delay');
  t.is(logins.admit(OWNER_NET, OWNER), null, 'a clean network is admitted at once');
  clock.advance(MAX_DELAY_MS);
  t.is(logins.admit('192.0.0.0/24', OWNER), null, 'slowed, not refused outright: after the delay it may try again');
  logins.succeeded('192.0.0.0/24', OWNER);
  t.is(logins.admit('192.0.0.0/24', OWNER), null, 'a success clears the network\'s failures on the identity');
});

test('failed logins: the delay grows with each failure beyond the limit', (t) => {
  const { logins, clock } = guard(3);
  const seen: (number | null)[] = [];
  for (let i = 0; i < 8; i += 1) {
    const network = `192.0.${i}.0/24`;
    logins.charge(network, OWNER);
    seen.push(logins.admit(network, OWNER));
    clock.advance(1);
  }
  t.deepEqual(seen, [null, null, null, 1, 2, 4, 8, 16]);
});

test('failed logins: a network spraying many identities is refused on all of them at N × 5 a minute', (t) => {
  const { logins } = guard(2);
  for (let i = 0; i < 10; i += 1) logins.charge(ATTACKER_NET, `300:0.na/88.118.${i}`);
  t.is(logins.admit(ATTACKER_NET, '300:0.na/88.118.99'), 60);
  t.is(logins.admit(OWNER_NET, '300:0.na/88.118.99'), null);
});

test('failed logins: failures are forgotten after 15 quiet minutes', (t) => {
  const { logins, clock } = guard(2);
  for (let n = 0; n < 6; n += 1) logins.charge(`192.0.${n}.0/24`, OWNER);
  t.not(logins.admit('192.0.0.0/24', OWNER), null);
  clock.advance(RECENT_MS);
  t.is(logins.admit('192.0.0.0/24', OWNER), null);
  t.deepEqual(logins.sizes(), { pairs: 5, networks: 5, identities: 1 }, 'the entries looked at went when they had expired');
});

test('failed logins: each lockout is reported once, with identity, network and count', (t) => {
  const { logins, clock, lockouts, outcomes } = guard(3);
  for (let i = 0; i < 6; i += 1) {
    if (logins.admit(ATTACKER_NET, OWNER) === null) logins.charge(ATTACKER_NET, OWNER);
    clock.advance(1000);
  }
  t.deepEqual(lockouts, [{ scope: 'identity_network', identity: OWNER, network: ATTACKER_NET, failures: 3, retryAfterSeconds: 58 }]);
  t.deepEqual(outcomes, ['failed', 'failed', 'failed', 'refused', 'refused', 'refused']);
  clock.advance(LOGIN_WINDOW_MS);
  logins.charge(ATTACKER_NET, OWNER);
  t.is(lockouts.length, 2);
  t.like(lockouts[1], { scope: 'identity', failures: 4, retryAfterSeconds: 1 });
});

test('failed logins: state stays within the table size however many networks and identities fail', (t) => {
  const { logins } = guard(10, 16);
  for (let i = 0; i < 5000; i += 1) logins.charge(`10.${(i >> 8) & 255}.${i & 255}.0/24`, `300:0.na/88.118.${i}`);
  const sizes = logins.sizes();
  t.true(sizes.pairs <= 16 && sizes.networks <= 16 && sizes.identities <= 16, JSON.stringify(sizes));
});

test('failed logins: 0 turns the limit off but outcomes are still reported', (t) => {
  const { logins, outcomes } = guard(0);
  for (let i = 0; i < 100; i += 1) logins.charge(ATTACKER_NET, OWNER);
  t.is(logins.admit(ATTACKER_NET, OWNER), null);
  logins.succeeded(ATTACKER_NET, OWNER);
  t.is(outcomes.length, 101);
});
