// Two SharedSessions over one file behave as one table: what one process does to a session the other sees at once.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { MAX_WRONG_ANSWERS } from '../../src/cache/session-cache.js';
import { SharedSessions } from '../../src/store/shared-sessions.js';
import { tempDir } from './temp-store.js';

const codec = { encode: (identity: string) => identity, decode: (text: string) => text };

function twoWorkers(t: ExecutionContext, maxSessions = 100): { a: SharedSessions<string>; b: SharedSessions<string>; clock: { ms: number } } {
  const path = join(tempDir(t), 'idnode.db.sessions');
  const clock = { ms: 1_000_000 };
  const options = { maxSessions, idleMs: 60_000, nonceTtlMs: 15_000, nowMs: () => clock.ms };
  const a = new SharedSessions(path, options, codec);
  const b = new SharedSessions(path, options, codec);
  t.teardown(() => {
    a.close();
    b.close();
  });
  return { a, b, clock };
}

test('shared sessions: a session opened in one process is answered, used and closed in the other', (t) => {
  const { a, b } = twoWorkers(t);
  const opened = a.create();
  const inB = b.get(opened.id);
  t.truthy(inB);
  t.deepEqual(b.answerableNonce(inB!), opened.nonce, 'the same nonce, whichever process hands it out');
  b.authenticate(inB!, '300:0.NA/88.118', 'fingerprint');
  b.spendNonce(inB!);
  const inA = a.get(opened.id);
  t.is(inA?.identity, '300:0.NA/88.118');
  t.is(inA?.loginKey, 'fingerprint');
  t.is(a.answerableNonce(inA!)?.equals(opened.nonce), false, 'the spent nonce is spent everywhere');
  t.deepEqual(a.size, { open: 0, authenticated: 1 });
  t.true(a.delete(opened.id));
  t.is(b.get(opened.id), undefined);
  t.false(b.delete(opened.id));
});

test('shared sessions: wrong answers count across processes and the last one closes the session everywhere', (t) => {
  const { a, b } = twoWorkers(t);
  const { id } = a.create();
  for (let i = 1; i <= MAX_WRONG_ANSWERS; i += 1) {
    const table = i % 2 === 0 ? a : b;
    t.false(table.wrongAnswer(table.get(id)!), `wrong answer ${i}`);
  }
  t.true(a.wrongAnswer(a.get(id)!));
  t.is(b.get(id), undefined);
});

test('shared sessions: an open challenge lasts as long as its nonce, an authenticated session its idle time from its last use', (t) => {
  const { a, b, clock } = twoWorkers(t);
  const open = a.create();
  const used = a.create();
  a.authenticate(used, 'id', 'key');
  clock.ms += 15_001;
  t.is(b.get(open.id), undefined, 'the nonce expired, and the challenge with it');
  clock.ms += 40_000;
  t.truthy(b.get(used.id), 'used within its idle time: renewed');
  clock.ms += 59_000;
  t.truthy(a.get(used.id));
  clock.ms += 60_001;
  t.is(a.get(used.id), undefined);
});

test('shared sessions: the table stays bounded by maxSessions of each kind', (t) => {
  const { a, b } = twoWorkers(t, 4);
  for (let i = 0; i < 64; i += 1) (i % 2 === 0 ? a : b).create();
  t.true(a.size.open <= 4 + 16, String(a.size.open));
});
