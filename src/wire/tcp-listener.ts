// The Handle protocol over TCP: envelope-framed messages, one request at a time per connection, bounded connections and time.

import { createServer, type Server, type Socket } from 'node:net';
import { IdnodeError } from '../errors.js';
import { answerEnvelope, type WireDispatcher, type Outgoing } from './dispatch.js';
import { readEnvelope, writeEnvelope } from './envelope.js';
import { ENVELOPE_BYTES, FLAG, VERSION } from './protocol.js';

export interface TcpOptions {
  readonly maxConnections: number;
  /** Largest request message accepted (envelope excluded). */
  readonly maxMessageBytes: number;
  /** Time a client has to send a whole message, and to start the next one on a kept-alive connection. */
  readonly timeoutMs: number;
}

/** The envelope and message of an answer, as one buffer for the stream. */
export function framed(outgoing: Outgoing): Buffer {
  const frame = Buffer.allocUnsafe(ENVELOPE_BYTES + outgoing.message.length);
  writeEnvelope(answerEnvelope(outgoing), frame);
  outgoing.message.copy(frame, ENVELOPE_BYTES);
  return frame;
}

/**
 * Serves one connection: reads an envelope and its message, answers, and then, as HdlTcpRequestHandler does, closes
 * the connection — unless the request set keepAlive, when the next request may follow. Reading pauses while a request
 * is answered, so a connection never holds more than one message. A message not received within `timeoutMs` of its
 * first octet (or of the previous answer), or with an impossible length, gets RC_PROTOCOL_ERROR and the connection ends.
 */
function serve(socket: Socket, dispatcher: WireDispatcher, options: TcpOptions, busy: Set<Socket>): void {
  const peer = { address: socket.remoteAddress ?? '', protocol: 'tcp' as const };
  let buffered: Buffer = Buffer.alloc(0);
  let expected = -1;
  let done = false;
  const send = async (outgoing: Outgoing): Promise<void> => {
    if (socket.destroyed) return;
    if (!socket.write(framed(outgoing))) await new Promise<void>((resolve) => socket.once('drain', resolve).once('close', resolve));
  };
  const finish = (): void => {
    done = true;
    clearTimeout(deadline);
    socket.end();
    // A peer that never reads its answer must not keep the socket (and its buffers) alive.
    setTimeout(() => socket.destroy(), options.timeoutMs).unref();
  };
  let answered = 0;
  const expire = (): void => {
    if (done || busy.has(socket)) return;
    // A kept-alive connection left idle is simply closed; a message begun and not finished is answered, as
    // HdlTcpRequestHandler answers a read that timed out.
    if (answered > 0 && buffered.length === 0) return finish();
    void dispatcher.refuse(buffered.subarray(0, ENVELOPE_BYTES), new IdnodeError('MALFORMED_MESSAGE', 'the message was not received in time'), peer, send).finally(finish);
  };
  let deadline = setTimeout(expire, options.timeoutMs);
  const next = async (): Promise<void> => {
    while (!done && !busy.has(socket)) {
      if (expected < 0) {
        if (buffered.length < ENVELOPE_BYTES) return;
        try {
          expected = readEnvelope(buffered, 0, options.maxMessageBytes).messageLength;
        } catch (error) {
          busy.add(socket);
          await dispatcher.refuse(buffered.subarray(0, ENVELOPE_BYTES), error, peer, send);
          finish();
          return;
        }
      }
      if (buffered.length < ENVELOPE_BYTES + expected) return;
      const envelope = readEnvelope(buffered, 0, options.maxMessageBytes);
      const message = Buffer.from(buffered.subarray(ENVELOPE_BYTES, ENVELOPE_BYTES + expected));
      buffered = buffered.subarray(ENVELOPE_BYTES + expected);
      expected = -1;
      clearTimeout(deadline);
      busy.add(socket);
      socket.pause();
      await dispatcher.handle(envelope, message, peer, send);
      answered += 1;
      busy.delete(socket);
      const keepAlive = message.length >= 12 && (message.readInt32BE(8) & FLAG.KEEP_ALIVE) !== 0;
      if (!keepAlive) {
        finish();
        return;
      }
      deadline = setTimeout(expire, options.timeoutMs);
      socket.resume();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    // Bounded: a message is taken out as soon as it is complete, its length was checked against maxMessageBytes from
    // its envelope, and reading pauses while it is answered, so at most one message and a read's worth are held.
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    void next();
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    done = true;
    clearTimeout(deadline);
    busy.delete(socket);
  });
}

export interface TcpListener {
  readonly server: Server;
  /** Stops accepting; answers in progress get up to `graceMs`, then every connection is closed. */
  close(graceMs: number): Promise<void>;
}

/** Listens for the Handle protocol over TCP on host:port (0: a free port) and resolves once listening. */
export function listenTcp(dispatcher: WireDispatcher, host: string, port: number, options: TcpOptions): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    serve(socket, dispatcher, options, busy);
  });
  // Connections beyond the bound are closed by Node as soon as they are accepted.
  server.maxConnections = options.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        close: (graceMs) =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
            const force = setTimeout(() => {
              for (const socket of sockets) socket.destroy();
            }, graceMs);
            force.unref();
            server.once('close', () => clearTimeout(force));
          }),
      });
    });
  });
}
