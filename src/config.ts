// Typed, validated, frozen configuration read from IDNODE_* variables; README's configuration table mirrors VARIABLES.

import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { checkNotNamespace, prefixKeyOf } from './identifier/handle.js';

export interface Config {
  readonly port: number;
  /** Processes `idnode serve` runs on the one port over the one store (docs/performance.md); 1 = this process alone. */
  readonly workers: number;
  /** Handle protocol (TCP and UDP) port; null = off, 0 = a free port chosen at start (tests). */
  readonly handlePort: number | null;
  /** Concurrent Handle-protocol TCP connections. */
  readonly handleMaxConnections: number;
  /** Time a Handle-protocol TCP client has to send a whole message (and the next, on a kept-alive connection). */
  readonly handleTimeoutMs: number;
  /** Largest Handle-protocol request message accepted (TCP or all UDP packets together). */
  readonly handleMaxMessageBytes: number;
  readonly host: string;
  readonly dbPath: string;
  /** The engine holding the registry: the SQLite file at dbPath, or PostgreSQL at pgUrl (docs/scale-out.md). */
  readonly store: 'sqlite' | 'postgres';
  /** PostgreSQL connection URL; several hosts (`postgresql://u@h1:5432,h2:5432/db`) = the cluster's members. */
  readonly pgUrl: string | null;
  /** Read replicas of the PostgreSQL store (single-host URLs): resolutions may read one that has caught up. */
  readonly pgReadUrls: readonly string[];
  readonly nodePrefix: string;
  /** Secret of the administrator identity `300:0.NA/<nodePrefix>`; null → generated on first start. */
  readonly adminSecret: string | null;
  readonly suffixCaseSensitive: boolean;
  readonly cacheMaxEntries: number;
  readonly cacheMaxBytes: number;
  readonly cacheMaxTtlSeconds: number;
  readonly cacheNegativeTtlSeconds: number;
  readonly bodyLimitBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly storeBusyTimeoutMs: number;
  /** Largest database file; writes beyond it fail with STORE_FULL (503). 0 = no cap but the disk. */
  readonly storeMaxBytes: number;
  /** Start on a store (or -wal, -shm) that group or others may read; refused otherwise (it holds every secret key). */
  readonly storeAllowReadable: boolean;
  /** Writes on the writer thread (issue 13); false = on the event loop, for comparison. A `:memory:` store always writes on the event loop. */
  readonly writerThread: boolean;
  readonly tlsCertPath: string | null;
  readonly tlsKeyPath: string | null;
  /** Addresses or CIDR blocks of TLS-terminating proxies whose X-Forwarded-* headers are believed. */
  readonly trustedProxies: readonly string[];
  /** Count credentials sent over plain HTTP from loopback (a local client or an admin on the machine). */
  readonly trustLoopback: boolean;
  /** Requests per second per client network (/24 IPv4, /64 IPv6); 0 = no limit. */
  readonly rateLimitPerClient: number;
  /** Not-found and error answers per second per client network; 0 = no limit. */
  readonly rateLimitErrorsPerClient: number;
  /** Requests per second per authenticated identity; 0 = no limit. */
  readonly rateLimitPerIdentity: number;
  /** Failed logins per minute per (identity, client network) (docs/security.md); 0 = no limit. */
  readonly rateLimitFailedLoginsPerMinute: number;
  /** Buckets per limiter: its memory bound, however many clients appear. */
  readonly rateLimitTableSize: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | null;
  /** When non-empty, GET /metrics answers only these addresses/CIDRs; empty: loopback and private networks (or any, with a token). */
  readonly metricsAllow: readonly string[];
  /** Authenticated Handle sessions expire after this long without use. */
  readonly sessionIdleSeconds: number;
  /** At most this many authenticated sessions (and as many open challenges) are kept. */
  readonly sessionMax: number;
  /** A challenge nonce must be answered within this time, once. */
  readonly nonceTtlSeconds: number;
  /** The address published in the node's HS_SITE value; empty → IDNODE_HOST, or 127.0.0.1 for a wildcard host. */
  readonly siteAddress: string | null;
  /** The resolver proxy's public address (`https://id.example.cn`, no trailing slash) for QR codes; null → each request's Host. */
  readonly publicUrl: string | null;
  readonly listHandlesEnabled: boolean;
  readonly listMaxPageSize: number;
  readonly secretHashIterations: number;
  readonly authCacheSeconds: number;
  /** scrypt cost (log2 N) of new SNMS account passwords. */
  readonly passwordHashCost: number;
  /** File of the key that seals account password digests for the cipher login; null → `<dbPath>.seal-key`. */
  readonly sealKeyPath: string | null;
  /** Largest body of an SNMS batch call (2,000 records). */
  readonly batchBodyLimitBytes: number;
  /** Requests per day (Asia/Shanghai) per SNMS account or Handle identity; 0 = no cap (IDIS 603). */
  readonly quotaDailyRequests: number;
  /** Handles per prefix; 0 = no cap (IDIS 604). */
  readonly quotaHandlesPerPrefix: number;
  /** Prefixes per enterprise (every state but rejected); 0 = no cap (IDIS 605). */
  readonly quotaPrefixesPerEnterprise: number;
  /** The registering top-level node's name in /snms/api/prefix/query (`ghrName`). */
  readonly ghrName: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The node's place in the hierarchy (docs/hierarchy.md): a secondary node, or the top-level node others join. */
  readonly role: 'secondary' | 'top-level';
  /** A secondary node's top-level node (its HTTP(S) origin), or null for a node on its own. */
  readonly upstreamUrl: string | null;
  /** The RFC 7638 thumbprint of the upstream's node key, pinned in advance; null: pinned at the first join. */
  readonly upstreamKeyThumbprint: string | null;
  /** Time one call to another node may take. */
  readonly upstreamTimeoutMs: number;
  /** Referrals a recursive resolution follows before RECURSION_LIMIT. */
  readonly recursionMaxHops: number;
  /** How long past its TTL a recursive answer may be served when its source cannot be reached; 0 = never. */
  readonly serveStaleSeconds: number;
  /** Consecutive failures that open the circuit to another node, and how long it stays open. */
  readonly circuitBreakerFailures: number;
  readonly circuitBreakerOpenMs: number;
  /** How often a secondary node looks at its outbox when idle. */
  readonly outboxPollMs: number;
  /** Longest wait between delivery attempts while the upstream fails (the backoff doubles up to it). */
  readonly outboxRetryMaxMs: number;
  /** How often a secondary node reports its statistics. */
  readonly statisticsIntervalSeconds: number;
  /** How often a top-level node checks that its secondary nodes answer. */
  readonly probeIntervalMs: number;
  /** A top-level node takes over a secondary node that has not answered for this long; 0 = only on command. */
  readonly takeoverAfterMs: number;
  /** Entries of the cache of answers from other nodes (its bytes are bounded by a quarter of IDNODE_CACHE_MAX_BYTES). */
  readonly remoteCacheMaxEntries: number;
}

type Parser<T> = (raw: string) => T;

interface Variable<K extends keyof Config> {
  readonly key: K;
  /** The default as written in README (empty for "none"). */
  readonly defaultText: string;
  readonly parse: Parser<Config[K]>;
  readonly description: string;
}

function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new Error(`must be an integer from ${min} to ${max}`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

// 0 turns the listener off (issue 18); `auto` asks the system for a free port, as IDNODE_PORT=0 does for HTTP.
const handlePort: Parser<number | null> = (raw) => {
  if (raw === 'auto') return 0;
  const n = integer(0, 65535)(raw);
  return n === 0 ? null : n;
};

// `auto`: one per core the system gives this process (os.availableParallelism, which honours CPU affinity).
const workers: Parser<number> = (raw) => (raw === 'auto' ? Math.min(64, availableParallelism()) : integer(1, 64)(raw));

const boolean: Parser<boolean> = (raw) => {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error('must be true, false, 1 or 0');
};

const text: Parser<string> = (raw) => {
  if (raw.length === 0) throw new Error('must not be empty');
  return raw;
};

const optionalText: Parser<string | null> = (raw) => (raw.length === 0 ? null : raw);

// An origin, optionally with a path below which the proxy is reached; never a query or fragment (pages append handles).
const publicUrl: Parser<string | null> = (raw) => {
  if (raw.length === 0) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an absolute http or https URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '' || raw.includes('?') || raw.includes('#')) {
    throw new Error('must be an http or https URL without credentials, query or fragment');
  }
  return url.href.replace(/\/+$/, '');
};

const prefix: Parser<string> = (raw) => {
  try {
    prefixKeyOf(raw);
    checkNotNamespace(raw);
  } catch (error) {
    throw new Error(`must be a valid prefix (${(error as Error).message})`);
  }
  return raw;
};

const secret: Parser<string | null> = (raw) => {
  if (raw.length === 0) return null;
  if (raw.length < 16) throw new Error('must be at least 16 characters');
  return raw;
};

const addressList: Parser<readonly string[]> = (raw) => {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const item of items) {
    const [address, bits, extra] = item.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new Error(`"${item}" is not an IP address or CIDR block`);
    }
  }
  return Object.freeze(items);
};

const role: Parser<Config['role']> = (raw) => {
  if (raw !== 'secondary' && raw !== 'top-level') throw new Error('must be secondary or top-level');
  return raw;
};

const upstreamUrl: Parser<string | null> = (raw) => {
  if (raw.length === 0) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an http:// or https:// URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.pathname !== '/') {
    throw new Error('must be the origin of a node, http(s)://host:port, without path, query or credentials');
  }
  return url.origin;
};

const thumbprint: Parser<string | null> = (raw) => {
  if (raw.length === 0) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(raw)) throw new Error('must be an RFC 7638 SHA-256 thumbprint (43 base64url characters)');
  return raw;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel: Parser<Config['logLevel']> = (raw) => {
  const found = LOG_LEVELS.find((level) => level === raw);
  if (found === undefined) throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
  return found;
};

const MIB = 1024 * 1024;

const postgresUrls: Parser<readonly string[]> = (raw) => {
  const urls = raw.split(',').map((one) => one.trim()).filter((one) => one !== '');
  for (const url of urls) if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('must be comma-separated postgresql:// URLs');
  return urls;
};

const storeEngine: Parser<Config['store']> = (raw) => {
  if (raw !== 'sqlite' && raw !== 'postgres') throw new Error('must be sqlite or postgres');
  return raw;
};

const postgresUrl: Parser<string | null> = (raw) => {
  if (raw === '') return null;
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error('must be a postgresql:// URL');
  return raw;
};

/** Every IDNODE_* variable: its Config key, README default, parser and description. */
export const VARIABLES = {
  IDNODE_PORT: { key: 'port', defaultText: '8000', parse: integer(0, 65535), description: 'TCP port to listen on' },
  IDNODE_HANDLE_PORT: { key: 'handlePort', defaultText: '2641', parse: handlePort, description: 'Handle protocol port, TCP and UDP ([docs/wire-protocol.md](docs/wire-protocol.md)); 0 = off, `auto` = a free port' },
  IDNODE_HANDLE_MAX_CONNECTIONS: { key: 'handleMaxConnections', defaultText: '1024', parse: integer(1, 1_000_000), description: 'concurrent Handle-protocol TCP connections' },
  IDNODE_HANDLE_TIMEOUT_MS: { key: 'handleTimeoutMs', defaultText: '10000', parse: integer(100, 600_000), description: 'time a Handle-protocol TCP client has to send a whole message' },
  IDNODE_HANDLE_MAX_MESSAGE_BYTES: { key: 'handleMaxMessageBytes', defaultText: '262144', parse: integer(1024, 262_144), description: 'largest Handle-protocol request message (the protocol allows 262144)' },
  IDNODE_WORKERS: { key: 'workers', defaultText: 'auto', parse: workers, description: 'processes serving the one port over the one store (`auto` = the number of cores, at most 64; 1 = no cluster) ([docs/performance.md](docs/performance.md))' },
  IDNODE_HOST: { key: 'host', defaultText: '0.0.0.0', parse: text, description: 'address to listen on' },
  IDNODE_DB_PATH: { key: 'dbPath', defaultText: './data/idnode.db', parse: text, description: 'SQLite file (created and migrated on first start)' },
  IDNODE_STORE: { key: 'store', defaultText: 'sqlite', parse: storeEngine, description: 'where the registry lives: `sqlite` (the file IDNODE_DB_PATH) or `postgres` (IDNODE_PG_URL) ([docs/scale-out.md](docs/scale-out.md))' },
  IDNODE_PG_URL: { key: 'pgUrl', defaultText: '', parse: postgresUrl, description: 'with IDNODE_STORE=postgres: `postgresql://user:password@host:port/database`; list the members (`@db1:5432,db2:5432/`) and idnode writes to the one that is primary' },
  IDNODE_PG_READ_URLS: { key: 'pgReadUrls', defaultText: '', parse: postgresUrls, description: "with IDNODE_STORE=postgres: comma-separated read replicas' URLs; a resolution reads one only once it has replayed every write this process made or heard of ([docs/scale-out.md](docs/scale-out.md))" },
  IDNODE_NODE_PREFIX: { key: 'nodePrefix', defaultText: '88.118', parse: prefix, description: "this node's prefix; its record is 0.NA/<prefix>" },
  IDNODE_ADMIN_SECRET: { key: 'adminSecret', defaultText: '', parse: secret, description: 'secret of 300:0.NA/<node prefix> (≥16 characters); generated and printed once when unset' },
  IDNODE_SUFFIX_CASE_SENSITIVE: { key: 'suffixCaseSensitive', defaultText: 'false', parse: boolean, description: 'compare suffixes case-sensitively (prefixes never are)' },
  IDNODE_CACHE_MAX_ENTRIES: { key: 'cacheMaxEntries', defaultText: '200000', parse: integer(1, 50_000_000), description: 'resolve cache bound in entries' },
  IDNODE_CACHE_MAX_BYTES: { key: 'cacheMaxBytes', defaultText: String(128 * MIB), parse: integer(1024, 64 * 1024 * MIB), description: 'resolve cache bound in bytes' },
  IDNODE_CACHE_MAX_TTL_SECONDS: { key: 'cacheMaxTtlSeconds', defaultText: '3600', parse: integer(1, 172_800), description: 'longest time a resolution stays cached' },
  IDNODE_CACHE_NEGATIVE_TTL_SECONDS: { key: 'cacheNegativeTtlSeconds', defaultText: '10', parse: integer(0, 3600), description: 'how long a not-found answer stays cached (0 = not cached)' },
  IDNODE_BODY_LIMIT_BYTES: { key: 'bodyLimitBytes', defaultText: String(MIB), parse: integer(1024, 64 * MIB), description: 'largest request body accepted' },
  IDNODE_HEADERS_TIMEOUT_MS: { key: 'headersTimeoutMs', defaultText: '10000', parse: integer(1000, 600_000), description: 'time allowed to receive request headers' },
  IDNODE_REQUEST_TIMEOUT_MS: { key: 'requestTimeoutMs', defaultText: '30000', parse: integer(1000, 3_600_000), description: 'time allowed to receive a whole request' },
  IDNODE_KEEP_ALIVE_TIMEOUT_MS: { key: 'keepAliveTimeoutMs', defaultText: '5000', parse: integer(0, 600_000), description: 'idle keep-alive connection timeout' },
  IDNODE_SHUTDOWN_TIMEOUT_MS: { key: 'shutdownTimeoutMs', defaultText: '10000', parse: integer(0, 600_000), description: 'time in-flight requests get to finish on SIGTERM/SIGINT' },
  IDNODE_STORE_BUSY_TIMEOUT_MS: { key: 'storeBusyTimeoutMs', defaultText: '5000', parse: integer(0, 600_000), description: 'SQLite busy timeout' },
  IDNODE_STORE_MAX_BYTES: { key: 'storeMaxBytes', defaultText: '0', parse: integer(0, Number.MAX_SAFE_INTEGER), description: 'cap on the database size; writes beyond it get 503 STORE_FULL (0 = only the disk)' },
  IDNODE_STORE_ALLOW_READABLE: { key: 'storeAllowReadable', defaultText: 'false', parse: boolean, description: 'start even when group or others may read the store, its -wal or -shm (it holds every secret key; see docs/security.md)' },
  IDNODE_WRITER_THREAD: { key: 'writerThread', defaultText: 'true', parse: boolean, description: "writes and their COMMIT run on a writer thread with its own connection; false = on the event loop, where every read waits for each COMMIT's fsync (kept for comparison: the bench's reads-during-writes)" },
  IDNODE_TLS_CERT_PATH: { key: 'tlsCertPath', defaultText: '', parse: optionalText, description: 'PEM certificate; with IDNODE_TLS_KEY_PATH the node serves HTTPS' },
  IDNODE_TLS_KEY_PATH: { key: 'tlsKeyPath', defaultText: '', parse: optionalText, description: 'PEM private key for IDNODE_TLS_CERT_PATH' },
  IDNODE_TRUSTED_PROXIES: { key: 'trustedProxies', defaultText: '', parse: addressList, description: 'comma-separated addresses/CIDRs of TLS-terminating proxies trusted for X-Forwarded-Proto/-For' },
  IDNODE_TRUST_LOOPBACK: { key: 'trustLoopback', defaultText: 'true', parse: boolean, description: 'count credentials sent over plain HTTP from loopback (set false behind a local plain-HTTP proxy)' },
  IDNODE_RATE_LIMIT_PER_CLIENT: { key: 'rateLimitPerClient', defaultText: '2000', parse: integer(0, 100_000_000), description: 'requests per second per client network (/24 IPv4, /64 IPv6); 0 = off' },
  IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: { key: 'rateLimitErrorsPerClient', defaultText: '100', parse: integer(0, 100_000_000), description: 'not-found and error answers per second per client network; 0 = off' },
  IDNODE_RATE_LIMIT_PER_IDENTITY: { key: 'rateLimitPerIdentity', defaultText: '1000', parse: integer(0, 100_000_000), description: 'requests per second per authenticated identity; 0 = off' },
  IDNODE_RATE_LIMIT_FAILED_LOGINS: { key: 'rateLimitFailedLoginsPerMinute', defaultText: '10', parse: integer(0, 1_000_000), description: 'failed logins per minute per (identity, client network); 5× that per network; beyond it an identity is slowed, never locked (docs/security.md); 0 = off' },
  IDNODE_RATE_LIMIT_TABLE_SIZE: { key: 'rateLimitTableSize', defaultText: '65536', parse: integer(16, 16_777_216), description: 'buckets per limiter (fixed memory; distinct clients beyond it share buckets)' },
  IDNODE_METRICS_TOKEN: { key: 'metricsToken', defaultText: '', parse: secret, description: 'when set (≥16 characters), GET /metrics needs Authorization: Bearer <token>' },
  IDNODE_METRICS_ALLOW: { key: 'metricsAllow', defaultText: '', parse: addressList, description: 'comma-separated addresses/CIDRs allowed to GET /metrics; unset: loopback and private networks, or any address when IDNODE_METRICS_TOKEN is set (docs/security.md)' },
  IDNODE_SESSION_IDLE_SECONDS: { key: 'sessionIdleSeconds', defaultText: '1800', parse: integer(10, 86_400), description: 'an authenticated Handle session ends after this long unused' },
  IDNODE_SESSION_MAX: { key: 'sessionMax', defaultText: '100000', parse: integer(1, 10_000_000), description: 'most authenticated sessions kept (and most open challenges)' },
  IDNODE_NONCE_TTL_SECONDS: { key: 'nonceTtlSeconds', defaultText: '15', parse: integer(1, 300), description: 'an unanswered session and its nonce last this long after the nonce was last handed out' },
  IDNODE_SITE_ADDRESS: { key: 'siteAddress', defaultText: '', parse: optionalText, description: "address published in the node's HS_SITE value (default: IDNODE_HOST, 127.0.0.1 for 0.0.0.0)" },
  IDNODE_PUBLIC_URL: { key: 'publicUrl', defaultText: '', parse: publicUrl, description: "the resolver proxy's public address (e.g. `https://id.example.cn`), which product pages' QR codes hold; default: each request's Host ([docs/proxy.md](docs/proxy.md))" },
  IDNODE_LIST_HANDLES: { key: 'listHandlesEnabled', defaultText: 'true', parse: boolean, description: 'allow GET /api/handles?prefix= (false → 501)' },
  IDNODE_LIST_MAX_PAGE_SIZE: { key: 'listMaxPageSize', defaultText: '10000', parse: integer(1, 1_000_000), description: 'largest pageSize accepted by listings' },
  IDNODE_SECRET_HASH_ITERATIONS: { key: 'secretHashIterations', defaultText: '210000', parse: integer(1000, 1_000_000), description: 'PBKDF2-HMAC-SHA1 iterations for new HS_SECKEY hashes' },
  IDNODE_AUTH_CACHE_SECONDS: { key: 'authCacheSeconds', defaultText: '300', parse: integer(0, 86_400), description: 'how long a verified secret is remembered (keyed by an HMAC, never the secret)' },
  IDNODE_PASSWORD_HASH_COST: { key: 'passwordHashCost', defaultText: '15', parse: integer(10, 20), description: 'scrypt cost (log2 N) for new SNMS account passwords' },
  IDNODE_SEAL_KEY_PATH: { key: 'sealKeyPath', defaultText: '', parse: optionalText, description: 'file of the key sealing account password digests for /identity/token/v1 (default <IDNODE_DB_PATH>.seal-key; created on first start; keep it out of store backups)' },
  IDNODE_BATCH_BODY_LIMIT_BYTES: { key: 'batchBodyLimitBytes', defaultText: String(16 * MIB), parse: integer(1024, 256 * MIB), description: 'largest body of an SNMS batchCreate/batchUpdate/batchDelete call' },
  IDNODE_QUOTA_DAILY_REQUESTS: { key: 'quotaDailyRequests', defaultText: '1000000', parse: integer(0, 1_000_000_000), description: 'requests per day (Asia/Shanghai) per SNMS account or Handle identity, administrators exempt; 0 = no cap (603)' },
  IDNODE_QUOTA_HANDLES_PER_PREFIX: { key: 'quotaHandlesPerPrefix', defaultText: '0', parse: integer(0, 1_000_000_000_000), description: 'handles a prefix may hold; 0 = no cap (604)' },
  IDNODE_QUOTA_PREFIXES_PER_ENTERPRISE: { key: 'quotaPrefixesPerEnterprise', defaultText: '10', parse: integer(0, 1_000_000), description: 'prefixes an enterprise may hold or apply for; 0 = no cap (605)' },
  IDNODE_GHR_NAME: { key: 'ghrName', defaultText: '', parse: (raw) => raw, description: 'name of the top-level node this node registers with, shown as ghrName by /snms/api/prefix/query' },
  IDNODE_LOG_LEVEL: { key: 'logLevel', defaultText: 'info', parse: logLevel, description: 'pino log level' },
  IDNODE_ROLE: { key: 'role', defaultText: 'secondary', parse: role, description: 'place in the hierarchy: `secondary` or `top-level` ([docs/hierarchy.md](docs/hierarchy.md))' },
  IDNODE_UPSTREAM_URL: { key: 'upstreamUrl', defaultText: '', parse: upstreamUrl, description: "a secondary node's top-level node, `http(s)://host:port`; unset: a node on its own" },
  IDNODE_UPSTREAM_KEY_THUMBPRINT: { key: 'upstreamKeyThumbprint', defaultText: '', parse: thumbprint, description: "RFC 7638 thumbprint of the upstream's node key; unset: pinned at the first join" },
  IDNODE_UPSTREAM_TIMEOUT_MS: { key: 'upstreamTimeoutMs', defaultText: '2000', parse: integer(50, 60_000), description: 'time one call to another node may take' },
  IDNODE_RECURSION_MAX_HOPS: { key: 'recursionMaxHops', defaultText: '8', parse: integer(1, 32), description: 'referrals a recursive resolution follows before RECURSION_LIMIT' },
  IDNODE_SERVE_STALE_SECONDS: { key: 'serveStaleSeconds', defaultText: '86400', parse: integer(0, 604_800), description: 'how long past its TTL a recursive answer may be served while its source is unreachable (0 = never)' },
  IDNODE_CIRCUIT_BREAKER_FAILURES: { key: 'circuitBreakerFailures', defaultText: '5', parse: integer(1, 1000), description: 'consecutive failures that open the circuit to another node' },
  IDNODE_CIRCUIT_BREAKER_OPEN_MS: { key: 'circuitBreakerOpenMs', defaultText: '10000', parse: integer(100, 600_000), description: 'how long an open circuit refuses calls before one is tried again' },
  IDNODE_OUTBOX_POLL_MS: { key: 'outboxPollMs', defaultText: '1000', parse: integer(50, 600_000), description: 'how often an idle secondary node looks for reports to send' },
  IDNODE_OUTBOX_RETRY_MAX_MS: { key: 'outboxRetryMaxMs', defaultText: '60000', parse: integer(100, 3_600_000), description: 'longest wait between delivery attempts while the upstream fails' },
  IDNODE_STATISTICS_INTERVAL_SECONDS: { key: 'statisticsIntervalSeconds', defaultText: '300', parse: integer(1, 86_400), description: 'how often a secondary node reports its statistics' },
  IDNODE_PROBE_INTERVAL_MS: { key: 'probeIntervalMs', defaultText: '5000', parse: integer(50, 600_000), description: 'how often a top-level node checks that its secondary nodes answer' },
  IDNODE_TAKEOVER_AFTER_MS: { key: 'takeoverAfterMs', defaultText: '0', parse: integer(0, 86_400_000), description: 'a top-level node takes over a secondary node silent this long (0 = only on command)' },
  IDNODE_REMOTE_CACHE_MAX_ENTRIES: { key: 'remoteCacheMaxEntries', defaultText: '50000', parse: integer(1, 10_000_000), description: 'cache of answers from other nodes, in entries' },
} as const satisfies { readonly [name: string]: Variable<keyof Config> };

export type VariableName = keyof typeof VARIABLES;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads every IDNODE_* variable from `env`, applies defaults, and returns a frozen Config.
 * Throws ConfigError listing every problem at once (bad values with their variable name, unknown IDNODE_* names).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];
  const values: Partial<Record<keyof Config, unknown>> = {};
  for (const name of Object.keys(env)) {
    if (name.startsWith('IDNODE_') && !(name in VARIABLES)) problems.push(`${name}: unknown variable (typo?)`);
  }
  for (const [name, variable] of Object.entries(VARIABLES) as [VariableName, Variable<keyof Config>][]) {
    const raw = env[name] ?? variable.defaultText;
    try {
      values[variable.key] = variable.parse(raw);
    } catch (error) {
      const shown = name === 'IDNODE_ADMIN_SECRET' || name === 'IDNODE_METRICS_TOKEN' || name === 'IDNODE_PG_URL' || name === 'IDNODE_PG_READ_URLS' ? '(hidden)' : JSON.stringify(env[name]);
      problems.push(`${name}=${shown}: ${(error as Error).message}`);
    }
  }
  if ((values.tlsCertPath === null) !== (values.tlsKeyPath === null)) {
    problems.push('IDNODE_TLS_CERT_PATH and IDNODE_TLS_KEY_PATH must be set together');
  }
  if (typeof values.headersTimeoutMs === 'number' && typeof values.requestTimeoutMs === 'number' && values.headersTimeoutMs > values.requestTimeoutMs) {
    problems.push('IDNODE_HEADERS_TIMEOUT_MS must not exceed IDNODE_REQUEST_TIMEOUT_MS');
  }
  if (values.role === 'top-level' && typeof values.upstreamUrl === 'string') {
    problems.push('IDNODE_UPSTREAM_URL: a top-level node has no upstream (IDNODE_ROLE=top-level)');
  }
  if (values.store === 'postgres' && values.pgUrl === null) problems.push('IDNODE_PG_URL must be set with IDNODE_STORE=postgres');
  if (values.store !== 'postgres' && (values.pgUrl !== null || (Array.isArray(values.pgReadUrls) && values.pgReadUrls.length > 0))) {
    problems.push('IDNODE_PG_URL and IDNODE_PG_READ_URLS need IDNODE_STORE=postgres');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values as Config);
}
