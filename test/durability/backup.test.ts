// `idnode backup` while the node takes writes, and `idnode restore` (issue 3): the copy is consistent, holds every
// record acknowledged before the backup began, passes integrity_check, and a restored node resolves it all.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { openStore } from '../../src/store/store.js';
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

test('backup: a copy taken while the node writes holds every record acknowledged before it began; restore refuses while the node runs, then brings the copy back', async (t) => {
  t.timeout(90_000);
  const dir = tempFolder(t);
  const db = join(dir, 'idnode.db');
  const backupFile = join(dir, 'backup.db');
  const env = serveEnv(db);
  const node = await startServe(t, env);
  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS + 2 });
  t.teardown(() => agent.destroy());
  const put = (handle: string, body: unknown): Promise<number> =>
    httpCall(node.port, 'PUT', `/api/handles/${handle}`, { body, agent }).then((reply) => reply.status);

  // Before: bulky records, and records that will keep being updated during the backup.
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
      const version = round;
      const status = await put(handle, versioned(handle, version));
      if (status !== 200 && status !== 201) failures.push(`PUT ${handle}: ${status}`);
      acknowledged.set(handle, Math.max(version, acknowledged.get(handle) ?? 0));
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

  // A second backup to the same file is refused and leaves the first alone.
  const firstBytes = readFileSync(backupFile);
  const again = runCli(['backup', backupFile], env);
  t.not(again.status, 0);
  t.true(readFileSync(backupFile).equals(firstBytes));

  // Restore while the node runs: refused, the live store untouched and still writable.
  const refused = runCli(['restore', backupFile], env);
  t.not(refused.status, 0);
  t.regex(refused.stderr, /^idnode: STORE_BUSY: .*stop it before restoring\n$/);
  writing = false;
  await Promise.all(writers);
  t.deepEqual(failures, []);
  const last = `${NODE_PREFIX}/AFTER-REFUSED-RESTORE`;
  t.is(await put(last, versioned(last, 1)), 201, 'the node still takes writes');
  const live = (await httpCall(node.port, 'GET', `/api/handles/${NODE_PREFIX}/UPD-0`, { agent })).status;
  t.is(live, 200);

  t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
  t.true(inspectStoreFile(db, NODE_PREFIX).rows.has(last), 'the refused restore did not replace the store');

  // Stopped: restore succeeds and the store is exactly the copy.
  const restored = runCli(['restore', backupFile], env);
  t.is(restored.status, 0, restored.stderr);
  t.regex(restored.stdout, /^restored: /);
  t.false(existsSync(`${db}.restoring`));
  const after = inspectStoreFile(db, NODE_PREFIX);
  t.is(after.integrity, 'ok');
  t.deepEqual([...after.rows.keys()].sort(), [...copy.rows.keys()].sort());
  t.false(after.rows.has(last), 'writes after the backup are gone, as a restore implies');

  // Started on the restored store: every record acknowledged before the backup resolves over HTTP.
  const again2 = await startServe(t, env);
  const reader = new Agent({ keepAlive: true, maxSockets: 8 });
  t.teardown(() => reader.destroy());
  const wrong: string[] = [];
  const handles = [...before.keys(), ...Array.from({ length: BULK_RECORDS }, (_, i) => `${NODE_PREFIX}/BULK-${i}`)];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let handle = handles.pop(); handle !== undefined; handle = handles.pop()) {
        const reply = await httpCall(again2.port, 'GET', `/api/handles/${handle}`, { agent: reader });
        const values = reply.status === 200 ? (JSON.parse(reply.text) as { values: { index: number; data: { value: unknown } }[] }).values : [];
        const version = values.find((v) => v.index === 2)?.data.value;
        const expected = before.get(handle);
        if (reply.status !== 200) wrong.push(`${handle}: ${reply.status}`);
        else if (expected !== undefined && Number(version) < expected) wrong.push(`${handle}: version ${String(version)} < ${expected}`);
      }
    }),
  );
  t.deepEqual(wrong, []);
  t.deepEqual(await again2.kill('SIGTERM'), { code: 0, signal: null });
});

test('backup: restore refuses a file that is not a sound idnode store and leaves the live store alone', async (t) => {
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

test('backup: a store that is missing or a destination that cannot be written fails with one clear line and leaves no file', (t) => {
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
