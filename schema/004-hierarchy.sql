-- The hierarchy of nodes (issue 14, docs/hierarchy.md): a secondary node's outbox of reports to its upstream, and
-- what a top-level node keeps of its secondary nodes — who they are, their filed prefixes, statistics and escrow.

-- NUMBERING: this file is 004 only until the SNMS migration lands as 004 (the loader refuses gaps); at that merge it
-- becomes schema/005-hierarchy.sql, unchanged.
--
-- WHAT THE TRIGGERS READ (for a migration that rebuilds `handles` or `prefixes`: drop these six triggers before the
-- rebuild and create them again after it, with the same names and bodies expressed in the new columns):
--   on `handles`  (AFTER INSERT/UPDATE/DELETE): `prefix_key` (the canonical prefix the record lives under; '0.NA' for
--                 prefix records) and `handle_key` (the canonical handle, '0.NA/<prefix>' for prefix records, so
--                 substr(handle_key, 6) is the prefix a prefix record names). No other column.
--   on `prefixes` (AFTER INSERT/DELETE): `prefix_key` (the canonical homed prefix). No other column.
--   and hierarchy_settings.value WHERE name = 'filing' (the canonical node prefix; the triggers fire only while it is set).
-- They write only `outbox (kind, subject)`. src/store/outbox-tables.ts reads, when a report is sent:
--   handles.handle_key, handles.handle, handles.public_values, handles.prefix_key (the SERVED condition, seeding),
--   prefixes.prefix_key, prefixes.prefix, and handle_counts (prefix_key, count) for the statistics.
-- After such a rebuild, test/hierarchy/filing.test.ts and takeover.test.ts (escrow) show whether the triggers fire.

-- This node's place in the hierarchy, written by the node itself (src/hierarchy/). `filing` holds the canonical node
-- prefix while reports to an upstream are on: the triggers below fill the outbox only then. `upstream.key` is the
-- upstream's public key pinned at the first join; `upstream.prefix` and `upstream.site` what the upstream said of
-- itself when this node last joined; `joined.site` the site this node last published there.
CREATE TABLE hierarchy_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Reports waiting for the upstream, in order: each change appends a row, whose id (AUTOINCREMENT, never reused) is the
-- report's sequence number. Nothing is coalesced on write (a unique index on the subject would double the cost of
-- every registration, measured): the sender sends one report per subject of a batch, with its newest number, and the
-- receiver applies a report only when its number is above the one it holds for that subject — so each change is
-- applied once, and an older report never over a newer one. A report's content (a prefix's state, a record's public
-- values, the statistics) is read from the store when it is sent.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,                     -- 'prefix' (filing), 'record' (escrow), 'statistics'
  subject TEXT NOT NULL,                  -- canonical prefix, canonical handle, or '' for statistics
  refused TEXT                            -- the catalog code when the upstream refused it for good; NULL while pending
) STRICT;

-- At most one statistics report waits: its content is read when it is sent.
CREATE UNIQUE INDEX outbox_statistics ON outbox (kind) WHERE kind = 'statistics' AND refused IS NULL;

-- Filing: an enterprise prefix derived from the node prefix was homed (allocated), unhomed (disabled) or its prefix
-- record deleted. Also written by other processes on the same file (the idnode CLI allocates prefixes too).
CREATE TRIGGER outbox_prefix_homed AFTER INSERT ON prefixes
WHEN substr(NEW.prefix_key, 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('prefix', NEW.prefix_key);
END;

CREATE TRIGGER outbox_prefix_unhomed AFTER DELETE ON prefixes
WHEN substr(OLD.prefix_key, 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('prefix', OLD.prefix_key);
END;

CREATE TRIGGER outbox_prefix_record_deleted AFTER DELETE ON handles
WHEN OLD.prefix_key = '0.NA'
  AND substr(OLD.handle_key, 6, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('prefix', substr(OLD.handle_key, 6));
END;

-- Escrow: a record under the node prefix or a prefix derived from it (and the prefix records of those) was created,
-- changed or deleted. The prefix a record belongs to here is its own, or for a prefix record 0.NA/P, P.
CREATE TRIGGER outbox_record_inserted AFTER INSERT ON handles
WHEN (CASE WHEN NEW.prefix_key = '0.NA' THEN substr(NEW.handle_key, 6) ELSE NEW.prefix_key END) = (SELECT value FROM hierarchy_settings WHERE name = 'filing')
  OR substr((CASE WHEN NEW.prefix_key = '0.NA' THEN substr(NEW.handle_key, 6) ELSE NEW.prefix_key END), 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('record', NEW.handle_key);
END;

CREATE TRIGGER outbox_record_updated AFTER UPDATE ON handles
WHEN (CASE WHEN NEW.prefix_key = '0.NA' THEN substr(NEW.handle_key, 6) ELSE NEW.prefix_key END) = (SELECT value FROM hierarchy_settings WHERE name = 'filing')
  OR substr((CASE WHEN NEW.prefix_key = '0.NA' THEN substr(NEW.handle_key, 6) ELSE NEW.prefix_key END), 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('record', NEW.handle_key);
END;

CREATE TRIGGER outbox_record_deleted AFTER DELETE ON handles
WHEN (CASE WHEN OLD.prefix_key = '0.NA' THEN substr(OLD.handle_key, 6) ELSE OLD.prefix_key END) = (SELECT value FROM hierarchy_settings WHERE name = 'filing')
  OR substr((CASE WHEN OLD.prefix_key = '0.NA' THEN substr(OLD.handle_key, 6) ELSE OLD.prefix_key END), 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('record', OLD.handle_key);
END;

-- Top-level node: the secondary nodes admitted by its operator. Times in ms since the epoch.
CREATE TABLE hierarchy_nodes (
  prefix_key TEXT PRIMARY KEY,            -- the node prefix, canonical
  prefix TEXT NOT NULL,
  admitted_at INTEGER NOT NULL,
  joined_at INTEGER,                      -- its last join
  last_seen_at INTEGER,                   -- its last join, report, or answered probe
  site TEXT,                              -- JSON: the site it published at its last join
  takeover TEXT,                          -- NULL, 'manual' or 'automatic': this node answers for it from the escrow
  takeover_at INTEGER,
  statistics_seq INTEGER NOT NULL DEFAULT 0,
  report_seq INTEGER NOT NULL DEFAULT 0    -- the highest sequence number received from it, told to it at each join
) STRICT, WITHOUT ROWID;

-- Top-level node: enterprise prefixes filed by its secondary nodes.
CREATE TABLE hierarchy_prefixes (
  prefix_key TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  node_key TEXT NOT NULL,                 -- the filing node's prefix key
  state TEXT NOT NULL,                    -- 'active', 'disabled' or 'deleted'
  seq INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX hierarchy_prefixes_by_node ON hierarchy_prefixes (node_key, prefix_key);

-- Top-level node: each secondary node's last statistics report, per prefix (cumulative counts since its store began).
CREATE TABLE hierarchy_statistics (
  node_key TEXT NOT NULL,
  prefix_key TEXT NOT NULL,
  prefix TEXT NOT NULL,
  identifiers INTEGER NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  resolved INTEGER NOT NULL,
  reported_at INTEGER NOT NULL,
  PRIMARY KEY (node_key, prefix_key)
) STRICT, WITHOUT ROWID;

-- Top-level node: the escrowed public values of its secondary nodes' records, answered read-only during a takeover.
-- A deleted record keeps its row (public_values NULL), so a late, older report cannot bring it back.
CREATE TABLE escrow_records (
  handle_key TEXT PRIMARY KEY,
  node_key TEXT NOT NULL,
  handle TEXT NOT NULL,
  public_values TEXT,
  seq INTEGER NOT NULL,
  escrowed_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX escrow_records_by_node ON escrow_records (node_key);
