// Keeps one process's caches coherent with commits by other processes over the same store (workers, the CLI).

import type { Store } from './store.js';
import { IdnodeError } from '../errors.js';
import type { ChangeLog } from './change-log.js';

export interface ChangeHandlers {
  /** Another process changed these handle keys (committed): drop what is remembered about them. */
  readonly keys: (handleKeys: readonly string[]) => void;
  /** Another process changed more than the log can name (or did not log): drop everything. */
  readonly all: () => void;
}

/**
 * `check()` runs before anything is answered from memory: when PRAGMA data_version has not moved (the usual case) it
 * returns at once; otherwise it reads the change log past the last row seen and hands the keys other connections
 * changed to `handlers` — so a write acknowledged by any process is seen by this one's next answer.
 *
 * It looks once per turn of the event loop, before the first request or message that turn handles: reading
 * data_version is a read transaction on the WAL (about 7 µs of file locking, measured; five times the whole cached
 * answer), and once per turn is enough — every request a turn handles was already received when the turn's poll for
 * I/O returned, so a write acknowledged before that request was sent had committed before the look. (libuv polls a
 * second time within one turn only after 1,024 ready sockets; docs/performance.md.)
 *
 * data_version also moves while a writer restarts the WAL, before its commit lands: the restart rewrites the WAL's
 * shared header as soon as the writer's first frame is written (at a cache spill, or during the commit's fsync). So
 * "moved, but nothing logged" is first taken for that and looked at again; only if it is still so after `graceMs` is
 * it a write that did not log itself (another program), and everything is dropped. Before this, a node under write
 * load dropped every cache (verified credentials too: 50 PBKDF2 runs per drop) a few times a second.
 */
export class ChangeFeed {
  private version: number;
  private seq: number;
  /** True from a look until the end of this turn of the event loop (setImmediate runs right after the poll phase). */
  private looked = false;
  private readonly turnEnded = (): void => {
    this.looked = false;
  };

  /** When data_version moved with nothing logged (a WAL restart, or a write that did not log), first seen; else null. */
  private unloggedSinceMs: number | null = null;

  private readonly changes: ChangeLog;

  constructor(
    private readonly store: Store,
    private readonly handlers: ChangeHandlers,
    private readonly nowMs: () => number = Date.now,
    /** How long "moved, nothing logged" may last before it counts as a write that did not log itself. */
    private readonly graceMs = 1000,
  ) {
    this.changes = changeLogOf(store);
    this.version = this.changes.version();
    this.seq = this.changes.last();
  }

  /** Applies what other connections committed, once per turn of the event loop. Throws STORE_* when the store cannot be read. */
  check(): void {
    if (this.looked) return;
    this.looked = true;
    setImmediate(this.turnEnded);
    const { changes } = this;
    // Inside a write transaction the store is this connection's: the next check outside it looks.
    if (changes.version() === this.version || this.store.inTransaction) return;
    const read = this.store.guard(() => changes.read(this.seq));
    if (read.unlogged === true) {
      // Not yet news: the version is kept, so the next turn looks again (the writer's commit moves it once more).
      this.unloggedSinceMs ??= this.nowMs();
      if (this.nowMs() - this.unloggedSinceMs < this.graceMs) return;
    }
    this.unloggedSinceMs = null;
    this.version = read.version;
    this.seq = read.seq;
    if (read.keys === null) this.handlers.all();
    else if (read.keys.length > 0) this.handlers.keys(read.keys);
  }
}

/**
 * Also checks every `pollMs` (0 = never), so an idle process drops what it remembers about another's writes without
 * waiting for a request. Returns a function that stops the timer.
 */
export function pollChanges(feed: ChangeFeed, pollMs: number): () => void {
  if (pollMs <= 0) return () => undefined;
  const timer = setInterval(() => {
    try {
      feed.check();
    } catch {
      // The store could not be read: the next request or tick tries again (and reports it).
    }
  }, pollMs).unref();
  return () => clearInterval(timer);
}

/** The store's SQLite change log; the feed runs on SQLite only (PostgreSQL tells its commits by NOTIFY). */
function changeLogOf(store: Store): ChangeLog {
  if (store.changeLog === null) throw new IdnodeError('INTERNAL', 'the change feed reads SQLite\'s change log');
  return store.changeLog;
}
