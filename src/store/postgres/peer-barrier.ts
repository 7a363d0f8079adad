// "A write through one process is visible through every other before its response is sent", on PostgreSQL: after a
// commit, a ping on the peers channel; every other process answers it once it has read every notice queued before it,
// so by then it has dropped what the commit replaced. The write is acknowledged after the answers.

/** The channel every process LISTENs on for hellos, byes and pings. */
export const PEERS_CHANNEL = 'idnode_peers';

/** The channel one process LISTENs on for the answers to its own pings (NOTIFY channel names are case sensitive). */
export function answerChannel(id: string): string {
  return `idnode_peer_${id}`;
}

/** How long a write waits for a process that does not answer (ms); it is then not waited for until it answers again. */
export const DEFAULT_PEER_WAIT_MS = 1000;
/** A process not heard from for this long after it stopped answering is forgotten (it crashed without a bye). */
const FORGET_AFTER_MS = 60_000;

type PeerMessage = { readonly t: 'hello' | 'bye'; readonly from: string } | { readonly t: 'ping' | 'pong'; readonly from: string; readonly n: number };

interface Peer {
  /** Did not answer a ping within the wait: not waited for again until it answers. */
  late: boolean;
  heardAtMs: number;
}

interface Ping {
  readonly n: number;
  /** Its own copy came back: every notice committed before it has been read here too (hellos included). */
  echoed: boolean;
  /**
   * The processes whose answer it still needs, known once it is echoed (an answer is committed after the ping it
   * answers, so it is read after the echo).
   */
  readonly waiting: Set<string>;
  readonly done: (() => void)[];
  timer?: NodeJS.Timeout;
}

export interface PeerBarrierOptions {
  /** This process's id (its writer id: unique per running node). */
  readonly id: string;
  /** Sends one NOTIFY on the LISTEN connection; rejects when it cannot. */
  readonly send: (channel: string, payload: string) => Promise<void>;
  readonly waitMs?: number;
  /** Told of the processes a write stopped waiting for (for the log). */
  readonly onLate?: (ids: readonly string[]) => void;
}

/**
 * The protocol, on one LISTEN connection per process (PostgreSQL delivers one session's notices in commit order, over
 * every channel it listens on):
 * - `hello` when a process starts listening, before it serves; `bye` when it stops;
 * - `ping n` after this process's writes committed; its own copy coming back means every hello and commit notice
 *   committed before it has been read here, so the set of processes to wait for is known;
 * - every other process answers `pong n` on this one's answer channel, from the handler that read the ping, after it
 *   handled every commit notice before it (cache entries dropped).
 */
export class PeerBarrier {
  private readonly peers = new Map<string, Peer>();
  private readonly pings = new Map<number, Ping>();
  /**
   * The ping the next settle() calls join, sent once this turn of the event loop has handled what arrived (setImmediate):
   * the writes of one group commit come back together and share it.
   */
  private gathering: Ping | null = null;
  private counter = 0;
  private readonly waitMs: number;

  constructor(private readonly options: PeerBarrierOptions) {
    this.waitMs = options.waitMs ?? DEFAULT_PEER_WAIT_MS;
  }

  /** Resolves once every other listening process has read every notice this process's connection saw committed before the call. */
  settle(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.gathering === null) {
        this.counter += 1;
        const ping: Ping = { n: this.counter, echoed: false, waiting: new Set(), done: [] };
        this.gathering = ping;
        setImmediate(() => this.start(ping));
      }
      this.gathering.done.push(resolve);
    });
  }

  /** The hello to send on PEERS_CHANNEL once LISTEN is in force, before anything is served from memory. */
  greeting(): string {
    return this.message({ t: 'hello', from: this.options.id });
  }

  bye(): Promise<void> {
    return this.options.send(PEERS_CHANNEL, this.message({ t: 'bye', from: this.options.id }));
  }

  /** Every notice on PEERS_CHANNEL or this process's answer channel, in the order the connection read them. */
  receive(payload: string | undefined): void {
    const message = readPeerMessage(payload);
    if (message === null) return;
    const self = message.from === this.options.id;
    switch (message.t) {
      case 'hello':
        if (!self) this.peers.set(message.from, { late: false, heardAtMs: Date.now() });
        return;
      case 'bye':
        this.peers.delete(message.from);
        for (const ping of this.pings.values()) this.answer(ping, message.from);
        return;
      case 'ping':
        if (self) this.echo(message.n);
        else this.options.send(answerChannel(message.from), this.message({ t: 'pong', from: this.options.id, n: message.n })).catch(() => undefined);
        return;
      case 'pong': {
        if (self) return;
        this.peers.set(message.from, { late: false, heardAtMs: Date.now() });
        // An answer to ping n says every ping before it was read as well.
        for (const ping of [...this.pings.values()]) if (ping.n <= message.n) this.answer(ping, message.from);
        return;
      }
    }
  }

  /** The connection was lost: pings sent on it never come back. Writes waiting are let go (nothing better is known). */
  reset(): void {
    for (const ping of [...this.pings.values()]) this.finish(ping);
  }

  private start(ping: Ping): void {
    if (this.gathering === ping) this.gathering = null;
    this.pings.set(ping.n, ping);
    ping.timer = setTimeout(() => this.late(ping), this.waitMs);
    this.options.send(PEERS_CHANNEL, this.message({ t: 'ping', from: this.options.id, n: ping.n })).catch(() => this.finish(ping));
  }

  private echo(n: number): void {
    const ping = this.pings.get(n);
    if (ping === undefined) return;
    ping.echoed = true;
    for (const [id, peer] of this.peers) if (!peer.late) ping.waiting.add(id);
    this.check(ping);
  }

  private answer(ping: Ping, id: string): void {
    ping.waiting.delete(id);
    this.check(ping);
  }

  private check(ping: Ping): void {
    if (ping.echoed && ping.waiting.size === 0) this.finish(ping);
  }

  private late(ping: Ping): void {
    const late = ping.echoed ? [...ping.waiting] : [];
    for (const id of late) {
      const peer = this.peers.get(id);
      if (peer !== undefined) peer.late = true;
    }
    if (late.length > 0) this.options.onLate?.(late);
    const now = Date.now();
    for (const [id, peer] of this.peers) if (peer.late && now - peer.heardAtMs > FORGET_AFTER_MS) this.peers.delete(id);
    this.finish(ping);
  }

  private finish(ping: Ping): void {
    clearTimeout(ping.timer);
    this.pings.delete(ping.n);
    for (const resolve of ping.done.splice(0)) resolve();
  }

  private message(message: PeerMessage): string {
    return JSON.stringify(message);
  }
}

/** Reads a notice on the peers channels; anything else (a NOTIFY by hand) is ignored. */
export function readPeerMessage(payload: string | undefined): PeerMessage | null {
  try {
    const message = JSON.parse(payload ?? '') as { t?: unknown; from?: unknown; n?: unknown };
    if (typeof message.from !== 'string') return null;
    if (message.t === 'hello' || message.t === 'bye') return { t: message.t, from: message.from };
    if ((message.t === 'ping' || message.t === 'pong') && typeof message.n === 'number') return { t: message.t, from: message.from, n: message.n };
  } catch {
    // Not JSON.
  }
  return null;
}
