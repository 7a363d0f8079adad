// `idnode backup` while the node takes writes, and `idnode restore` (issue 3): the copy is consistent, holds every
// record acknowledged before the backup began, passes integrity_check, and a restored node resolves it all.
// Both commands copy SQLite files (VACUUM INTO, integrity_check, a file swapped in place): on PostgreSQL they refuse and
// name PostgreSQL's own tools (docs/scale-out.md#backup), so every test of the copies is SQLite only, and the last test
// checks that refusal.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { openStore } from '../../src/store/store.js';
import { postgresOnlyTest, sqliteOnlyTest } from '../support/engine-test.js';
import { NODE_PREFIX } from '../support/node-under-test.js';
import { httpCall, runCli, runCliAsync, serveEnv, startServe } from '../support/serve-process.js';
import { inspectStoreFile, type StoreFileView } from '../support/store-file.js';

const WRITERS = 4;
const UPDATED = 40;
/** Large records so VACUUM INTO takes long enough for writes to land while it runs. */
const BULK_RECORDS = 10;
const BULK_TEXT = 'b'.repeat(350);

function tempFolder(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-backup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function versioned(handle: string, version: number): unknown[] {
  return [
    { index: 1, type: 'URL', data: `https://example.cn/${handle}` },
    { index: 2, type: 'VERSION', data: String(version) },
  ];
}

function storedVersion(view: StoreFileView, handle: string): number | undefined {
  const value = view.rows.get(handle)?.values.find((v) => v.index === 2);
  return value === undefined ? undefined : Number(value.data.value);
}

/** A node with bulky records and records under way, writers going, and the versions acknowledged so far. */
async function nodeUnderWrites(t: ExecutionContext, env: NodeJS.ProcessEnv) {
  const node = await startServe(t, env);
  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS + 2 });
  t.teardown(() => agent.destroy());
  const put = (handle: string, body: unknown): Promise<number> =>
    httpCall(node.port, 'PUT', `/api/handles/${handle}`, { body, agent }).then((reply) => reply.status);
  for (let i = 0; i < BULK_RECORDS; i += 1) {
    const values = Array.from({ length: 2048 }, (_, k) => ({ index: k + 1, type: 'DESC', data: `${i}.${k} ${BULK_TEXT}` }));
    t.is(await put(`${NODE_PREFIX}/BULK-${i}`, values), 201);
  }
  /** The newest acknowledged version of every record the writers touch (0 = created). */
  const acknowledged = new Map<string, number>();
  for (let k = 0; k < UPDATED; k += 1) {
    const handle = `${NODE_PREFIX}/UPD-${k}`;
    t.is(await put(handle, versioned(handle, 0)), 201);
    acknowledged.set(handle, 0);
  }
  return { node, put, acknowledged };
}

sqliteOnlyTest('backup: a copy taken while the node writes holds every record acknowledged before it began, and passes integrity_check', async (t) => {
  t.timeout(90_000);
  const dir = tempFolder(t);
  const backupFile = join(dir, 'backup.db');
  const env = serveEnv(join(dir, 'idnode.db'));
  const { node, put, acknowledged } = await nodeUnderWrites(t, env);
  // Writers: new records and updates of their own share of UPD-* (one at a time per record, so versions only grow).
  let writing = true;
  let created = 0;
  let acknowledgedDuringBackup = 0;
  let backupRunning = false;
  const failures: string[] = [];
  let warmedUp: () => void = () => undefined;
  const writersWarm = new Promise<void>((resolve) => (warmedUp = resolve));
  const writer = async (w: number): Promise<void> => {
    for (let round = 1; writing; round += 1) {
      const handle = round % 2 === 0 ? `${NODE_PREFIX}/UPD-${(w + WRITERS * round) % UPDATED}` : `${NODE_PREFIX}/NEW-${w}-${round}`;
      const status = await put(handle, versioned(handle, round));
      if (status !== 200 && status !== 201) failures.push(`PUT ${handle}: ${status}`);
      acknowledged.set(handle, Math.max(round, acknowledged.get(handle) ?? 0));
      if (status === 201 && (created += 1) === 50) warmedUp();
      if (backupRunning) acknowledgedDuringBackup += 1;
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  // Let the writers get going, then freeze what "acknowledged before the backup began" means.
  await writersWarm;
  const before = new Map(acknowledged);
  backupRunning = true;
  const backup = await runCliAsync(['backup', backupFile], env, 60_000);
  backupRunning = false;
  writing = false;
  await Promise.all(writers);
  t.deepEqual(failures, []);
  t.is(backup.status, 0, backup.stderr);
  t.regex(backup.stdout, /^backup: .+ \(\d+ handles, schema \d+, integrity ok\)\n$/);
  t.true(acknowledgedDuringBackup > 0, 'writes were acknowledged while the backup ran');
  t.log(`backup took ${Math.round(backup.elapsedMs)} ms; ${acknowledgedDuringBackup} writes acknowledged meanwhile`);

  const copy = inspectStoreFile(backupFile, NODE_PREFIX);
  t.is(copy.integrity, 'ok');
  t.is(copy.countedHandles, copy.rows.size, 'trigger-kept counts match the copied rows');
  const missing = [...before].filter(([handle, version]) => (storedVersion(copy, handle) ?? -1) < version);
  t.deepEqual(missing, [], 'records (and versions) acknowledged before the backup began');
  for (let i = 0; i < BULK_RECORDS; i += 1) t.is(copy.rows.get(`${NODE_PREFIX}/BULK-${i}`)?.values.length, 2048);
  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
});

/** A stopped node's store with a few known records, and a backup of it taken while the node ran. */
async function storeWithBackup(t: ExecutionContext) {
  const dir = tempFolder(t);
  const db = join(dir, 'idnode.db');
  const backupFile = join(dir, 'backup.db');
  const env = serveEnv(db);
  const node = await startServe(t, env);
  const handles = Array.from({ length: 20 }, (_, i) => `${NODE_PREFIX}/KEPT-${i}`);
  for (const [i, handle] of handles.entries()) t.is((await httpCall(node.port, 'PUT', `/api/handles/${handle}`, { body: versioned(handle, i) })).status, 201);
  const backup = await runCliAsync(['backup', backupFile], env, 60_000);
  t.is(backup.status, 0, backup.stderr);
  return { db, backupFile, env, node, handles };
}

sqliteOnlyTest('backup: a second backup to the same file is refused and leaves the first alone', async (t) => {
  const { backupFile, env, node } = await storeWithBackup(t);
  const firstBytes = readFileSync(backupFile);
  const again = await runCliAsync(['backup', backupFile], env);
  t.not(again.status, 0);
  t.true(readFileSync(backupFile).equals(firstBytes));
  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
});

sqliteOnlyTest('restore: refused while the node runs; the live store is untouched and still takes writes', async (t) => {
  const { db, backupFile, env, node } = await storeWithBackup(t);
  const refused = await runCliAsync(['restore', backupFile], env);
  t.not(refused.status, 0);
  t.regex(refused.stderr, /^idnode: STORE_BUSY: .*stop it before restoring\n$/);
  const last = `${NODE_PREFIX}/AFTER-REFUSED-RESTORE`;
  t.is((await httpCall(node.port, 'PUT', `/api/handles/${last}`, { body: versioned(last, 1) })).status, 201, 'the node still takes writes');
  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
  t.true(inspectStoreFile(db, NODE_PREFIX).rows.has(last), 'the refused restore did not replace the store');
});

sqliteOnlyTest('restore: with the node stopped the store becomes exactly the copy, and a node started on it resolves every record', async (t) => {
  const { db, backupFile, env, node, handles } = await storeWithBackup(t);
  const later = `${NODE_PREFIX}/AFTER-BACKUP`;
  t.is((await httpCall(node.port, 'PUT', `/api/handles/${later}`, { body: versioned(later, 1) })).status, 201);
  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
  const copy = inspectStoreFile(backupFile, NODE_PREFIX);

  const restored = await runCliAsync(['restore', backupFile], env);
  t.is(restored.status, 0, restored.stderr);
  t.regex(restored.stdout, /^restored: /);
  t.false(existsSync(`${db}.restoring`));
  const after = inspectStoreFile(db, NODE_PREFIX);
  t.is(after.integrity, 'ok');
  t.deepEqual([...after.rows.keys()].sort(), [...copy.rows.keys()].sort());
  t.false(after.rows.has(later), 'writes after the backup are gone, as a restore implies');

  const again = await startServe(t, env);
  const wrong: string[] = [];
  for (const [i, handle] of handles.entries()) {
    const reply = await httpCall(again.port, 'GET', `/api/handles/${handle}`);
    const values = reply.status === 200 ? (JSON.parse(reply.text) as { values: { index: number; data: { value: unknown } }[] }).values : [];
    if (reply.status !== 200) wrong.push(`${handle}: ${reply.status}`);
    else if (Number(values.find((v) => v.index === 2)?.data.value) !== i) wrong.push(`${handle}: wrong version`);
  }
  t.deepEqual(wrong, []);
  t.deepEqual(await again.kill('SIGTERM'), { code: 0, signal: null });
});

sqliteOnlyTest('backup: restore refuses a file that is not a sound idnode store and leaves the live store alone', async (t) => {
  const dir = tempFolder(t);
  const db = join(dir, 'idnode.db');
  const env = serveEnv(db);
  const node = await startServe(t, env);
  t.is((await httpCall(node.port, 'PUT', `/api/handles/${NODE_PREFIX}/KEEP`, { body: versioned('KEEP', 1) })).status, 201);
  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
  const garbage = join(dir, 'garbage.db');
  writeFileSync(garbage, Buffer.alloc(8192, 7));
  const liveBytes = readFileSync(db);

  const result = runCli(['restore', garbage], env);
  t.not(result.status, 0);
  t.is(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  t.regex(result.stderr, /^idnode: STORE_UNAVAILABLE: /);
  t.true(readFileSync(db).equals(liveBytes));
  t.true(inspectStoreFile(db, NODE_PREFIX).rows.has(`${NODE_PREFIX}/KEEP`));
});

sqliteOnlyTest('backup: a store that is missing or a destination that cannot be written fails with one clear line and leaves no file', (t) => {
  const dir = tempFolder(t);
  const missingStore = runCli(['backup', join(dir, 'copy.db')], serveEnv(join(dir, 'none.db')));
  t.not(missingStore.status, 0);
  t.is(missingStore.stderr.trimEnd().split('\n').length, 1, missingStore.stderr);
  t.regex(missingStore.stderr, /^idnode: STORE_UNAVAILABLE: cannot back up /);
  t.false(existsSync(join(dir, 'none.db')), 'the missing store was not created');
  t.false(existsSync(join(dir, 'copy.db')));

  const db = join(dir, 'idnode.db');
  openStore(db, { busyTimeoutMs: 1000 }).close();
  const badDestination = runCli(['backup', join(dir, 'no-such-folder', 'copy.db')], serveEnv(db));
  t.not(badDestination.status, 0);
  t.is(badDestination.stderr.trimEnd().split('\n').length, 1, badDestination.stderr);
  t.regex(badDestination.stderr, /^idnode: STORE_UNAVAILABLE: cannot back up /);
  t.false(existsSync(join(dir, 'no-such-folder')));
});

postgresOnlyTest('backup and restore on PostgreSQL: each is refused with one line naming PostgreSQL\'s own tools, and writes no file', (t) => {
  const dir = tempFolder(t);
  const env = serveEnv(join(dir, 'idnode.db'));
  const copy = join(dir, 'copy.db');
  const backup = runCli(['backup', copy], env);
  t.is(backup.status, 1);
  t.regex(backup.stderr, /^idnode: IDNODE_STORE=postgres: backing up is PostgreSQL's own \(pg_dump, pg_basebackup .*docs\/scale-out\.md#backup\)\n$/);
  t.false(existsSync(copy));
  writeFileSync(copy, Buffer.alloc(8192, 7));
  const restore = runCli(['restore', copy], env);
  t.is(restore.status, 1);
  t.regex(restore.stderr, /^idnode: IDNODE_STORE=postgres: restoring is PostgreSQL's own \(pg_dump, pg_basebackup .*docs\/scale-out\.md#backup\)\n$/);
  t.false(existsSync(join(dir, 'idnode.db')), 'no SQLite store was made beside the PostgreSQL one');
});
