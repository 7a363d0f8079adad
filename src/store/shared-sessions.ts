// Handle sessions every worker over one store shares (IDNODE_WORKERS > 1): a table in its own file beside the store.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from './sql-connection.js';
import { SessionRules, type Session, type SessionCacheOptions } from '../cache/session-cache.js';
import { createPrivateFile, makePrivateFolders } from './private-files.js';
import { asSqlConnection, type SqlConnection } from './sql-connection.js';
import { translateSqliteError } from './sqlite-errors.js';

/** How an identity is written into the table and read back. */
export interface IdentityCodec<I> {
  encode(identity: I): string;
  decode(text: string): I;
}

interface Row {
  id: string;
  expires_at_ms: number;
  nonce: Buffer;
  nonce_expires_at_ms: number;
  nonce_used: number;
  wrong_answers: number;
  identity: string | null;
  login_key: string | null;
}

/** The bound is enforced every this many new sessions (a count of the table's index). */
const BOUND_EVERY = 16;

const SCHEMA = `CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  authenticated INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  nonce_expires_at_ms INTEGER NOT NULL,
  nonce_used INTEGER NOT NULL,
  wrong_answers INTEGER NOT NULL,
  identity TEXT,
  login_key TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (authenticated, expires_at_ms);`;

/**
 * The same table in PostgreSQL, beside the registry: UNLOGGED, so a session write waits for no WAL flush (and a
 * crash empties the table, as a restart ends in-memory sessions), and not replicated to standbys — after a failover
 * clients open new sessions, as after a restart.
 */
const POSTGRES_SCHEMA = `CREATE UNLOGGED TABLE IF NOT EXISTS sessions (
  id text COLLATE "C" PRIMARY KEY,
  authenticated bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  nonce bytea NOT NULL,
  nonce_expires_at_ms bigint NOT NULL,
  nonce_used bigint NOT NULL,
  wrong_answers bigint NOT NULL,
  identity text,
  login_key text
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (authenticated, expires_at_ms);`;

/**
 * The same rules as the in-memory SessionCache (open challenges and authenticated sessions bounded apart, a challenge
 * lasting as long as its nonce, an authenticated session `idleMs` after its last use), kept in `<db>.sessions`, a
 * SQLite file of its own so that session traffic neither waits for the store's fsync nor moves the store's
 * data_version (which would make every worker drop its caches). Sessions are not worth an fsync: the file is
 * synchronous=OFF and emptied when the node starts (src/cluster/primary.ts), as a restart ends in-memory sessions too.
 * Every read goes to the table, so what one worker changes the next request sees, whichever worker takes it.
 */
export class SharedSessions<I> extends SessionRules<I> {
  private readonly db: SqlConnection;
  /** Whether this table owns its connection (its own SQLite file) or shares the store's (PostgreSQL). */
  private readonly owned: boolean;
  private readonly select: Statement<[string, number], Row>;
  private readonly upsert: Statement;
  private readonly touch: Statement<[number, string]>;
  private readonly remove: Statement<[string]>;
  private readonly expire: Statement<[number]>;
  private readonly count: Statement<[number], number>;
  private readonly trim: Statement<[number, number]>;
  private created = 0;

  /**
   * `where` is the path of the sessions' own SQLite file, or the store's connection when the store is PostgreSQL
   * (the table is created there if missing, inside a write transaction: processes starting together create it once).
   */
  constructor(
    where: string | SqlConnection,
    options: SessionCacheOptions,
    private readonly codec: IdentityCodec<I>,
  ) {
    super(options);
    this.owned = typeof where === 'string';
    if (typeof where === 'string') {
      if (where !== ':memory:') {
        makePrivateFolders(dirname(where));
        if (!existsSync(where)) createPrivateFile(where);
      }
      const db = new Database(where);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = OFF');
        db.pragma('busy_timeout = 5000');
        db.exec(SCHEMA);
      } catch (error) {
        db.close();
        throw translateSqliteError(error);
      }
      this.db = asSqlConnection(db);
    } else {
      this.db = where;
      this.db.transaction(() => this.db.exec(POSTGRES_SCHEMA))();
    }
    this.select = this.db.prepare('SELECT * FROM sessions WHERE id = ? AND expires_at_ms >= ?');
    this.upsert = this.db.prepare(
      `INSERT INTO sessions (id, authenticated, expires_at_ms, nonce, nonce_expires_at_ms, nonce_used, wrong_answers, identity, login_key)
       VALUES (@id, @authenticated, @expires, @nonce, @nonceExpires, @nonceUsed, @wrongAnswers, @identity, @loginKey)
       ON CONFLICT (id) DO UPDATE SET authenticated = excluded.authenticated, expires_at_ms = excluded.expires_at_ms, nonce = excluded.nonce,
         nonce_expires_at_ms = excluded.nonce_expires_at_ms, nonce_used = excluded.nonce_used, wrong_answers = excluded.wrong_answers,
         identity = excluded.identity, login_key = excluded.login_key`,
    );
    this.touch = this.db.prepare('UPDATE sessions SET expires_at_ms = ? WHERE id = ?');
    this.remove = this.db.prepare('DELETE FROM sessions WHERE id = ?');
    this.expire = this.db.prepare('DELETE FROM sessions WHERE authenticated IN (0, 1) AND expires_at_ms < ?');
    this.count = this.db.prepare<[number], number>('SELECT count(*) FROM sessions WHERE authenticated = ?').pluck();
    this.trim = this.db.prepare('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE authenticated = ? ORDER BY expires_at_ms LIMIT ?)');
  }

  create(): Session<I> {
    this.created += 1;
    if (this.created % BOUND_EVERY === 0) this.bound();
    return this.newSession();
  }

  get(id: string): Session<I> | undefined {
    const nowMs = this.options.nowMs();
    const row = this.run(() => this.select.get(id, nowMs));
    if (row === undefined) return undefined;
    const session: Session<I> = {
      id: row.id,
      nonce: row.nonce,
      nonceExpiresAtMs: row.nonce_expires_at_ms,
      nonceUsed: row.nonce_used === 1,
      wrongAnswers: row.wrong_answers,
      identity: row.identity === null ? null : this.codec.decode(row.identity),
      loginKey: row.login_key,
    };
    // Using an authenticated session starts its idle time again.
    if (session.identity !== null) this.run(() => this.touch.run(nowMs + this.options.idleMs, id));
    return session;
  }

  protected keepNonce(session: Session<I>): void {
    this.save(session);
  }

  protected keepWrongAnswer(session: Session<I>): void {
    this.save(session);
  }

  authenticate(session: Session<I>, identity: I, loginKey: string): void {
    session.identity = identity;
    session.loginKey = loginKey;
    this.save(session);
  }

  delete(id: string): boolean {
    return this.run(() => this.remove.run(id).changes === 1);
  }

  get size(): { open: number; authenticated: number } {
    return this.run(() => ({ open: this.count.get(0) ?? 0, authenticated: this.count.get(1) ?? 0 }));
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  /** Writes the whole session: an open one lasts as long as its nonce, an authenticated one `idleMs` from now. */
  private save(session: Session<I>): void {
    const authenticated = session.identity !== null;
    this.run(() =>
      this.upsert.run({
        id: session.id,
        authenticated: authenticated ? 1 : 0,
        expires: authenticated ? this.options.nowMs() + this.options.idleMs : session.nonceExpiresAtMs,
        nonce: session.nonce,
        nonceExpires: session.nonceExpiresAtMs,
        nonceUsed: session.nonceUsed ? 1 : 0,
        wrongAnswers: session.wrongAnswers,
        identity: session.identity === null ? null : this.codec.encode(session.identity),
        loginKey: session.loginKey,
      }),
    );
  }

  /** Drops expired sessions, then the oldest of each kind beyond `maxSessions`. */
  private bound(): void {
    this.run(() => {
      this.expire.run(this.options.nowMs());
      for (const kind of [0, 1]) {
        const over = (this.count.get(kind) ?? 0) - this.options.maxSessions + 1;
        if (over > 0) this.trim.run(kind, over);
      }
    });
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }
}
