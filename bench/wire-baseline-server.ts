// The Handle-protocol ceiling: bare node:dgram and node:net responders answering idnode's resolutions with the same bytes from a Map.

import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { identifier } from './data-set.js';
import { encodedValues, ENVELOPE_BYTES, resolutionAnswer } from './wire-messages.js';

function positiveInteger(name: string): number {
  const raw = process.env[name] ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n <= 0) {
    process.stderr.write(`wire baseline: ${name} must be a positive integer (got ${JSON.stringify(raw)})\n`);
    process.exit(2);
  }
  return n;
}

const identifiers = positiveInteger('BENCH_IDENTIFIERS');
const port = positiveInteger('BENCH_PORT');

// Every seeded handle → its encoded values (count and bytes), built from the same generator as the seed.
const started = performance.now();
const values = new Map<string, Buffer>();
for (let i = 0; i < identifiers; i += 1) {
  const { handle, values: list } = identifier(i);
  values.set(handle, encodedValues(list));
}

/** The answer to one request message (envelope included), or null for anything that is not a resolution. */
function answer(request: Buffer): Buffer | null {
  if (request.length < ENVELOPE_BYTES + 28 || request.readInt32BE(ENVELOPE_BYTES) !== 1) return null;
  const length = request.readInt32BE(ENVELOPE_BYTES + 24);
  const handleBytes = request.subarray(ENVELOPE_BYTES + 28, ENVELOPE_BYTES + 28 + length);
  return resolutionAnswer(handleBytes, values.get(handleBytes.toString('utf8')) ?? null, request.readInt32BE(8), Math.floor(Date.now() / 1000));
}

const udp = createSocket('udp4');
udp.on('message', (packet, from) => {
  const reply = answer(packet);
  if (reply !== null) udp.send(reply, from.port, from.address);
});

const tcp = createServer((socket: Socket) => {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= ENVELOPE_BYTES) {
      const size = ENVELOPE_BYTES + buffered.readInt32BE(16);
      if (buffered.length < size) return;
      const reply = answer(buffered.subarray(0, size));
      buffered = buffered.subarray(size);
      if (reply !== null) socket.write(reply);
    }
  });
  socket.on('error', () => socket.destroy());
});

udp.bind(port, '127.0.0.1', () => {
  tcp.listen(port, '127.0.0.1', () => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`wire baseline: ${values.size} answers built in ${seconds} s, listening on 127.0.0.1:${port} (UDP and TCP)\n`);
  });
});

function stop(): void {
  udp.close();
  tcp.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
