// In-process CPU cost of the anonymous resolve fast path (and the resolver proxy's), without sockets or load generator, so a change of a
// microsecond shows through a noisy machine. Usage: node dist/bench/fast-path-micro.js [another checkout, built]
// It drives each build's request listener with minimal request/response objects and prints the median µs/answer.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PATHS = [
  '/api/handles/88.118/AB-1',
  // The resolver proxy's redirect of the same record (302), as a browser asks for it.
  '/88.118/AB-1',
  '/api/handles/88.118/NOPE',
  '/api/handles/0.NA/88.118.77',
  `/api/handles/0.NA/${Array.from({ length: 16 }, () => '9').join('.')}`,
];
const ROUNDS = 5;
const CALLS = 200_000;

interface Listener {
  (req: unknown, res: unknown): void;
}

/** Median µs per answer for each path, measured with the build at `root` (its dist/ must exist). */
async function measure(root: string): Promise<string[]> {
  const { createNode } = (await import(join(root, 'dist/src/app.js'))) as typeof import('../src/app.js');
  const { loadConfig } = (await import(join(root, 'dist/src/config.js'))) as typeof import('../src/config.js');
  const { createLogger } = (await import(join(root, 'dist/src/log/logger.js'))) as typeof import('../src/log/logger.js');
  const dir = mkdtempSync(join(tmpdir(), 'idnode-micro-'));
  const node = await createNode(
    loadConfig({
      IDNODE_DB_PATH: join(dir, 'db'),
      IDNODE_ADMIN_SECRET: 'micro-admin-secret-0001',
      IDNODE_SECRET_HASH_ITERATIONS: '1000',
      IDNODE_LOG_LEVEL: 'silent',
      IDNODE_RATE_LIMIT_PER_CLIENT: '0',
      IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT: '0',
      IDNODE_RATE_LIMIT_PER_IDENTITY: '0',
    }),
    { logger: createLogger('silent'), externalWritePollMs: 0 },
  );
  const listener = node.listener as unknown as Listener;
  let status = 0;
  const res = { writeHead: (code: number) => void (status = code), end: () => undefined, setHeader: () => undefined };
  const lines: string[] = [];
  try {
    const { parseValueList } = (await import(join(root, 'dist/src/identifier/value.js'))) as typeof import('../src/identifier/value.js');
    const { parseHandle } = (await import(join(root, 'dist/src/identifier/handle.js'))) as typeof import('../src/identifier/handle.js');
    const rule = { suffixCaseSensitive: false };
    const handle = parseHandle('88.118/AB-1', rule);
    await node.store.write(() => node.store.insertRecord(handle.key, handle.display, handle.prefixKey, parseValueList([{ index: 1, type: 'URL', data: 'https://example.cn/ab' }], 1, rule), 1));
    for (const url of PATHS) {
      const req = { method: 'GET', url, headers: {}, rawHeaders: ['Host', '127.0.0.1'], socket: { remoteAddress: '127.0.0.1' } };
      for (let i = 0; i < CALLS / 4; i += 1) listener(req, res);
      const samples: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const before = process.cpuUsage();
        for (let i = 0; i < CALLS; i += 1) listener(req, res);
        const used = process.cpuUsage(before);
        samples.push((used.user + used.system) / CALLS);
      }
      samples.sort((a, b) => a - b);
      lines.push(`${url.length > 48 ? `${url.slice(0, 45)}…` : url} → ${status}: ${samples[Math.floor(ROUNDS / 2)]?.toFixed(2)} µs`);
    }
  } finally {
    node.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

// Each build is measured in a process of its own: in one process the second would run on the first one's JIT state.
const only = process.argv.indexOf('--only');
if (only >= 0) {
  for (const line of await measure(resolve(process.argv[only + 1] ?? '.'))) process.stdout.write(`  ${line}\n`);
} else {
  const roots = [resolve(new URL('../..', import.meta.url).pathname), ...process.argv.slice(2).map((path) => resolve(path))];
  for (const root of roots) {
    process.stdout.write(`${root}\n`);
    const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--only', root], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (child.status !== 0) process.exitCode = 1;
  }
}
