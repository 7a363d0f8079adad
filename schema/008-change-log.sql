-- Issue 13 target 6: what each write transaction changed, for the other processes over this store (IDNODE_WORKERS,
-- the CLI). Every transaction that writes through the store appends one row in the same transaction; a process that
-- sees PRAGMA data_version move reads the rows past the last one it saw and drops exactly those keys from its caches
-- (src/store/change-feed.ts). Only the latest rows are kept: a process further behind drops its caches whole.

CREATE TABLE change_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so a gap means rows were pruned
  writer TEXT NOT NULL,                  -- the writing connection (a random id): a process skips its own rows
  keys TEXT                              -- JSON array of the canonical handle keys written; NULL = too many, drop all
) STRICT;
