// Online backup (VACUUM INTO: one consistent snapshot while the node keeps writing) and offline restore.

import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { IdnodeError } from '../errors.js';
import { loadMigrations } from './migrations.js';

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
 */
export function backupStore(dbPath: string, destination: string, busyTimeoutMs: number): BackupReport {
  if (existsSync(destination)) throw new IdnodeError('BAD_REQUEST', `${destination} exists; choose a new file`);
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
 * Replaces the store at `dbPath` with the checked copy `backup`. The node must be stopped: a store another
 * connection holds open cannot leave WAL mode, and that is how a running node is detected. Throws STORE_BUSY.
 */
export function restoreStore(backup: string, dbPath: string): BackupReport {
  const report = verifyCopy(backup);
  if (existsSync(dbPath)) {
    const db = new Database(dbPath);
    let mode: unknown;
    try {
      mode = db.pragma('journal_mode = DELETE', { simple: true });
    } catch {
      mode = 'locked';
    } finally {
      db.close();
    }
    if (mode !== 'delete') throw new IdnodeError('STORE_BUSY', `${dbPath} is in use (is the node running?); stop it before restoring`);
  }
  const staging = `${dbPath}.restoring`;
  copyFileSync(backup, staging);
  fsyncPath(staging);
  for (const suffix of ['-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  renameSync(staging, dbPath);
  fsyncPath(dirname(dbPath));
  return report;
}
