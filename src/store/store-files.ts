// What the store's files take on disk, and the room left on the filesystem that holds them (for the ops metrics).

import { statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface StoreFileStats {
  /** Bytes of the write-ahead log (`<db>-wal`); 0 when there is none. */
  readonly walBytes: number;
  /** Bytes available to the node on the filesystem holding the store (what `df` calls Avail); 0 for `:memory:`. */
  readonly diskAvailableBytes: number;
  /** Size of that filesystem in bytes; 0 for `:memory:`. */
  readonly diskSizeBytes: number;
}

/** Reads the sizes now (a stat and a statfs: cheap enough for every scrape). Never throws: what cannot be read is 0. */
export function storeFileStats(path: string): StoreFileStats {
  if (path === ':memory:') return { walBytes: 0, diskAvailableBytes: 0, diskSizeBytes: 0 };
  let walBytes = 0;
  try {
    walBytes = statSync(`${path}-wal`).size;
  } catch {
    // No WAL file (yet, or after a clean close) is 0 bytes of WAL.
  }
  try {
    const fs = statfsSync(dirname(resolve(path)));
    return { walBytes, diskAvailableBytes: fs.bavail * fs.bsize, diskSizeBytes: fs.blocks * fs.bsize };
  } catch {
    return { walBytes, diskAvailableBytes: 0, diskSizeBytes: 0 };
  }
}
