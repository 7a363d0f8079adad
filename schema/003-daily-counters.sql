-- Usage figures for the monthly report (`idnode report`, docs/operations.md): counters per prefix per day, and the
-- node's runs (start, heartbeat, stop) from which availability is computed.

-- The report's days and months are China Standard Time (UTC+8, no daylight saving), the calendar the provincial
-- authority reports in. Kept in the store so the day a counter lands on never depends on the machine's time zone.
INSERT INTO settings (name, value) VALUES ('report_utc_offset_seconds', '28800') ON CONFLICT (name) DO NOTHING;

-- Identifiers created, changed and deleted are counted in the write transaction that makes the change (src/store/
-- usage-tables.ts); resolutions are counted in memory and added in batches (src/usage/). Prefix records (0.NA/…) are
-- counted under 0.NA like any prefix; the report leaves them out.
CREATE TABLE daily_counts (
  day TEXT NOT NULL,                      -- YYYY-MM-DD in the report's time zone
  prefix_key TEXT NOT NULL,               -- canonical prefix
  created INTEGER NOT NULL DEFAULT 0,     -- identifiers created
  updated INTEGER NOT NULL DEFAULT 0,     -- identifiers whose values were replaced, added to or removed
  deleted INTEGER NOT NULL DEFAULT 0,     -- identifiers deleted
  resolved INTEGER NOT NULL DEFAULT 0,    -- resolutions answered with the identifier's values
  PRIMARY KEY (day, prefix_key)
) STRICT, WITHOUT ROWID;

-- Identifiers stored before this migration are counted as created on the day of their created_at, so that the sum
-- of created − deleted up to any day equals the identifiers held at its end, as handle_counts does for today.
INSERT INTO daily_counts (day, prefix_key, created)
  SELECT date(created_at + 28800, 'unixepoch'), prefix_key, count(*) FROM handles GROUP BY 1, 2;

-- One row per start of a node process: up from started_at to stopped_at (a graceful stop) or, when the process
-- ended without one (killed, crashed, power lost), to its last heartbeat. Times in milliseconds since the epoch.
CREATE TABLE node_runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  stopped_at INTEGER
) STRICT;
