-- PostgreSQL form of schema/006-compact-records.sql: one row per handle keyed by (prefix_key, suffix_key), the values
-- once in the compact JSON of src/identifier/record-encoding.ts, the spelling only where it differs from the key.
--
-- SQLite's 006 converts each stored record with idnode_compact_record, the encoder in TypeScript. No PostgreSQL store
-- predates this engine (it begins at schema 008), so there are no records to convert: the migration refuses a
-- `handles` table that holds any rather than drop them. Triggers are dropped and made again with the same names over
-- the new columns; the hierarchy's trigger functions get bodies reading them.

DROP TRIGGER handles_count_insert ON handles;
DROP TRIGGER handles_count_delete ON handles;
DROP TRIGGER outbox_prefix_record_deleted ON handles;
DROP TRIGGER outbox_record_inserted ON handles;
DROP TRIGGER outbox_record_updated ON handles;
DROP TRIGGER outbox_record_deleted ON handles;

ALTER TABLE handles RENAME TO handles_v3;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM handles_v3) THEN
    RAISE EXCEPTION 'handles holds records in the pre-006 form, which only SQLite stores have: nothing converts them here';
  END IF;
END $$;

DROP TABLE handles_v3;

CREATE TABLE handles (
  prefix_key text COLLATE "C" NOT NULL,   -- canonical prefix (src/identifier/handle.ts)
  suffix_key text COLLATE "C" NOT NULL,   -- canonical suffix: the handle key is prefix_key || '/' || suffix_key
  spelling text COLLATE "C",              -- the registrant's spelling when it differs from the key, else NULL
  record text COLLATE "C" NOT NULL,       -- the values, compact JSON (src/identifier/record-encoding.ts)
  created_at bigint NOT NULL,             -- Unix seconds
  updated_at bigint NOT NULL,
  PRIMARY KEY (prefix_key, suffix_key)
);

CREATE TRIGGER handles_count_insert AFTER INSERT ON handles FOR EACH ROW EXECUTE FUNCTION handles_count_insert();
CREATE TRIGGER handles_count_delete AFTER DELETE ON handles FOR EACH ROW EXECUTE FUNCTION handles_count_delete();

-- The hierarchy's triggers in the new columns: a prefix record ('0.NA', P) names P in suffix_key.
CREATE OR REPLACE FUNCTION outbox_prefix_record_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.prefix_key = '0.NA' AND hierarchy_derived(OLD.suffix_key, hierarchy_filing()) THEN
    INSERT INTO outbox (kind, subject) VALUES ('prefix', OLD.suffix_key);
  END IF;
  RETURN NULL;
END $$;

-- PostgreSQL fires one event's triggers in name order, SQLite newest first: when a derived prefix's record is deleted
-- under filing, SQLite queues its 'record' report before its 'prefix' report and PostgreSQL after. The upstream
-- applies each subject's reports by their own sequence numbers, so the order between the two kinds does not matter.
CREATE OR REPLACE FUNCTION outbox_record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
  owner text;
  filing text := hierarchy_filing();
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  owner := CASE WHEN changed.prefix_key = '0.NA' THEN changed.suffix_key ELSE changed.prefix_key END;
  IF owner = filing OR hierarchy_derived(owner, filing) THEN
    INSERT INTO outbox (kind, subject) VALUES ('record', changed.prefix_key || '/' || changed.suffix_key);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_prefix_record_deleted AFTER DELETE ON handles FOR EACH ROW EXECUTE FUNCTION outbox_prefix_record_deleted();
CREATE TRIGGER outbox_record_inserted AFTER INSERT ON handles FOR EACH ROW EXECUTE FUNCTION outbox_record_changed();
CREATE TRIGGER outbox_record_updated AFTER UPDATE ON handles FOR EACH ROW EXECUTE FUNCTION outbox_record_changed();
CREATE TRIGGER outbox_record_deleted AFTER DELETE ON handles FOR EACH ROW EXECUTE FUNCTION outbox_record_changed();
