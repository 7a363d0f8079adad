// Fuzzing the Handle-protocol decoder and dispatcher with random and mutated valid messages: no crash, no hang, bounded memory.

import test from 'ava';
import fc from 'fast-check';
import { IdnodeError } from '../../src/errors.js';
import { readEnvelope, type Envelope } from '../../src/wire/envelope.js';
import { decodeRequest } from '../../src/wire/requests.js';
import { startWireNode } from '../support/wire-node.js';
import { body, DEFAULT_FLAGS, envelope, F, int32, OC, readAnswer, requestMessage, send } from '../support/wire-client.js';

const VALUE = { index: 1, type: 'URL', data: 'https://example.cn', references: [{ handle: '88.118/R', index: 2 }] };
/** One valid request of every kind the node decodes, to mutate. */
const VALID = [
  requestMessage({ opCode: OC.RESOLUTION, body: body.resolution('88.118/F', [1, 2], ['URL', 'EMAIL']) }),
  requestMessage({ opCode: OC.GET_SITE_INFO, body: body.handle('/') }),
  requestMessage({ opCode: OC.CREATE, flags: DEFAULT_FLAGS | F.MINT, body: body.values('88.118/F', [VALUE, { ...VALUE, index: 2, type: 'HS_ADMIN', data: Buffer.from('0ff30000000b302e4e412f38382e3131380000012c', 'hex') }]) }),
  requestMessage({ opCode: OC.ADD, body: body.values('88.118/F', [VALUE]) }),
  requestMessage({ opCode: OC.MODIFY, body: body.values('88.118/F', [VALUE]) }),
  requestMessage({ opCode: OC.REMOVE, body: body.remove('88.118/F', [1, 2, 3]) }),
  requestMessage({ opCode: OC.DELETE, body: body.handle('88.118/F') }),
  requestMessage({ opCode: OC.LIST, body: body.handle('0.NA/88.118') }),
  requestMessage({ opCode: OC.ANSWER, body: body.answer('HS_SECKEY', '0.NA/88.118', 300, Buffer.from([0x22, 0, 0, 0, 1, 9, 0, 0, 3, 0xe8, 0, 0, 0, 0xa0, 0, 0, 0, 1, 7])) }),
];

/** Mutations that keep a message mostly well-formed, so the body decoders are reached: bytes flipped, lengths and counts replaced, cuts. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('int' as const), at: fc.nat(), value: fc.constantFrom(0, 1, -1, 0x7fffffff, 0x80000000, 4, 0x10000, 2048, 2049, 65, 1_048_577) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([message, mutations]) => {
    let bytes = Buffer.from(message);
    for (const { kind, at, value } of mutations) {
      if (bytes.length === 0) break;
      const where = at % bytes.length;
      if (kind === 'byte') bytes[where] = value;
      else if (kind === 'cut') bytes = bytes.subarray(0, where);
      else if (where + 4 <= bytes.length) bytes.writeUInt32BE(value >>> 0, where);
    }
    return bytes;
  });
const random = fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes));
const anyMessage = fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: random });

function envelopeFor(message: Buffer): Envelope {
  return readEnvelope(envelope([2, 11], 0, 1, 0, message.length));
}

test('decoder fuzz: any message decodes or is refused with a catalog error, quickly and without holding memory', (t) => {
  const heapBefore = process.memoryUsage().heapUsed;
  let slowest = 0;
  let refused = 0;
  fc.assert(
    fc.property(anyMessage, (message) => {
      const started = performance.now();
      try {
        decodeRequest(envelopeFor(message), message);
      } catch (error) {
        if (!(error instanceof IdnodeError) || error.isServerError) throw error;
        refused += 1;
      }
      slowest = Math.max(slowest, performance.now() - started);
    }),
    { numRuns: 5000, seed: 18 },
  );
  t.true(refused > 1000, `${refused} refused: the mutations reach the error paths`);
  t.true(slowest < 250, `the slowest decode took ${slowest.toFixed(1)} ms`);
  // Hostile counts and lengths are checked against what is left before anything is allocated for them.
  const grown = process.memoryUsage().heapUsed - heapBefore;
  t.true(grown < 64 * 1024 * 1024, `heap grew ${Math.round(grown / 1024 / 1024)} MiB`);
  const huge = Buffer.concat([requestMessage({ opCode: OC.CREATE, body: Buffer.concat([body.handle('88.118/H'), int32(0x7fffffff)]) })]);
  t.is(t.throws(() => decodeRequest(envelopeFor(huge), huge), { instanceOf: IdnodeError })?.code, 'MALFORMED_MESSAGE');
});

test('dispatcher fuzz: every message gets well-formed answers or none, no fault of the node, and the node keeps answering', async (t) => {
  t.timeout(120_000);
  const { node, target } = await startWireNode(t);
  await node.register(t, '88.118/F');
  const dispatcher = node.node.wire;
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(anyMessage, fc.constantFrom('tcp' as const, 'udp' as const), fc.constantFrom(0, 77), async (message, protocol, sessionId) => {
      const outgoing: Buffer[] = [];
      const env = { ...envelopeFor(message), sessionId };
      await dispatcher.handle(env, message, { address: '127.0.0.1', protocol }, (out) => void outgoing.push(out.message));
      for (const reply of outgoing) {
        const answer = readAnswer(Buffer.alloc(20), reply);
        if (answer.responseCode === 0 || reply.length !== 24 + reply.readInt32BE(20) + 4 + answer.signature.length) throw new Error(`malformed answer ${reply.toString('hex')}`);
        answered += 1;
      }
    }),
    { numRuns: 2000, seed: 18 },
  );
  t.true(answered >= 2000, `${answered} answers`);
  // 5xx answers are counted for unknown opcodes (501, as REST counts an unknown verb); a fault would be logged.
  t.deepEqual(node.logLines.filter((line) => line.includes('request failed')), [], 'no request failed on the node');
  t.is((await send(target, 'udp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/F') }))[0]?.responseCode, 1, 'still answering');
  t.true(dispatcher.openChallenges <= 2000);
});
