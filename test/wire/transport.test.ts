// Framing and bounds of the two transports: multi-packet UDP, keepAlive, refusals, malformed input, limits.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import test from 'ava';
import { startWireNode } from '../support/wire-node.js';
import {
  body,
  envelope,
  errorMessage,
  F,
  OC,
  readAnswer,
  requestMessage,
  resolution,
  send,
  sendAuthenticated,
  sendKeptAlive,
  udpPackets,
  type Answer,
  type Exchange,
} from '../support/wire-client.js';

/** Sends raw datagrams from one socket; resolves with the first answer packet (an answer that fits one packet). */
function udpFirstAnswer(target: Exchange, datagrams: Buffer[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer'));
    }, 5000);
    socket.on('message', (packet: Buffer) => {
      clearTimeout(timer);
      socket.close();
      resolve(readAnswer(packet.subarray(0, 20), packet.subarray(20)));
    });
    socket.bind(0, '127.0.0.1', () => {
      for (const datagram of datagrams) socket.send(datagram, target.port, target.host);
    });
  });
}

/** Writes raw bytes on a TCP connection; resolves with everything received once the server closes it. */
function tcpRaw(target: Exchange, data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset is one way for the node to close: what was received before it counts.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.write(data);
  });
}

const LONG = 'x'.repeat(2000);

test('udp: a request in several packets is reassembled, and a long answer split into numbered packets', async (t) => {
  const { node, target, admin } = await startWireNode(t);
  const create = { opCode: OC.CREATE, body: body.values('88.118/LONG', [{ index: 1, type: 'NOTE', data: LONG }]) };
  const { answers } = await sendAuthenticated(target, 'udp', create, admin);
  t.is(answers[0]?.responseCode, 1, 'a 2 KB create arrives in 5 packets');
  const [answer] = await send(target, 'udp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/LONG') });
  t.is(resolution(answer!).values[0]?.data.toString(), LONG, 'the answer arrives in 5 packets, reassembled');
  // Packets may come in any order, and a repeated one changes nothing.
  const message = requestMessage({ opCode: OC.RESOLUTION, body: body.resolution(`88.118/${'A'.repeat(240)}`, [], ['URL', 'EMAIL', 'X'.repeat(400)]) });
  const packets = udpPackets({ opCode: OC.RESOLUTION, body: Buffer.alloc(0) }, message, 4242);
  t.true(packets.length >= 2);
  const reply = await udpFirstAnswer(target, [...packets].reverse().concat(packets[0]!));
  t.is(reply.requestId, 4242);
  t.is(reply.responseCode, 100);
  t.is(node.node.wire.openChallenges, 0);
});

test('udp: an incomplete request is dropped after the reassembly time; noise is never answered', async (t) => {
  const { node, target, wire } = await startWireNode(t);
  await node.register(t, '88.118/U');
  const message = requestMessage({ opCode: OC.RESOLUTION, body: body.resolution('88.118/U', [], ['Y'.repeat(600)]) });
  const [first] = udpPackets({ opCode: OC.RESOLUTION, body: Buffer.alloc(0) }, message, 777);
  const question = requestMessage({ opCode: OC.RESOLUTION, body: body.resolution('88.118/U') });
  const good = Buffer.concat([envelope([2, 11], 0, 99, 0, question.length), question]);
  // A short datagram, an envelope with an impossible length and half a request, then a real question: the first (and
  // only) answer is the real question's.
  const answer = await udpFirstAnswer(target, [Buffer.from('hello'), Buffer.concat([envelope([2, 11], 0, 1, 0, -5), question]), first!, good]);
  t.is(answer.requestId, 99);
  t.is(answer.responseCode, 1);
  t.is(wire.udp.reassembling(), 1, 'the half request waits');
  node.clock.advance(5001);
  const again = await udpFirstAnswer(target, [good]);
  t.is(again.requestId, 99);
  t.is(wire.udp.reassembling(), 0, 'and is dropped when its time is up');
});

test('tcp: keepAlive keeps the connection for the next request; without it the node closes after answering', async (t) => {
  const { node, target } = await startWireNode(t);
  await node.register(t, '88.118/K');
  const question = { opCode: OC.RESOLUTION, body: body.resolution('88.118/K') };
  const answers = await sendKeptAlive(target, [question, question, { ...question, body: body.resolution('88.118/none') }]);
  t.deepEqual(answers.map((a) => a[0]?.responseCode), [1, 1, 100]);
  const message = requestMessage(question);
  const received = await tcpRaw(target, Buffer.concat([envelope([2, 11], 0, 5, 0, message.length), message]));
  t.is(readAnswer(received.subarray(0, 20), received.subarray(20)).responseCode, 1, 'answered, then closed by the node');
});

test('tcp: a length beyond the bound is refused with RC_PROTOCOL_ERROR and the connection closed', async (t) => {
  const { target } = await startWireNode(t, { IDNODE_HANDLE_MAX_MESSAGE_BYTES: '2048' });
  const received = await tcpRaw(target, envelope([2, 11], 0, 7, 0, 4096));
  const answer = readAnswer(received.subarray(0, 20), received.subarray(20));
  t.is(answer.responseCode, 4);
  t.is(answer.requestId, 7);
  t.regex(errorMessage(answer), /length must be from 0 to 2048/);
});

test('tcp: a message not received in time gets RC_PROTOCOL_ERROR and the connection ends', async (t) => {
  const { target } = await startWireNode(t, { IDNODE_HANDLE_TIMEOUT_MS: '300' });
  const received = await tcpRaw(target, envelope([2, 11], 0, 8, 0, 100));
  const answer = readAnswer(received.subarray(0, 20), received.subarray(20));
  t.is(answer.responseCode, 4);
  t.regex(errorMessage(answer), /not received in time/);
});

test('tcp: a kept-alive connection left idle is closed quietly after the time-out', async (t) => {
  // Long enough that a loaded machine still delivers the one message before it (300 ms was not, under the full suite).
  const { node, target } = await startWireNode(t, { IDNODE_HANDLE_TIMEOUT_MS: '1500' });
  await node.register(t, '88.118/IDLE');
  const message = requestMessage({ opCode: OC.RESOLUTION, flags: (F.RECU | F.CACR | F.PUBL | F.KPAL) >>> 0, body: body.resolution('88.118/IDLE') });
  const received = await tcpRaw(target, Buffer.concat([envelope([2, 11], 0, 6, 0, message.length), message]));
  const length = 20 + received.readInt32BE(16);
  t.is(readAnswer(received.subarray(0, 20), received.subarray(20, length)).responseCode, 1);
  t.is(received.length, length, 'nothing after the answer: the node closed the idle connection without a message');
});

test('tcp: connections beyond IDNODE_HANDLE_MAX_CONNECTIONS are closed at once', async (t) => {
  const { node, target } = await startWireNode(t, { IDNODE_HANDLE_MAX_CONNECTIONS: '2' });
  await node.register(t, '88.118/C');
  const idle = [connect({ host: target.host, port: target.port }), connect({ host: target.host, port: target.port })];
  t.teardown(() => idle.forEach((socket) => socket.destroy()));
  await Promise.all(idle.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
  const message = requestMessage({ opCode: OC.RESOLUTION, body: body.resolution('88.118/C') });
  const refused = await tcpRaw(target, Buffer.concat([envelope([2, 11], 0, 9, 0, message.length), message]));
  t.is(refused.length, 0, 'the third connection is closed without an answer');
  await new Promise((resolve) => idle[0]!.once('close', resolve).destroy());
  // The node learns of the close a moment later: until then a new connection is still one too many.
  let code = 0;
  for (let attempt = 0; attempt < 50 && code === 0; attempt += 1) {
    code = await send(target, 'tcp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/C') }).then((answers) => answers[0]?.responseCode ?? 0, () => 0);
  }
  t.is(code, 1, 'a freed slot serves again');
});

test('refusals: unknown opcodes, encryption without a session, compression and other protocol versions', async (t) => {
  const { target } = await startWireNode(t);
  for (const transport of ['tcp', 'udp'] as const) {
    for (const opCode of [201, 300, 402, 1000, 1002, 9999]) {
      t.is((await send(target, transport, { opCode, body: body.handle('88.118/X') }))[0]?.responseCode, 5, `opCode ${opCode}: RC_OPERATION_NOT_SUPPORTED`);
    }
  }
  const message = requestMessage({ opCode: OC.RESOLUTION, body: body.resolution('88.118/X') });
  const withFlags = (flags: number, version: [number, number] = [2, 11]): Buffer => {
    const e = envelope(version, 0, 11, 0, message.length);
    e[2] = (e[2] ?? 0) | flags;
    return Buffer.concat([e, message]);
  };
  t.is((await udpFirstAnswer(target, [withFlags(0x40)])).responseCode, 500, 'encrypted outside a session: RC_SESSION_TIMEOUT');
  t.is((await udpFirstAnswer(target, [withFlags(0x80)])).responseCode, 4, 'compressed');
  t.is((await udpFirstAnswer(target, [withFlags(0, [3, 0])])).responseCode, 4, 'major version 3');
  const old = await udpFirstAnswer(target, [withFlags(0, [2, 0])]);
  t.is(old.responseCode, 4, 'version 2.0');
  t.deepEqual(old.version, [2, 1], 'answered in the oldest version this node writes');
  const answer = await udpFirstAnswer(target, [Buffer.concat([envelope([2, 11], 0, 12, 0, 8), Buffer.alloc(8)])]);
  t.is(answer.responseCode, 4, 'shorter than a header');
});

test('bounds: an answer larger than a protocol message is refused with ANSWER_TOO_LARGE', async (t) => {
  const { node, target } = await startWireNode(t);
  const big = 'z'.repeat(270_000);
  t.is((await node.put('/api/handles/88.118/BIG', [{ index: 1, type: 'NOTE', data: big }])).status, 201);
  for (const transport of ['tcp', 'udp'] as const) {
    const [answer] = await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/BIG') });
    t.is(answer?.responseCode, 2);
    t.regex(errorMessage(answer!), /larger than a Handle protocol message/);
  }
});

test('rate limits: a client network over its request budget gets RC_SERVER_TOO_BUSY', async (t) => {
  const { node, target } = await startWireNode(t, { IDNODE_RATE_LIMIT_PER_CLIENT: '3' });
  await node.register(t, '88.118/R');
  const codes: number[] = [];
  for (let i = 0; i < 6; i += 1) codes.push((await send(target, 'udp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/R') }))[0]?.responseCode ?? 0);
  t.true(codes.includes(3), codes.join(','));
  t.true(codes.indexOf(3) >= 2, 'the budget was spent first');
  t.true(await node.metric('idnode_http_requests_total{route="handles.get",status_class="4xx",protocol="udp"}') >= 1);
});

test('flags: cacheCertify, doNotRefer and the digest flag are echoed, keepAlive, overwrite and mint are not; authoritative and recursive always', async (t) => {
  const { node, target } = await startWireNode(t);
  await node.register(t, '88.118/FL');
  const flags = (F.RECU | F.CACR | F.DNRF | F.RRDG | F.KPAL | F.OVRW | F.MINT) >>> 0;
  const [answer] = await send(target, 'udp', { opCode: OC.RESOLUTION, flags, body: body.resolution('88.118/FL') });
  t.is(answer?.flags, (F.AUTH | F.RECU | F.CACR | F.DNRF | F.RRDG) >>> 0);
  t.is(answer?.digest?.code, 3);
  t.is(answer?.responseCode, 1);
});
