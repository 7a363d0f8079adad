-- The node's own key pairs (issue #4): the server signs nonce‖cnonce to prove itself; the public half is published
-- in the HS_SITE value of 0.NA/<node prefix> and at GET /api/site.
CREATE TABLE node_keys (
  name TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,             -- PKCS#8 PEM
  created_at INTEGER NOT NULL            -- Unix seconds
) STRICT, WITHOUT ROWID;
