// The Handle protocol over UDP: single-packet and reassembled multi-packet requests, answers split into 512-octet packets.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { answerEnvelope, type WireDispatcher, type Outgoing } from './dispatch.js';
import { readEnvelope, writeEnvelope, type Envelope } from './envelope.js';
import { ENVELOPE_BYTES, UDP_DATA_BYTES, VERSION } from './protocol.js';

export interface UdpOptions {
  /** Largest request message accepted, all its packets together. */
  readonly maxMessageBytes: number;
  /** Multi-packet requests being reassembled at once, and their buffers' octets together. */
  readonly maxPendingMessages: number;
  readonly maxPendingBytes: number;
  /** Time all packets of a request have to arrive once the first has (HdlUdpInterface waits 5 s). */
  readonly reassemblyMs: number;
  /** Requests being answered at once; datagrams beyond are dropped (a Handle client resends after its time-out). */
  readonly maxInFlight: number;
  /** Clock for reassembly deadlines (ms); tests inject their own. */
  readonly nowMs?: () => number;
}

interface Reassembly {
  readonly envelope: Envelope;
  readonly message: Buffer;
  readonly received: Uint8Array;
  missing: number;
  readonly expiresAt: number;
}

/** The packets of an answer: 492 message octets each, every one with an envelope naming its number and the total length. */
export function packets(outgoing: Outgoing): Buffer[] {
  const { message } = outgoing;
  const count = Math.max(1, Math.ceil(message.length / UDP_DATA_BYTES));
  const result: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const data = message.subarray(i * UDP_DATA_BYTES, (i + 1) * UDP_DATA_BYTES);
    const packet = Buffer.allocUnsafe(ENVELOPE_BYTES + data.length);
    writeEnvelope(answerEnvelope(outgoing, i, count > 1), packet);
    data.copy(packet, ENVELOPE_BYTES);
    result.push(packet);
  }
  return result;
}

/**
 * Collects the packets of multi-packet requests (envelope flag `truncated`), keyed by sender and request id as
 * HdlUdpInterface does: each packet carries the total length and its number, and its data goes at number × 492.
 * Bounded in count, octets and time; a packet that does not fit what its first said drops the whole request.
 */
class Reassembler {
  private readonly pending = new Map<string, Reassembly>();
  private bytes = 0;

  constructor(private readonly options: UdpOptions) {}

  private forget(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.pending.delete(key);
    this.bytes -= entry.message.length;
  }

  /** Drops requests whose time is up (oldest first: they all get the same time). */
  sweep(now: number): void {
    for (const [key, entry] of this.pending) {
      if (entry.expiresAt > now) return;
      this.forget(key);
    }
  }

  /** Adds a packet; returns the whole request once its last packet is in, else null. */
  add(key: string, envelope: Envelope, data: Buffer, now: number): { envelope: Envelope; message: Buffer } | null {
    this.sweep(now);
    const count = Math.ceil(envelope.messageLength / UDP_DATA_BYTES);
    const index = envelope.messageId;
    let entry = this.pending.get(key);
    if (entry !== undefined && entry.envelope.messageLength !== envelope.messageLength) {
      this.forget(key);
      return null;
    }
    if (index < 0 || index >= count) return null;
    const size = index === count - 1 ? envelope.messageLength - index * UDP_DATA_BYTES : UDP_DATA_BYTES;
    if (data.length !== size) {
      if (entry !== undefined) this.forget(key);
      return null;
    }
    if (entry === undefined) {
      if (this.pending.size >= this.options.maxPendingMessages || this.bytes + envelope.messageLength > this.options.maxPendingBytes) return null;
      entry = { envelope, message: Buffer.alloc(envelope.messageLength), received: new Uint8Array(count), missing: count, expiresAt: now + this.options.reassemblyMs };
      this.pending.set(key, entry);
      this.bytes += envelope.messageLength;
    }
    if (entry.received[index] === 0) {
      entry.received[index] = 1;
      entry.missing -= 1;
      data.copy(entry.message, index * UDP_DATA_BYTES);
    }
    if (entry.missing > 0) return null;
    this.forget(key);
    return { envelope: entry.envelope, message: entry.message };
  }

  get size(): number {
    return this.pending.size;
  }
}

export interface UdpListener {
  readonly socket: Socket;
  readonly port: number;
  /** Requests being reassembled now. */
  readonly reassembling: () => number;
  /** Stops reading; answers in progress get up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * Listens for the Handle protocol over UDP. Datagrams shorter than an envelope, or whose envelope cannot be read, are
 * dropped unanswered (an answer to noise would only reflect it); a readable request is answered, also with errors.
 */
export function listenUdp(dispatcher: WireDispatcher, host: string, port: number, options: UdpOptions): Promise<UdpListener> {
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  const reassembler = new Reassembler(options);
  const inFlight = new Set<Promise<void>>();
  const nowMs = options.nowMs ?? Date.now;
  // Stopping: no new datagram is read, answers under way are still sent until the socket closes.
  let stopping = false;
  let closed = false;
  const sweeper = setInterval(() => reassembler.sweep(nowMs()), options.reassemblyMs);
  sweeper.unref();
  const answer = (envelope: Envelope, message: Buffer, from: RemoteInfo): void => {
    if (inFlight.size >= options.maxInFlight) return;
    const send = (outgoing: Outgoing): void => {
      if (closed) return;
      for (const packet of packets(outgoing)) socket.send(packet, from.port, from.address, () => undefined);
    };
    const work = dispatcher.handle(envelope, message, { address: from.address, protocol: 'udp' }, send);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  socket.on('message', (datagram: Buffer, from: RemoteInfo) => {
    if (stopping || datagram.length < ENVELOPE_BYTES) return;
    let envelope: Envelope;
    try {
      envelope = readEnvelope(datagram, 0, options.maxMessageBytes);
    } catch {
      return;
    }
    const data = datagram.subarray(ENVELOPE_BYTES);
    if (reassembler.size > 0) reassembler.sweep(nowMs());
    if (!envelope.truncated) {
      // One packet carries the whole message (anything after it is ignored, as decodeMessage does).
      answer(envelope, data.subarray(0, envelope.messageLength), from);
      return;
    }
    const whole = reassembler.add(`${from.address}|${from.port}|${envelope.requestId}`, envelope, data, nowMs());
    if (whole !== null) answer(whole.envelope, whole.message, from);
  });
  // A send to a vanished peer (ICMP unreachable) surfaces here on some systems; it concerns that peer only.
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve({
        socket,
        port: socket.address().port,
        reassembling: () => reassembler.size,
        close: async (graceMs) => {
          stopping = true;
          clearInterval(sweeper);
          const grace = new Promise<void>((done) => setTimeout(done, graceMs).unref());
          await Promise.race([Promise.allSettled([...inFlight]), grace]);
          closed = true;
          await new Promise<void>((done) => socket.close(() => done()));
        },
      });
    });
  });
}
