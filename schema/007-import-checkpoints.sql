-- Issue 13: where each `idnode import` of a file got to (src/store/bulk-tables.ts). The row is written in the same
-- transaction as the identifiers it counts, so after an interruption the import resumes at `offset` and loads every
-- line exactly once; `rejects_bytes` is how much of the reject file belongs to the lines before `offset`.

CREATE TABLE import_checkpoints (
  file TEXT PRIMARY KEY,                  -- absolute path of the imported file
  fingerprint TEXT NOT NULL,              -- size and a hash of its first 64 KiB: another file at that path starts over
  offset INTEGER NOT NULL,                -- bytes of the file committed (a line or CSV row boundary)
  line INTEGER NOT NULL,                  -- lines of the file committed
  loaded INTEGER NOT NULL,                -- identifiers loaded so far
  rejected INTEGER NOT NULL,              -- lines or handles rejected so far
  rejects_bytes INTEGER NOT NULL,         -- length of the reject file at this checkpoint
  state TEXT NOT NULL,                    -- format-specific state, JSON (the CSV header)
  done INTEGER NOT NULL,                  -- 1 once the whole file was read
  updated_at INTEGER NOT NULL             -- Unix seconds
) STRICT, WITHOUT ROWID;
