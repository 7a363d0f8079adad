// A store that cannot be opened (issue 3, "an I/O error on open"): `idnode serve` exits 1 at once with one clear line,
// no stack trace, and leaves every file as it was.

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { openStore } from '../../src/store/store.js';
import { sqliteOnlyTest } from '../support/engine-test.js';
import { runCli, serveEnv } from '../support/serve-process.js';

/** Permission bits stop root, so the read-only cases run the child as `nobody` when the tests run as root. */
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };
const MAX_START_MS = 10_000;

interface Case {
  readonly name: string;
  /** Builds the situation under `dir` and returns the IDNODE_DB_PATH to start with. */
  prepare(dir: string): string;
  /** Needs permission bits to bite (a non-root child). */
  readonly readOnly?: boolean;
  readonly linuxOnly?: boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'a directory',
    prepare: (dir) => {
      mkdirSync(join(dir, 'store.db'));
      return join(dir, 'store.db');
    },
  },
  {
    name: 'a file that is not a database',
    prepare: (dir) => {
      const path = join(dir, 'garbage.db');
      writeFileSync(path, Buffer.from(Array.from({ length: 16_384 }, (_, i) => (i * 131 + 7) % 251)));
      return path;
    },
  },
  {
    name: 'a path below a regular file',
    prepare: (dir) => {
      writeFileSync(join(dir, 'plain.txt'), 'not a folder\n');
      return join(dir, 'plain.txt', 'idnode.db');
    },
  },
  {
    name: 'a folder that cannot be made (under /proc)',
    linuxOnly: true,
    prepare: () => `/proc/idnode-open-errors-${process.pid}/idnode.db`,
  },
  {
    name: 'a new file in a read-only folder',
    readOnly: true,
    prepare: (dir) => {
      mkdirSync(join(dir, 'ro'), { mode: 0o555 });
      chmodSync(join(dir, 'ro'), 0o555);
      return join(dir, 'ro', 'idnode.db');
    },
  },
  {
    name: 'a new folder inside a read-only folder',
    readOnly: true,
    prepare: (dir) => {
      mkdirSync(join(dir, 'ro'));
      chmodSync(join(dir, 'ro'), 0o555);
      return join(dir, 'ro', 'sub', 'idnode.db');
    },
  },
  {
    name: 'an existing store this user may not write (in a folder it may write)',
    readOnly: true,
    prepare: (dir) => {
      const folder = join(dir, 'shared');
      mkdirSync(folder);
      chmodSync(folder, 0o777);
      const path = join(folder, 'idnode.db');
      openStore(path, { busyTimeoutMs: 1000 }).close();
      chmodSync(path, 0o444);
      return path;
    },
  },
];

/** Every file and folder under `dir`: type, mode, size and content hash, by relative path. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(dir, relative))) {
      const path = join(relative, name);
      const stat = lstatSync(join(dir, path));
      if (stat.isDirectory()) {
        entries[path] = `dir ${stat.mode.toString(8)}`;
        walk(path);
      } else {
        entries[path] = `file ${stat.mode.toString(8)} ${stat.size} ${createHash('sha256').update(readFileSync(join(dir, path))).digest('hex')}`;
      }
    }
  };
  walk('');
  return entries;
}

function tempFolder(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-open-'));
  // Readable by the unprivileged child; made writable again before removal so a non-root run can clean up.
  chmodSync(dir, 0o755);
  t.teardown(() => {
    const unlock = (path: string): void => {
      if (!lstatSync(path).isDirectory()) return;
      chmodSync(path, 0o755);
      for (const name of readdirSync(path)) unlock(join(path, name));
    };
    unlock(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

// SQLite only: every case is a SQLite file path that cannot be opened. On PostgreSQL the store is the database of
// IDNODE_PG_URL and the path only places the seal key, so a node over such a path starts (or fails on the seal key).
for (const item of CASES) {
  const skip = item.linuxOnly === true && !existsSync('/proc/self');
  (skip ? test.skip : sqliteOnlyTest)(`open errors: serve on ${item.name} exits 1 at once with one clear line and touches nothing`, (t: ExecutionContext) => {
    const dir = tempFolder(t);
    const db = item.prepare(dir);
    const before = snapshot(dir);
    const result = runCli(['serve'], serveEnv(db), 30_000, item.readOnly === true && IS_ROOT ? NOBODY : undefined);

    t.is(result.status, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    t.true(result.elapsedMs < MAX_START_MS, `took ${Math.round(result.elapsedMs)} ms`);
    const lines = result.stderr.trimEnd().split('\n');
    t.is(lines.length, 1, result.stderr);
    t.true(lines[0]?.startsWith(`idnode: STORE_UNAVAILABLE: cannot open store ${db}: `), result.stderr);
    t.false(/^\s+at /m.test(result.stderr), 'no stack trace');
    t.false(result.stdout.includes('idnode listening'));
    t.deepEqual(snapshot(dir), before, 'no file was created, changed or removed');
    if (item.linuxOnly === true) t.false(existsSync(join(db, '..')));
  });
}
