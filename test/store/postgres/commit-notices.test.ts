// The NOTIFY payloads that carry committed keys: under PostgreSQL's size limit, every key once, in order, or "everything".

import test from 'ava';
import { MAX_LOGGED_KEYS } from '../../../src/store/change-log.js';
import { commitPayloads, PAYLOAD_LIMIT_BYTES, readCommitNotice } from '../../../src/store/postgres/commit-notices.js';

test('commit notices: a few keys fit one payload that reads back as the writer and the keys', (t) => {
  const payloads = commitPayloads('w1', ['88.118/A', '0.NA/88.118', '88.118/"quoted" é']);
  t.is(payloads.length, 1);
  t.deepEqual(readCommitNotice(payloads[0]), { writer: 'w1', keys: ['88.118/A', '0.NA/88.118', '88.118/"quoted" é'] });
});

test('commit notices: many keys are split into payloads under 8000 bytes that together name each key once, in order', (t) => {
  const keys = Array.from({ length: 1500 }, (_, i) => `88.118.8/产品-${String(i).padStart(5, '0')}-${'X'.repeat(i % 37)}`);
  const payloads = commitPayloads('writer', keys);
  t.true(payloads.length > 3);
  for (const payload of payloads) t.true(Buffer.byteLength(payload) <= PAYLOAD_LIMIT_BYTES);
  const read = payloads.map((payload) => readCommitNotice(payload));
  t.true(read.every((notice) => notice.writer === 'writer'));
  t.deepEqual(read.flatMap((notice) => notice.keys ?? []), keys);
});

test('commit notices: more keys than the change log names, or one key too long for a payload, say "everything"', (t) => {
  const many = Array.from({ length: MAX_LOGGED_KEYS + 1 }, (_, i) => `88.118/${i}`);
  t.deepEqual(commitPayloads('w', many).map((payload) => readCommitNotice(payload)), [{ writer: 'w', keys: null }]);
  t.deepEqual(commitPayloads('w', ['88.118/A', `88.118/${'L'.repeat(8000)}`]).map((payload) => readCommitNotice(payload)), [{ writer: 'w', keys: null }]);
  t.is(commitPayloads('w', Array.from({ length: MAX_LOGGED_KEYS }, (_, i) => `88.118/${i}`)).flatMap((payload) => readCommitNotice(payload).keys ?? []).length, MAX_LOGGED_KEYS);
});

test('commit notices: a payload that is not one of ours (a NOTIFY by hand) means drop everything', (t) => {
  for (const payload of [undefined, '', 'hello', '{"writer":1,"keys":[]}', '{"writer":"w","keys":[1]}', '{"writer":"w"}']) {
    t.deepEqual(readCommitNotice(payload), { writer: '', keys: null }, String(payload));
  }
});
