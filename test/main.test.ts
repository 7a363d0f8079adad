// The process edge in-process (issue 17 item 5): a generated administrator secret is printed only to a terminal;
// anywhere else it goes to a 0600 file beside the store and the log names only that file.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log/logger.js';
import { adminSecretFile, startNode } from '../src/main.js';

async function firstStart(t: ExecutionContext, isTTY: boolean): Promise<{ printed: string; logged: string; db: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-main-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'idnode.db');
  const config = loadConfig({ IDNODE_DB_PATH: db, IDNODE_PORT: '0', IDNODE_HOST: '127.0.0.1', IDNODE_SECRET_HASH_ITERATIONS: '1000' });
  let printed = '';
  let logged = '';
  const logger = createLogger('info', { write: (line: string) => void (logged += line) });
  const running = await startNode(config, logger, { isTTY, write: (text: string) => (printed += text) });
  await running.stop();
  return { printed, logged, db };
}

test('main: on a terminal the generated secret is printed once and no file is written', async (t) => {
  const { printed, logged, db } = await firstStart(t, true);
  const secret = /its secret \(shown once, store it now\): (\S+)/.exec(printed)?.[1] ?? '';
  t.true(secret.length >= 32);
  t.false(logged.includes(secret));
  t.false(existsSync(adminSecretFile(db)));
});

test('main: without a terminal the generated secret goes to a 0600 file beside the store; only its path is logged', async (t) => {
  const { printed, logged, db } = await firstStart(t, false);
  t.is(printed, '', 'nothing printed');
  const file = adminSecretFile(db);
  t.is(file, `${db}.admin-secret`);
  t.is((statSync(file).mode & 0o777).toString(8), '600');
  const secret = /^secret: (\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  t.true(secret.length >= 32);
  t.false(logged.includes(secret), 'the secret is not in the log');
  t.true(logged.includes(JSON.stringify(file)), 'the file is');
});
