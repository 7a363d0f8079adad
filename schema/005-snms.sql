-- The SNMS-compatible secondary-node business (issue 12): accounts and their tokens, enterprises and the prefixes
-- they apply for, data templates, quota counters and the append-only audit log. Times are Unix milliseconds.

CREATE TABLE enterprises (
  id INTEGER PRIMARY KEY,
  org_name TEXT NOT NULL,
  org_crt_type TEXT NOT NULL,
  org_crt_code TEXT NOT NULL,
  -- The handle whose index 300 is the enterprise's identity (0.NA/<its first approved prefix>); null before approval.
  identity_handle TEXT,
  basic_info TEXT NOT NULL,               -- JSON entBasicInfo as applied (without entPrefix)
  register_info TEXT NOT NULL,            -- JSON entRegisterManageInfo
  hosting_info TEXT,                      -- JSON entHostingAndIdentifyServeInfo, or null
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_crt_type, org_crt_code)
) STRICT;

CREATE INDEX enterprises_by_created ON enterprises (created_at);

CREATE TABLE enterprise_prefixes (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
  prefix TEXT NOT NULL,                   -- the applicant's spelling
  prefix_key TEXT NOT NULL UNIQUE,        -- canonical (src/identifier/handle.ts)
  -- 0 disabled, 1 enabled, 2 pending deletion, 3 rejected, 4 awaiting review, 5 under review (snms-v5-api.md §6.1)
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5),
  -- 1 not hosted, 2 hosting requested, 3 hosting rejected, 4 hosted (§6.2)
  proxy_state INTEGER NOT NULL DEFAULT 1 CHECK (proxy_state BETWEEN 1 AND 4),
  reason TEXT,                            -- the reviewer's reason of the last decision
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX enterprise_prefixes_by_enterprise ON enterprise_prefixes (enterprise_id);
CREATE INDEX enterprise_prefixes_by_created ON enterprise_prefixes (created_at);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL,
  username_key TEXT NOT NULL UNIQUE,      -- lower case: names are unique whatever their case
  role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'enterprise')),
  enterprise_id INTEGER REFERENCES enterprises (id),
  -- scrypt of hex(sha256(password)): what the plain login checks (src/accounts/password.ts).
  password_hash TEXT NOT NULL,
  -- hex(sha256(password)) sealed (AES-256-GCM) with the key in IDNODE_SEAL_KEY_PATH, outside this file: what
  -- /identity/token/v1 needs to recompute the client's digest. Null when it could not be sealed.
  password_sealed TEXT,
  email TEXT UNIQUE,
  mobile TEXT UNIQUE,
  open_id TEXT,
  open_user_name TEXT,
  remarks TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX accounts_by_enterprise ON accounts (enterprise_id);

-- Bearer tokens, by the SHA-256 of the token (the token itself is never stored).
CREATE TABLE account_tokens (
  token_hash TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX account_tokens_by_account ON account_tokens (account_id, issued_at);
CREATE INDEX account_tokens_by_expiry ON account_tokens (expires_at);

CREATE TABLE templates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: compiled validators are keyed by id and revision
  prefix TEXT NOT NULL,
  prefix_key TEXT NOT NULL,
  version TEXT NOT NULL,
  body TEXT NOT NULL,                     -- JSON: industry codes, type, description, items (src/templates/template.ts)
  revision INTEGER NOT NULL DEFAULT 1,    -- +1 on every change: compiled validators are keyed by it
  -- Records whose TEMPLATE value (index 1001) names this version, kept by every write (src/templates/usage.ts).
  used_by INTEGER NOT NULL DEFAULT 0 CHECK (used_by >= 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (prefix_key, version)
) STRICT;

-- Quota counters that must survive restarts: requests per subject (account or identity) per day (Asia/Shanghai).
CREATE TABLE quota_counters (
  subject TEXT NOT NULL,
  day INTEGER NOT NULL,                   -- days since 1970-01-01 in UTC+8
  count INTEGER NOT NULL,
  PRIMARY KEY (subject, day)
) STRICT, WITHOUT ROWID;

-- Every change to identifiers, templates, prefixes, enterprises and accounts, one row each, never changed.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,                    -- account:<username>, or the Handle identity index:handle
  client TEXT NOT NULL,                   -- the client's address ('' for the CLI)
  action TEXT NOT NULL,                   -- e.g. handle.create, template.update, prefix.approve
  prefix_key TEXT,                        -- the prefix the change concerns
  target TEXT NOT NULL,                   -- the handle, prefix/version, enterprise id… changed
  before TEXT,                            -- JSON, or {"sha256","bytes"} when larger than the inline limit
  after TEXT,
  hash TEXT NOT NULL                      -- hex sha256(previous hash ‖ this entry): an edit or removal breaks the chain
) STRICT;

CREATE INDEX audit_log_by_prefix ON audit_log (prefix_key, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
