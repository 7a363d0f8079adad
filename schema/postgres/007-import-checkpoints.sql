-- PostgreSQL form of schema/007-import-checkpoints.sql: where each `idnode import` of a file got to (types as in
-- 001-handles.sql).

CREATE TABLE import_checkpoints (
  file text COLLATE "C" PRIMARY KEY,
  fingerprint text COLLATE "C" NOT NULL,
  "offset" bigint NOT NULL,               -- a reserved word in PostgreSQL: quoted, the same column name as SQLite's
  line bigint NOT NULL,
  loaded bigint NOT NULL,
  rejected bigint NOT NULL,
  rejects_bytes bigint NOT NULL,
  state text COLLATE "C" NOT NULL,
  done bigint NOT NULL,
  updated_at bigint NOT NULL
);
