// Cache coherence through PostgreSQL itself: the committed handle keys as NOTIFY payloads sent inside the writing
// transaction, and the LISTEN connection that hears every process's, reconnecting after a drop.

import pg from 'pg';
import { MAX_LOGGED_KEYS } from '../change-log.js';
import { answerChannel, PeerBarrier, PEERS_CHANNEL } from './peer-barrier.js';
import { isServerLost, translatePgError } from './pg-errors.js';
import { DEFAULT_QUERY_TIMEOUT_MS, timedQuery } from './pool.js';

/** The channel every idnode process over one database notifies and listens on. */
export const COMMITS_CHANNEL = 'idnode_commits';

/** PostgreSQL refuses a payload of 8000 bytes or more (NOTIFY: "must be shorter than 8000 bytes"). */
export const PAYLOAD_LIMIT_BYTES = 7999;

/** What one notice says: who wrote, and the keys (null: drop everything). */
export interface CommitNotice {
  readonly writer: string;
  readonly keys: readonly string[] | null;
}

/**
 * The payloads that tell other processes a transaction changed `handleKeys`: one JSON object per payload,
 * `{"writer":…,"keys":[…]}`, as many as it takes to stay under the limit. PostgreSQL delivers a transaction's
 * notices only when it commits, all together and in the order sent, and never those of a transaction rolled back.
 * More keys than the SQLite change log names (MAX_LOGGED_KEYS), or one key too long for a payload, become a single
 * `"keys":null` notice: drop everything, as a bulk load's row in the change log says.
 */
export function commitPayloads(writer: string, handleKeys: readonly string[]): string[] {
  const head = `{"writer":${JSON.stringify(writer)},"keys":`;
  const everything = [`${head}null}`];
  if (handleKeys.length > MAX_LOGGED_KEYS) return everything;
  const payloads: string[] = [];
  let parts: string[] = [];
  const frame = Buffer.byteLength(head) + 3; // "[", "]" and "}"
  let bytes = frame;
  for (const key of handleKeys) {
    const part = JSON.stringify(key);
    const size = Buffer.byteLength(part) + 1; // its comma
    if (frame + size > PAYLOAD_LIMIT_BYTES) return everything;
    if (bytes + size > PAYLOAD_LIMIT_BYTES) {
      payloads.push(`${head}[${parts.join(',')}]}`);
      parts = [];
      bytes = frame;
    }
    parts.push(part);
    bytes += size;
  }
  if (parts.length > 0) payloads.push(`${head}[${parts.join(',')}]}`);
  return payloads;
}

/** Reads a payload; anything on the channel that is not one of ours (a `NOTIFY` by hand) means "drop everything". */
export function readCommitNotice(payload: string | undefined): CommitNotice {
  try {
    const notice = JSON.parse(payload ?? '') as { writer?: unknown; keys?: unknown };
    const { writer, keys } = notice;
    if (typeof writer === 'string' && (keys === null || (Array.isArray(keys) && keys.every((key) => typeof key === 'string')))) {
      return { writer, keys: keys as string[] | null };
    }
  } catch {
    // Not JSON: below.
  }
  return { writer: '', keys: null };
}

export interface CommitListenerOptions {
  /** The settings of the member to LISTEN on (the writable one); rejects STORE_UNAVAILABLE while there is none. */
  readonly target: () => Promise<pg.ClientConfig>;
  /** Told when connecting to `config` failed as a lost server does (a failover): the engine looks for the primary. */
  readonly onUnreachable?: (config: pg.ClientConfig) => void;
  /** This engine instance's writer id: its own notices are skipped (it told its listeners itself, at commit). */
  readonly writer: string;
  /** Called with the keys another process committed, or null after a reconnection (notices sent meanwhile are lost). */
  readonly onNotice: (handleKeys: readonly string[] | null) => void;
  /**
   * Every `heartbeatMs` (default 5000) the connection runs `SELECT 1`; no answer within `queryTimeoutMs` (default
   * DEFAULT_QUERY_TIMEOUT_MS) counts as a lost connection. A server whose machine vanished closes no socket, and
   * LISTEN alone never asks.
   */
  readonly heartbeatMs?: number;
  readonly queryTimeoutMs?: number;
  /** First wait before reconnecting (ms), doubled after each failure up to `retryMaxMs`. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** How long a write waits for another process's answer (peer-barrier.ts; default DEFAULT_PEER_WAIT_MS). */
  readonly peerWaitMs?: number;
  /** Told of the processes a write stopped waiting for. */
  readonly onLatePeers?: (ids: readonly string[]) => void;
}

/** A channel name as a quoted identifier (LISTEN takes an identifier; pg_notify takes the same name as text). */
function quoted(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`;
}

/** The NOTIFY of the LISTEN connection; the comment tells it apart in pg_stat_activity from the writers' notices. */
const PEER_NOTIFY = '/* idnode peers */ SELECT pg_notify($1, $2)';

/**
 * One connection that LISTENs on COMMITS_CHANNEL, on the member `target` names. When it drops (server restart,
 * failover, a terminated backend) it reconnects — to the member `target` names then, the new primary after a
 * failover — waiting retryMinMs…retryMaxMs between tries, and once LISTEN is in force again it reports null: every
 * commit from then on is heard, and anything committed while it was away is covered by dropping everything.
 */
export class CommitNoticeListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Times the listener connected again after losing its connection. */
  reconnections = 0;
  /** Writes acknowledged only once every other process has read their notices (peer-barrier.ts). */
  readonly peers: PeerBarrier;

  constructor(private readonly options: CommitListenerOptions) {
    this.retryMs = options.retryMinMs ?? 100;
    this.peers = new PeerBarrier({
      id: options.writer,
      send: (channel, payload) => this.notify(channel, payload),
      ...(options.peerWaitMs === undefined ? {} : { waitMs: options.peerWaitMs }),
      ...(options.onLatePeers === undefined ? {} : { onLate: options.onLatePeers }),
    });
  }

  /** Resolves once every other listening process has read the notices of this process's commits so far. */
  settle(): Promise<void> {
    return this.peers.settle();
  }

  /** True while LISTEN is in force (false between a drop and the reconnection). */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Connects and LISTENs. Rejects STORE_UNAVAILABLE when the first connection fails (the engine does not open). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    // Others stop waiting for this process's answers at once, not after their wait.
    if (this.client !== null) await this.peers.bye().catch(() => undefined);
    const { client } = this;
    this.client = null;
    this.peers.reset();
    await client?.end().catch(() => undefined);
  }

  /** One NOTIFY on the LISTEN connection; rejects while there is none. */
  private async notify(channel: string, payload: string): Promise<void> {
    const { client } = this;
    if (client === null) throw new Error('not listening');
    await this.inTurn(client, timedQuery({ text: PEER_NOTIFY }, [channel, payload], this.options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS));
  }

  /** The LISTEN connection's queries one after another (node-postgres 9 refuses a query while one runs). */
  private turn: Promise<unknown> = Promise.resolve();

  private inTurn(client: pg.Client, query: pg.QueryConfig): Promise<unknown> {
    const run = this.turn.then(() => client.query(query));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async connect(): Promise<void> {
    const config = await this.options.target();
    const client = new pg.Client(config);
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    const answers = answerChannel(this.options.writer);
    client.on('notification', (message) => {
      if (message.channel === PEERS_CHANNEL || message.channel === answers) {
        this.peers.receive(message.payload);
        return;
      }
      if (message.channel !== COMMITS_CHANNEL) return;
      const notice = readCommitNotice(message.payload);
      if (notice.writer !== this.options.writer) this.options.onNotice(notice.keys);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${COMMITS_CHANNEL}; LISTEN ${PEERS_CHANNEL}; LISTEN ${quoted(answers)}`);
      // Before anything is served from memory: every ping committed after this hello waits for this process's answer.
      await client.query(timedQuery({ text: PEER_NOTIFY }, [PEERS_CHANNEL, this.peers.greeting()], this.options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS));
    } catch (error) {
      await client.end().catch(() => undefined);
      const translated = translatePgError(error);
      if (isServerLost(translated)) this.options.onUnreachable?.(config);
      throw translated;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.beat(client);
  }

  /** Asks `client` for an answer every heartbeatMs while it is the connection in use. */
  private beat(client: pg.Client): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (client !== this.client) return;
      this.inTurn(client, timedQuery({ text: 'SELECT 1' }, [], this.options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS)).catch(() => this.lost(client));
    }, this.options.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    clearInterval(this.heartbeat);
    this.client = null;
    this.peers.reset();
    client.end().catch(() => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.stopped) return;
          this.retryMs = this.options.retryMinMs ?? 100;
          this.reconnections += 1;
          this.options.onNotice(null);
        },
        () => {
          this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? 5000);
          this.schedule();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }
}
