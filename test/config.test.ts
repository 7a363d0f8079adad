// IDNODE_* configuration: defaults, validation with every problem listed, unknown names, freezing.

import { availableParallelism } from 'node:os';
import test from 'ava';
import { ConfigError, loadConfig, VARIABLES, type Config } from '../src/config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** The problems about `variable`: each starts with the variable's name (`NAME="value": …` or `NAME: …`). */
function naming(problems: readonly string[], variable: string): string[] {
  return problems.filter((problem) => problem.startsWith(`${variable}=`) || problem.startsWith(`${variable}:`));
}

test('config: an empty environment gives the documented defaults', (t) => {
  const expected: Config = {
    port: 8000,
    workers: Math.min(64, availableParallelism()),
    handlePort: 2641,
    handleMaxConnections: 1024,
    handleTimeoutMs: 10_000,
    handleMaxMessageBytes: 262_144,
    host: '0.0.0.0',
    dbPath: './data/idnode.db',
    store: 'sqlite',
    pgUrl: null,
    pgReadUrls: [],
    nodePrefix: '88.118',
    adminSecret: null,
    suffixCaseSensitive: false,
    cacheMaxEntries: 200_000,
    cacheMaxBytes: 128 * 1024 * 1024,
    cacheMaxTtlSeconds: 3600,
    cacheNegativeTtlSeconds: 10,
    bodyLimitBytes: 1024 * 1024,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5000,
    shutdownTimeoutMs: 10_000,
    storeBusyTimeoutMs: 5000,
    storeMaxBytes: 0,
    storeAllowReadable: false,
    writerThread: true,
    tlsCertPath: null,
    tlsKeyPath: null,
    trustedProxies: [],
    trustLoopback: true,
    rateLimitPerClient: 2000,
    rateLimitErrorsPerClient: 100,
    rateLimitPerIdentity: 1000,
    rateLimitFailedLoginsPerMinute: 10,
    rateLimitTableSize: 65536,
    metricsToken: null,
    metricsAllow: [],
    sessionIdleSeconds: 1800,
    sessionMax: 100_000,
    nonceTtlSeconds: 15,
    siteAddress: null,
    publicUrl: null,
    listHandlesEnabled: true,
    listMaxPageSize: 10_000,
    secretHashIterations: 210_000,
    authCacheSeconds: 300,
    passwordHashCost: 15,
    sealKeyPath: null,
    batchBodyLimitBytes: 16 * 1024 * 1024,
    quotaDailyRequests: 1_000_000,
    quotaHandlesPerPrefix: 0,
    quotaPrefixesPerEnterprise: 10,
    ghrName: '',
    logLevel: 'info',
    role: 'secondary',
    upstreamUrl: null,
    upstreamKeyThumbprint: null,
    upstreamTimeoutMs: 2000,
    recursionMaxHops: 8,
    serveStaleSeconds: 86_400,
    circuitBreakerFailures: 5,
    circuitBreakerOpenMs: 10_000,
    outboxPollMs: 1000,
    outboxRetryMaxMs: 60_000,
    statisticsIntervalSeconds: 300,
    probeIntervalMs: 5000,
    takeoverAfterMs: 0,
    remoteCacheMaxEntries: 50_000,
  };
  t.deepEqual(loadConfig({}), expected);
});

test('config: every default text in VARIABLES parses', (t) => {
  const env = Object.fromEntries(Object.entries(VARIABLES).map(([name, variable]) => [name, variable.defaultText]));
  t.deepEqual(loadConfig(env), loadConfig({}));
});

test('config: every problem is reported at once, naming each variable', (t) => {
  const error = t.throws(
    () => loadConfig({ IDNODE_PORT: 'eighty', IDNODE_CACHE_MAX_BYTES: '0', IDNODE_CACHE_MAX_ENTRIE: '10' }),
    { instanceOf: ConfigError },
  );
  const problems = error?.problems ?? [];
  t.is(problems.length, 3, problems.join('\n'));
  for (const variable of ['IDNODE_PORT', 'IDNODE_CACHE_MAX_BYTES', 'IDNODE_CACHE_MAX_ENTRIE']) {
    t.is(naming(problems, variable).length, 1, variable);
  }
});

test('config: unknown IDNODE_ variables are rejected, other variables are ignored', (t) => {
  t.is(naming(problemsOf({ IDNODE_PROT: '80' }), 'IDNODE_PROT').length, 1);
  t.is(problemsOf({ IDNODE_: 'x' }).length, 1);
  const config = loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production', IDNODEX_PORT: 'x', PORT: 'not-a-number' });
  t.is(config.port, 8000);
});

const INTEGERS: [variable: string, raw: string, ok: boolean][] = [
  ['IDNODE_PORT', '0', true],
  ['IDNODE_PORT', '65535', true],
  ['IDNODE_PORT', '65536', false],
  ['IDNODE_PORT', '-1', false],
  ['IDNODE_PORT', '80.5', false],
  ['IDNODE_PORT', '1e3', false],
  ['IDNODE_PORT', '0x50', false],
  ['IDNODE_PORT', ' 80', false],
  ['IDNODE_PORT', 'eighty', false],
  ['IDNODE_CACHE_MAX_ENTRIES', '0', false],
  ['IDNODE_CACHE_MAX_ENTRIES', '1', true],
  ['IDNODE_CACHE_MAX_BYTES', '1023', false],
  ['IDNODE_CACHE_MAX_BYTES', '1024', true],
  ['IDNODE_CACHE_MAX_BYTES', '99999999999999999999', false],
  ['IDNODE_BODY_LIMIT_BYTES', '0', false],
  ['IDNODE_CACHE_NEGATIVE_TTL_SECONDS', '0', true],
  ['IDNODE_STORE_BUSY_TIMEOUT_MS', '600000', true],
  ['IDNODE_STORE_BUSY_TIMEOUT_MS', '600001', false],
  ['IDNODE_SECRET_HASH_ITERATIONS', '999', false],
  ['IDNODE_LIST_MAX_PAGE_SIZE', '0', false],
  ['IDNODE_HANDLE_MAX_CONNECTIONS', '0', false],
  ['IDNODE_HANDLE_MAX_MESSAGE_BYTES', '262144', true],
  ['IDNODE_HANDLE_MAX_MESSAGE_BYTES', '262145', false],
  ['IDNODE_HANDLE_TIMEOUT_MS', '99', false],
];

for (const [variable, raw, ok] of INTEGERS) {
  test(`config: ${variable}=${JSON.stringify(raw)} is ${ok ? 'accepted' : 'rejected'}`, (t) => {
    const problems = problemsOf({ [variable]: raw });
    if (ok) {
      t.deepEqual(problems, []);
      const key = VARIABLES[variable as keyof typeof VARIABLES].key;
      t.is(loadConfig({ [variable]: raw })[key], Number(raw));
    } else {
      t.is(naming(problems, variable).length, 1, problems.join('; '));
      t.is(problems.length, 1);
    }
  });
}

test('config: IDNODE_HANDLE_PORT is a port, 0 turns the Handle protocol off, auto asks for a free port', (t) => {
  t.is(loadConfig({}).handlePort, 2641);
  t.is(loadConfig({ IDNODE_HANDLE_PORT: '0' }).handlePort, null);
  t.is(loadConfig({ IDNODE_HANDLE_PORT: 'auto' }).handlePort, 0);
  t.is(loadConfig({ IDNODE_HANDLE_PORT: '12641' }).handlePort, 12641);
  for (const raw of ['65536', '-1', 'AUTO', '', 'random']) t.is(naming(problemsOf({ IDNODE_HANDLE_PORT: raw }), 'IDNODE_HANDLE_PORT').length, 1, raw);
});

test('config: booleans accept true/false/1/0 and nothing else', (t) => {
  t.true(loadConfig({ IDNODE_SUFFIX_CASE_SENSITIVE: 'true' }).suffixCaseSensitive);
  t.true(loadConfig({ IDNODE_SUFFIX_CASE_SENSITIVE: '1' }).suffixCaseSensitive);
  t.false(loadConfig({ IDNODE_LIST_HANDLES: 'false' }).listHandlesEnabled);
  t.false(loadConfig({ IDNODE_LIST_HANDLES: '0' }).listHandlesEnabled);
  for (const raw of ['yes', 'on', 'no', '2', '']) {
    t.is(naming(problemsOf({ IDNODE_LIST_HANDLES: raw }), 'IDNODE_LIST_HANDLES').length, 1, raw);
  }
});

test('config: a TLS certificate without a key (or a key without a certificate) is rejected', (t) => {
  const certOnly = problemsOf({ IDNODE_TLS_CERT_PATH: '/etc/idnode/cert.pem' });
  t.is(certOnly.length, 1);
  t.true(certOnly[0]?.includes('IDNODE_TLS_KEY_PATH'));
  const keyOnly = problemsOf({ IDNODE_TLS_KEY_PATH: '/etc/idnode/key.pem' });
  t.is(keyOnly.length, 1);
  t.true(keyOnly[0]?.includes('IDNODE_TLS_CERT_PATH'));
  const both = loadConfig({ IDNODE_TLS_CERT_PATH: '/etc/idnode/cert.pem', IDNODE_TLS_KEY_PATH: '/etc/idnode/key.pem' });
  t.is(both.tlsCertPath, '/etc/idnode/cert.pem');
  t.is(both.tlsKeyPath, '/etc/idnode/key.pem');
});

test('config: IDNODE_TRUSTED_PROXIES accepts IPv4/IPv6 addresses and CIDR blocks', (t) => {
  const config = loadConfig({ IDNODE_TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16,::1,fd00::/8, 0.0.0.0/0' });
  t.deepEqual(config.trustedProxies, ['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8', '0.0.0.0/0']);
});

const BAD_PROXIES = ['example.com', '10.0.0.0/33', '::/129', '10.0.0.1/8/1', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.256', '10.0.0.0/x', '10.0.0.1 10.0.0.2'];

for (const raw of BAD_PROXIES) {
  test(`config: IDNODE_TRUSTED_PROXIES rejects ${JSON.stringify(raw)}`, (t) => {
    const problems = problemsOf({ IDNODE_TRUSTED_PROXIES: raw });
    t.is(problems.length, 1);
    t.is(naming(problems, 'IDNODE_TRUSTED_PROXIES').length, 1, problems[0]);
  });
}

test('config: the result is frozen, including its lists', (t) => {
  const config = loadConfig({ IDNODE_TRUSTED_PROXIES: '10.0.0.1' });
  t.true(Object.isFrozen(config));
  t.true(Object.isFrozen(config.trustedProxies));
  t.throws(() => {
    (config as { port: number }).port = 1;
  }, { instanceOf: TypeError });
  t.throws(() => {
    (config.trustedProxies as string[]).push('10.0.0.2');
  }, { instanceOf: TypeError });
  t.is(config.port, 8000);
});

test('config: IDNODE_ADMIN_SECRET must be at least 16 characters; empty means generate', (t) => {
  t.is(naming(problemsOf({ IDNODE_ADMIN_SECRET: 'a'.repeat(15) }), 'IDNODE_ADMIN_SECRET').length, 1);
  t.is(loadConfig({ IDNODE_ADMIN_SECRET: 'a'.repeat(16) }).adminSecret, 'a'.repeat(16));
  t.is(loadConfig({ IDNODE_ADMIN_SECRET: '' }).adminSecret, null);
});

test('config: IDNODE_NODE_PREFIX must be a valid prefix, never the 0.NA namespace', (t) => {
  t.is(loadConfig({ IDNODE_NODE_PREFIX: '86.100.1' }).nodePrefix, '86.100.1');
  for (const raw of ['88.118/X', '88..118', '88 118', '', '0.NA', '0.na', '0.NA.1']) {
    t.is(naming(problemsOf({ IDNODE_NODE_PREFIX: raw }), 'IDNODE_NODE_PREFIX').length, 1, raw);
  }
});

test('config: IDNODE_LOG_LEVEL accepts pino levels only', (t) => {
  t.is(loadConfig({ IDNODE_LOG_LEVEL: 'debug' }).logLevel, 'debug');
  t.is(naming(problemsOf({ IDNODE_LOG_LEVEL: 'verbose' }), 'IDNODE_LOG_LEVEL').length, 1);
});

test('config: a headers timeout longer than the request timeout is refused', (t) => {
  const error = t.throws(() => loadConfig({ IDNODE_HEADERS_TIMEOUT_MS: '60000', IDNODE_REQUEST_TIMEOUT_MS: '1000' }), { instanceOf: ConfigError });
  t.true(error?.problems.some((problem) => problem.includes('IDNODE_HEADERS_TIMEOUT_MS')));
});

test('config: IDNODE_PUBLIC_URL is an http(s) base without query, fragment or credentials; a trailing slash is dropped', (t) => {
  t.is(loadConfig({ IDNODE_PUBLIC_URL: 'https://id.example.cn/' }).publicUrl, 'https://id.example.cn');
  t.is(loadConfig({ IDNODE_PUBLIC_URL: 'http://id.example.cn:8080/resolve' }).publicUrl, 'http://id.example.cn:8080/resolve');
  for (const bad of ['id.example.cn', 'ftp://id.example.cn', 'https://id.example.cn/?x=1', 'https://id.example.cn/#top', 'https://user:pw@id.example.cn']) {
    const error = t.throws(() => loadConfig({ IDNODE_PUBLIC_URL: bad }), { instanceOf: ConfigError }, bad);
    t.is(naming(error.problems, 'IDNODE_PUBLIC_URL').length, 1, bad);
  }
});

test('config: the hierarchy variables — a role, an upstream origin, a thumbprint; a top-level node has no upstream', (t) => {
  const config = loadConfig({ IDNODE_ROLE: 'secondary', IDNODE_UPSTREAM_URL: 'https://top.example.cn:8443/', IDNODE_UPSTREAM_KEY_THUMBPRINT: 'A'.repeat(43) });
  t.is(config.upstreamUrl, 'https://top.example.cn:8443');
  t.is(config.upstreamKeyThumbprint, 'A'.repeat(43));
  t.is(loadConfig({ IDNODE_ROLE: 'top-level' }).role, 'top-level');
  for (const [name, value] of [
    ['IDNODE_ROLE', 'national'],
    ['IDNODE_UPSTREAM_URL', 'ftp://top.example.cn'],
    ['IDNODE_UPSTREAM_URL', 'http://top.example.cn/api'],
    ['IDNODE_UPSTREAM_URL', 'http://user:pw@top.example.cn'],
    ['IDNODE_UPSTREAM_URL', 'not a url'],
    ['IDNODE_UPSTREAM_KEY_THUMBPRINT', 'short'],
    ['IDNODE_RECURSION_MAX_HOPS', '0'],
  ] as const) {
    t.is(naming(problemsOf({ [name]: value }), name).length, 1, `${name}=${value}`);
  }
  t.deepEqual(naming(problemsOf({ IDNODE_ROLE: 'top-level', IDNODE_UPSTREAM_URL: 'http://127.0.0.1:8000' }), 'IDNODE_UPSTREAM_URL').length, 1);
});

test('config: IDNODE_WORKERS is auto (the cores), or 1 to 64 processes; anything else is refused', (t) => {
  t.is(loadConfig({ IDNODE_WORKERS: 'auto' }).workers, Math.min(64, availableParallelism()));
  t.is(loadConfig({ IDNODE_WORKERS: '1' }).workers, 1);
  t.is(loadConfig({ IDNODE_WORKERS: '3' }).workers, 3);
  for (const bad of ['0', '65', 'two', '-1', '1.5', '']) t.is(naming(problemsOf({ IDNODE_WORKERS: bad }), 'IDNODE_WORKERS').length, 1, bad);
});
