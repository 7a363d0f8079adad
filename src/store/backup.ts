// Online backup (VACUUM INTO: one consistent snapshot while the node keeps writing) and offline restore, files 0600.

import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { IdnodeError } from '../errors.js';
import { loadMigrations } from './migrations.js';
import { copyPrivate, createPrivateFile, PRIVATE_FILE_MODE } from './private-files.js';

export interface BackupReport {
  readonly handles: number;
  readonly schemaVersion: number;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens a copy read-only and checks it: `integrity_check` ok and a schema this idnode knows. Throws STORE_UNAVAILABLE. */
export function verifyCopy(path: string): BackupReport {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new IdnodeError('STORE_UNAVAILABLE', `${path} fails integrity_check: ${String(integrity)}`);
    const schemaVersion = Number(db.pragma('user_version', { simple: true }));
    const latest = loadMigrations().at(-1)?.version ?? 0;
    if (schemaVersion < 1 || schemaVersion > latest) throw new IdnodeError('STORE_UNAVAILABLE', `${path} has schema version ${schemaVersion}; this idnode knows 1…${latest}`);
    const handles = (db.prepare('SELECT count(*) AS n FROM handles').get() as { n: number }).n;
    return { handles, schemaVersion };
  } catch (error) {
    if (error instanceof IdnodeError) throw error;
    throw new IdnodeError('STORE_UNAVAILABLE', `${path} is not a readable idnode store: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
}

/**
 * Writes a consistent copy of the store at `dbPath` to `destination` (which must not exist) while a node may be
 * writing: `VACUUM INTO` reads one snapshot, so the copy holds every write committed before it began. Then checks it.
 * The copy is created 0600 before SQLite writes into it (VACUUM INTO fills an empty file): a backup is as secret as
 * the store. Throws BAD_REQUEST (destination exists), STORE_UNAVAILABLE.
 */
export function backupStore(dbPath: string, destination: string, busyTimeoutMs: number): BackupReport {
  try {
    createPrivateFile(destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new IdnodeError('BAD_REQUEST', `${destination} exists; choose a new file`);
    throw new IdnodeError('STORE_UNAVAILABLE', `cannot back up ${dbPath} to ${destination}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const db = new Database(dbPath, { fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      db.prepare('VACUUM INTO ?').run(destination);
    } finally {
      db.close();
    }
    fsyncPath(destination);
  } catch (error) {
    // A failed VACUUM INTO (a full disk, say) may leave a partial file behind; it did not exist before.
    rmSync(destination, { force: true });
    throw new IdnodeError('STORE_UNAVAILABLE', `cannot back up ${dbPath} to ${destination}: ${(error as Error).message}`, { cause: error });
  }
  return verifyCopy(destination);
}

/**
 * Throws STORE_BUSY when another connection holds the store open (a running node), naming what needs it stopped
 * (`restoring`); leaves it in rollback mode, which the next open turns back to WAL.
 */
export function assertNotInUse(dbPath: string, doing: string): void {
  const db = new Database(dbPath, { fileMustExist: true });
  let mode: unknown;
  try {
    // A store another connection holds open cannot leave WAL mode; leaving it also folds the WAL into the file.
    mode = db.pragma('journal_mode = DELETE', { simple: true });
  } catch {
    mode = 'locked';
  } finally {
    db.close();
  }
  if (mode !== 'delete') throw new IdnodeError('STORE_BUSY', `${dbPath} is in use (is the node running?); stop it before ${doing}`);
}

export interface RestoreReport extends BackupReport {
  /** Where the replaced store was kept (0600), or null when there was none. */
  readonly kept: string | null;
}

/** `<dbPath>.replaced-<UTC time>` that does not exist yet (a counter is added when two restores share a millisecond). */
function keptName(dbPath: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  let name = `${dbPath}.replaced-${stamp}`;
  for (let n = 2; existsSync(name); n += 1) name = `${dbPath}.replaced-${stamp}-${n}`;
  return name;
}

/**
 * Replaces the store at `dbPath` with the checked copy `backup` (the restored store is 0600). The store it replaces
 * is kept beside it as `<dbPath>.replaced-<UTC time>` (0600), so a restore of the wrong file can be undone. The node
 * must be stopped: a store another connection holds open cannot leave WAL mode, and that is how a running node is
 * detected. Throws STORE_BUSY, STORE_UNAVAILABLE.
 */
export function restoreStore(backup: string, dbPath: string, now = new Date()): RestoreReport {
  const report = verifyCopy(backup);
  let kept: string | null = null;
  if (existsSync(dbPath)) {
    // Also folds the WAL into the file, so the kept copy is the whole store.
    assertNotInUse(dbPath, 'restoring');
    kept = keptName(dbPath, now);
    try {
      linkSync(dbPath, kept);
      chmodSync(kept, PRIVATE_FILE_MODE);
    } catch {
      // A file system without hard links: a copy, private from its first byte.
      rmSync(kept, { force: true });
      copyPrivate(dbPath, kept);
    }
  }
  const staging = `${dbPath}.restoring`;
  rmSync(staging, { force: true });
  copyPrivate(backup, staging);
  for (const suffix of ['-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  renameSync(staging, dbPath);
  fsyncPath(dirname(dbPath));
  return { ...report, kept };
}
