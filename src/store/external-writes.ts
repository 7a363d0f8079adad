// Notices commits by other processes (the idnode CLI) through PRAGMA data_version.

import type { Store } from './store.js';

/**
 * Calls `onChange` within `pollMs` after another connection committed to the store (this connection's own
 * commits do not change data_version). Returns a function that stops watching. `pollMs` 0 = never.
 */
export function watchExternalWrites(store: Store, pollMs: number, onChange: () => void): () => void {
  if (pollMs <= 0) return () => undefined;
  let seen = store.dataVersion();
  const timer = setInterval(() => {
    const version = store.dataVersion();
    if (version !== seen) {
      seen = version;
      onChange();
    }
  }, pollMs).unref();
  return () => clearInterval(timer);
}
