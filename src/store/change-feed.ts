// Keeps one process's caches coherent with commits by other processes over the same store (workers, the CLI).

import type { Store } from './store.js';

export interface ChangeHandlers {
  /** Another process changed these handle keys (committed): drop what is remembered about them. */
  readonly keys: (handleKeys: readonly string[]) => void;
  /** Another process changed more than the log can name (or did not log): drop everything. */
  readonly all: () => void;
}

/**
 * `check()` runs before anything is answered from memory: when PRAGMA data_version has not moved (the usual case, one
 * cheap SQLite step) it returns at once; otherwise it reads the change log past the last row seen and hands the keys
 * other connections changed to `handlers` — so a write acknowledged by any process is seen by this one's next answer.
 */
export class ChangeFeed {
  private version: number;
  private seq: number;

  constructor(
    private readonly store: Store,
    private readonly handlers: ChangeHandlers,
  ) {
    this.version = store.changes.version();
    this.seq = store.changes.last();
  }

  /** Applies what other connections committed since the last check. Throws STORE_* when the store cannot be read. */
  check(): void {
    const { changes } = this.store;
    // Inside a write transaction the store is this connection's: the next check outside it looks.
    if (changes.version() === this.version || this.store.inTransaction) return;
    const read = this.store.guard(() => changes.read(this.seq));
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
