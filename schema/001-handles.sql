-- Handle records: one row per handle, all its values in one JSON column, so "all values of H" is one
-- lookup on the unique handle_key index and a prefix is listed in pages from handles_by_prefix.
CREATE TABLE handles (
  id INTEGER PRIMARY KEY,
  handle_key TEXT NOT NULL UNIQUE,        -- canonical form (src/identifier/handle.ts)
  handle TEXT NOT NULL,                   -- the registrant's spelling, for display
  prefix_key TEXT NOT NULL,               -- canonical prefix, for listings and counts
  record TEXT NOT NULL,                   -- JSON array of stored values (src/identifier/value.ts)
  -- The anonymous view, precomputed on write so resolution never parses JSON (publicView in value.ts):
  public_values TEXT NOT NULL,            -- JSON array of the publicly readable values in output form
  has_private INTEGER NOT NULL,           -- 1 when the record also holds values without public read
  public_min_ttl INTEGER,                 -- smallest relative TTL (seconds) among public values
  public_expires INTEGER,                 -- earliest absolute expiry (Unix seconds) among public values
  created_at INTEGER NOT NULL,            -- Unix seconds
  updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX handles_by_prefix ON handles (prefix_key, handle_key);

-- Handle counts per prefix, kept by triggers so totalCount never scans.
CREATE TABLE handle_counts (
  prefix_key TEXT PRIMARY KEY,
  count INTEGER NOT NULL CHECK (count >= 0)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER handles_count_insert AFTER INSERT ON handles BEGIN
  INSERT INTO handle_counts (prefix_key, count) VALUES (NEW.prefix_key, 1)
    ON CONFLICT (prefix_key) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER handles_count_delete AFTER DELETE ON handles BEGIN
  UPDATE handle_counts SET count = count - 1 WHERE prefix_key = OLD.prefix_key;
END;

-- Prefixes homed on this node: handles may be registered only under these.
CREATE TABLE prefixes (
  prefix_key TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  homed_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Settings a store is created with and must keep (e.g. the case rule its keys were computed under).
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
