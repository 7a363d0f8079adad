-- Issue 13: one row per handle in one B-tree keyed by (prefix, suffix), its values stored once in the compact form of
-- src/identifier/record-encoding.ts. A lookup is one descent of the primary key, a prefix's handles are one range of
-- it (no second index), the public view is derived from the record on a cache miss instead of being stored beside it,
-- and the registrant's spelling is kept only where it differs from the canonical key. About 1,740 → 250 bytes per
-- identifier on the bench data set (docs/performance.md).
--
-- idnode_compact_record(json) is registered by src/store/migrations.ts: the record's verbose JSON in, its compact form
-- out (the same encoder every later write uses).
--
-- The triggers 001 and 004-hierarchy put on `handles` are dropped before the rebuild (the copy must neither count nor
-- queue reports: the counts stay as they are, and a record copied is not a record changed) and created again after it
-- with the same names, reading the new columns: the handle key is prefix_key || '/' || suffix_key, and for a prefix
-- record 0.NA/P (prefix_key '0.NA') the prefix it names, formerly substr(handle_key, 6), is suffix_key.
-- src/store/outbox-tables.ts reads the same columns (spelling NULL means the key is the spelling; the public values
-- are derived from `record` in TypeScript, src/identifier/value-json.ts publicView).

DROP TRIGGER handles_count_insert;
DROP TRIGGER handles_count_delete;
DROP TRIGGER outbox_prefix_record_deleted;
DROP TRIGGER outbox_record_inserted;
DROP TRIGGER outbox_record_updated;
DROP TRIGGER outbox_record_deleted;

ALTER TABLE handles RENAME TO handles_v3;

CREATE TABLE handles (
  prefix_key TEXT NOT NULL,               -- canonical prefix (src/identifier/handle.ts)
  suffix_key TEXT NOT NULL,               -- canonical suffix: the handle key is prefix_key || '/' || suffix_key
  spelling TEXT,                          -- the registrant's spelling when it differs from the key, else NULL
  record TEXT NOT NULL,                   -- the values, compact JSON (src/identifier/record-encoding.ts)
  created_at INTEGER NOT NULL,            -- Unix seconds
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (prefix_key, suffix_key)
) STRICT, WITHOUT ROWID;

-- In key order, so the new B-tree is built by appending; handles_by_prefix gives that order without sorting.
INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at)
  SELECT prefix_key,
         substr(handle_key, length(prefix_key) + 2),
         CASE WHEN handle = handle_key THEN NULL ELSE handle END,
         idnode_compact_record(record),
         created_at,
         updated_at
  FROM handles_v3 INDEXED BY handles_by_prefix
  ORDER BY prefix_key, handle_key;

-- Drops the old table with its index; handle_counts keeps its (unchanged) counts.
DROP TABLE handles_v3;

CREATE TRIGGER handles_count_insert AFTER INSERT ON handles BEGIN
  INSERT INTO handle_counts (prefix_key, count) VALUES (NEW.prefix_key, 1)
    ON CONFLICT (prefix_key) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER handles_count_delete AFTER DELETE ON handles BEGIN
  UPDATE handle_counts SET count = count - 1 WHERE prefix_key = OLD.prefix_key;
END;

-- The hierarchy's triggers (schema/004-hierarchy.sql), in the new columns. Filing: a derived prefix's record deleted.
CREATE TRIGGER outbox_prefix_record_deleted AFTER DELETE ON handles
WHEN OLD.prefix_key = '0.NA'
  AND substr(OLD.suffix_key, 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('prefix', OLD.suffix_key);
END;

-- Escrow: a record under the node prefix or a prefix derived from it (and the prefix records of those) was created,
-- changed or deleted. The prefix a record belongs to here is its own, or for a prefix record ('0.NA', P), P.
CREATE TRIGGER outbox_record_inserted AFTER INSERT ON handles
WHEN (CASE WHEN NEW.prefix_key = '0.NA' THEN NEW.suffix_key ELSE NEW.prefix_key END) = (SELECT value FROM hierarchy_settings WHERE name = 'filing')
  OR substr((CASE WHEN NEW.prefix_key = '0.NA' THEN NEW.suffix_key ELSE NEW.prefix_key END), 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('record', NEW.prefix_key || '/' || NEW.suffix_key);
END;

CREATE TRIGGER outbox_record_updated AFTER UPDATE ON handles
WHEN (CASE WHEN NEW.prefix_key = '0.NA' THEN NEW.suffix_key ELSE NEW.prefix_key END) = (SELECT value FROM hierarchy_settings WHERE name = 'filing')
  OR substr((CASE WHEN NEW.prefix_key = '0.NA' THEN NEW.suffix_key ELSE NEW.prefix_key END), 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('record', NEW.prefix_key || '/' || NEW.suffix_key);
END;

CREATE TRIGGER outbox_record_deleted AFTER DELETE ON handles
WHEN (CASE WHEN OLD.prefix_key = '0.NA' THEN OLD.suffix_key ELSE OLD.prefix_key END) = (SELECT value FROM hierarchy_settings WHERE name = 'filing')
  OR substr((CASE WHEN OLD.prefix_key = '0.NA' THEN OLD.suffix_key ELSE OLD.prefix_key END), 1, length((SELECT value FROM hierarchy_settings WHERE name = 'filing')) + 1) = (SELECT value FROM hierarchy_settings WHERE name = 'filing') || '.'
BEGIN
  INSERT INTO outbox (kind, subject) VALUES ('record', OLD.prefix_key || '/' || OLD.suffix_key);
END;
