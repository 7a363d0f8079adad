// Open challenges are bounded in count and bytes, expire on the injected clock, and are taken once.

import test from 'ava';
import { PendingChallenges } from '../../src/wire/challenges.js';
import { readEnvelope } from '../../src/wire/envelope.js';
import { decodeRequest, type WireRequest } from '../../src/wire/requests.js';
import { body, envelope, OC, requestMessage } from '../support/wire-client.js';

function request(handle: string, padding = 0): WireRequest {
  const message = requestMessage({ opCode: OC.CREATE, body: body.values(handle, [{ index: 1, type: 'NOTE', data: 'x'.repeat(padding) }]) });
  return decodeRequest(readEnvelope(envelope([2, 11], 0, 1, 0, message.length)), message);
}

test('challenges: taken once, gone after their time, oldest dropped beyond the bounds', (t) => {
  let now = 1_000_000;
  const table = new PendingChallenges({ maxEntries: 3, maxBytes: 64 * 1024, ttlMs: 15_000, nowMs: () => now });
  const first = table.create(request('88.118/A'));
  t.true(first.sessionId > 0);
  t.is(first.nonce.length, 16);
  t.is(first.digest.digest.length, 32, 'SHA-256 at 2.11');
  t.is(table.take(first.sessionId)?.request.body.op, 'create');
  t.is(table.take(first.sessionId), undefined, 'once');
  const expiring = table.create(request('88.118/B'));
  now += 15_000;
  t.is(table.take(expiring.sessionId), undefined, 'expired');
  const ids = ['C', 'D', 'E', 'F'].map((suffix) => table.create(request(`88.118/${suffix}`)).sessionId);
  t.is(table.size, 3);
  t.false(table.has(ids[0]!), 'the oldest went first');
  // Bytes: two 40 KB requests do not fit 64 KiB together.
  const big = [table.create(request('88.118/G', 40_000)), table.create(request('88.118/H', 40_000))];
  t.false(table.has(big[0]!.sessionId));
  t.true(table.heldBytes <= 64 * 1024);
  // In a session, a new challenge replaces the session's open one under the same id.
  const inSession = table.create(request('88.118/I'), 4242);
  t.is(inSession.sessionId, 4242);
  t.not(table.create(request('88.118/J'), 4242).nonce.toString('hex'), inSession.nonce.toString('hex'));
  t.is(table.take(4242)?.request.body.op, 'create');
});
