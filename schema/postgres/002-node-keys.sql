-- PostgreSQL form of schema/002-node-keys.sql: the node's own key pairs (types as in 001-handles.sql).
CREATE TABLE node_keys (
  name text COLLATE "C" PRIMARY KEY,
  private_pem text COLLATE "C" NOT NULL,  -- PKCS#8 PEM
  created_at bigint NOT NULL              -- Unix seconds
);
