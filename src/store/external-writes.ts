// Notices commits by other processes (the idnode CLI, an import) through PRAGMA data_version and their mark.

import type { Store } from './store.js';

/**
 * Calls `onChange` within `pollMs` after a connection marked `external` (StoreOptions.external: the CLI's) committed
 * to the store. The node's own writes — its writer thread, its sibling worker processes, which report what they
 * change — are other connections too, so data_version alone cannot tell; it only says when to look at the mark.
 * Returns a function that stops watching. `pollMs` 0 = never.
 */
export function watchExternalWrites(store: Store, pollMs: number, onChange: () => void): () => void {
  if (pollMs <= 0) return () => undefined;
  let version = store.dataVersion();
  let mark = store.externalWriteMark();
  const timer = setInterval(() => {
    try {
      const nextVersion = store.dataVersion();
      if (nextVersion === version) return;
      version = nextVersion;
      const nextMark = store.externalWriteMark();
      if (nextMark !== mark) {
        mark = nextMark;
        onChange();
      }
    } catch {
      // A store that cannot be read is reported by readiness; the next tick looks again.
    }
  }, pollMs).unref();
  return () => clearInterval(timer);
}
