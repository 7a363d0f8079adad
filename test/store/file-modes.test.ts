// Secrets at rest (issue 17 items 4 and 6): the data folder is 0700, the store, its -wal and -shm, backups and the
// store a restore replaced are 0600 whatever the umask, and a store others may read is refused unless allowed.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { IdnodeError } from '../../src/errors.js';
import { backupStore, restoreStore } from '../../src/store/backup.js';
import { openStore } from '../../src/store/store.js';
import { sqliteOnlyTest } from '../support/engine-test.js';
import { startNode } from '../support/node-under-test.js';
import { CLI, runCli, serveEnv } from '../support/serve-process.js';
import { handle, insertHandle, tempDir } from './temp-store.js';

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

function storeWithHandles(t: ExecutionContext, path: string, handles: readonly string[]): void {
  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  for (const handle of handles) insertHandle(store, handle);
  store.close();
}

/** Runs `idnode <args>` under `umask 000`, so only the modes idnode asks for protect the files. */
function cliUnderOpenUmask(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', `umask 000 && exec "${process.execPath}" "${CLI}" "$@"`, 'sh', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

test('file modes: a new store makes its folders 0700 and itself, its -wal and -shm 0600', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'data', 'nested', 'idnode.db');
  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  insertHandle(store, '88.118/MODES');
  t.is(mode(join(dir, 'data')), '700');
  t.is(mode(join(dir, 'data', 'nested')), '700');
  for (const file of [path, `${path}-wal`, `${path}-shm`]) t.is(mode(file), '600', file);
});

// SQLite only: the node's store here is a file and its -wal and -shm, and backup and restore copy it (on PostgreSQL the
// store is the server's, and both commands refuse: test/durability/backup.test.ts).
sqliteOnlyTest('file modes: a node started under umask 000 creates a 0700 folder and 0600 files; backup and restore under it make 0600 files too', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'data', 'idnode.db');
  const env = serveEnv(db);
  // `secret` refuses a missing store, so the first start is the node's: serve, then stop it once it listens.
  const child = spawn('sh', ['-c', `umask 000 && exec "${process.execPath}" "${CLI}" serve`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('"idnode listening"')) resolve();
    });
    child.once('close', () => reject(new Error(output)));
  });
  for (const file of [db, `${db}-wal`, `${db}-shm`]) t.is(mode(file), '600', file);
  t.is(mode(join(dir, 'data')), '700');
  const backup = join(dir, 'backup.db');
  const made = await cliUnderOpenUmask(['backup', backup], env);
  t.is(made.status, 0, made.stderr);
  t.is(mode(backup), '600');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('close', resolve));
  const restored = await cliUnderOpenUmask(['restore', backup], env);
  t.is(restored.status, 0, restored.stderr);
  const kept = /kept: +the replaced store as (\S+) /.exec(restored.stdout)?.[1] ?? '';
  t.regex(kept, /idnode\.db\.replaced-\d{8}T\d{9}Z$/);
  for (const file of [db, kept]) t.is(mode(file), '600', file);
});

test('file modes: restore keeps the replaced store, whole and 0600, beside the restored one', (t) => {
  const dir = tempDir(t);
  const live = join(dir, 'idnode.db');
  const other = join(dir, 'other.db');
  storeWithHandles(t, live, ['88.118/LIVE-1', '88.118/LIVE-2']);
  storeWithHandles(t, other, ['88.118/OTHER']);
  const backup = join(dir, 'other-backup.db');
  backupStore(other, backup, 1000);
  t.is(mode(backup), '600');
  chmodSync(live, 0o644);
  const report = restoreStore(backup, live, new Date(Date.UTC(2026, 0, 15, 8, 30, 0, 123)));
  t.is(report.kept, `${live}.replaced-20260115T083000123Z`);
  t.is(mode(live), '600');
  t.is(mode(report.kept ?? ''), '600', 'kept private even though the replaced store was 0644');
  const kept = openStore(report.kept ?? '', { busyTimeoutMs: 1000 });
  t.teardown(() => kept.close());
  t.truthy(kept.getRecord(handle('88.118/LIVE-2').key), 'the kept store holds what the replaced one held');
  kept.close();
  const second = restoreStore(backup, live, new Date(Date.UTC(2026, 0, 15, 8, 30, 0, 123)));
  t.is(second.kept, `${live}.replaced-20260115T083000123Z-2`, 'a second restore in the same millisecond keeps another file');
  t.is(readdirSync(dir).filter((name) => name.startsWith('idnode.db.replaced-')).length, 2);
});

test('file modes: a store that group or others may read is refused unless IDNODE_STORE_ALLOW_READABLE', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'idnode.db');
  storeWithHandles(t, path, ['88.118/R']);
  for (const [file, bits] of [[path, 0o644], [path, 0o640], [path, 0o604]] as const) {
    chmodSync(file, bits);
    const error = t.throws(() => openStore(path, { busyTimeoutMs: 1000 }), { instanceOf: IdnodeError });
    t.is(error?.code, 'STORE_UNAVAILABLE', bits.toString(8));
  }
  chmodSync(path, 0o600);
  // A WAL exists while a connection is open (the last one to close removes it).
  const store = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => store.close());
  insertHandle(store, '88.118/WAL');
  chmodSync(`${path}-wal`, 0o644);
  t.true(existsSync(`${path}-wal`));
  t.is(t.throws(() => openStore(path, { busyTimeoutMs: 1000 }), { instanceOf: IdnodeError })?.code, 'STORE_UNAVAILABLE', 'a readable -wal is refused too');
  const allowed = openStore(path, { busyTimeoutMs: 1000, allowReadable: true });
  t.truthy(allowed.getRecord(handle('88.118/WAL').key));
  allowed.close();
});

// SQLite only: the readable thing is the SQLite file; a node on PostgreSQL opens no store file to refuse.
sqliteOnlyTest('file modes: serve on a readable store exits 1 with one line naming the fix; opted in, it starts and warns', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'idnode.db');
  storeWithHandles(t, db, ['88.118/S']);
  chmodSync(db, 0o644);
  const refused = runCli(['serve'], serveEnv(db));
  t.is(refused.status, 1);
  const lines = refused.stderr.trimEnd().split('\n');
  t.is(lines.length, 1, refused.stderr);
  t.true(lines[0]?.startsWith(`idnode: STORE_UNAVAILABLE: cannot open store ${db}: `));
  t.true(lines[0]?.includes(`chmod 600 ${db}`));
  t.true(lines[0]?.includes('IDNODE_STORE_ALLOW_READABLE=true'));
  t.is(mode(db), '644', 'the refusal changed nothing');
  const node = await startNode(t, { IDNODE_DB_PATH: db, IDNODE_STORE_ALLOW_READABLE: 'true' });
  t.is((await node.get('/api/handles/88.118/S')).status, 200);
  t.true(node.logLines.some((line) => line.includes('IDNODE_STORE_ALLOW_READABLE=true') && line.includes('"level":40')));
});
