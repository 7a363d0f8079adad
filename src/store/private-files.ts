// Files that hold secrets (issue 17 item 4): the store, its -wal and -shm, backups and kept copies are 0600, their
// folders 0700 when idnode makes them, and a store that group or others may read is refused unless allowed.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { IdnodeError } from '../errors.js';

/** Owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only. */
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * `mkdir -p` one level at a time, each new folder 0700. Node's own recursive mkdir loops forever where mkdir answers
 * ENOENT although the parent exists (a path under /proc, for one), which would hang `idnode serve` at start.
 * Folders that exist already keep their mode (the operator's choice).
 */
export function makePrivateFolders(folder: string): void {
  const missing: string[] = [];
  for (let current = resolve(folder); !existsSync(current) && dirname(current) !== current; current = dirname(current)) missing.unshift(current);
  for (const each of missing) {
    try {
      mkdirSync(each, { mode: PRIVATE_FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Creates an empty file with mode 0600 (whatever the umask adds nothing); throws EEXIST if it exists. SQLite gives a
 * database's -wal, -shm and journal files the mode of the database file, so a store created this way keeps all of
 * them private.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
}

/** Copies `source` to a new file `destination` (EEXIST if it exists) created 0600 before any byte is in it, and fsyncs it. */
export function copyPrivate(source: string, destination: string): void {
  const input = openSync(source, 'r');
  try {
    const output = openSync(destination, 'wx', PRIVATE_FILE_MODE);
    try {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (let read = readSync(input, buffer); read > 0; read = readSync(input, buffer)) {
        for (let written = 0; written < read; ) written += writeSync(output, buffer, written, read - written);
      }
      fsyncSync(output);
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
}

/** The files among a store and its -wal and -shm that exist and that group or others may access, with their modes. */
export function exposedStoreFiles(path: string): { readonly path: string; readonly mode: string }[] {
  const exposed: { path: string; mode: string }[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) exposed.push({ path: file, mode: mode.toString(8).padStart(4, '0') });
  }
  return exposed;
}

/**
 * Issue 17 item 4: the store holds the node's private key and every identity's PBKDF2 key, which answers Handle's
 * PBKDF2-HMAC-SHA1 challenge as well as the secret does. Refuses (STORE_UNAVAILABLE) a store, -wal or -shm that group
 * or others may access, unless `allowReadable` (IDNODE_STORE_ALLOW_READABLE).
 */
export function refuseExposedStore(path: string, allowReadable: boolean): void {
  const exposed = exposedStoreFiles(path);
  if (exposed.length === 0 || allowReadable) return;
  const files = exposed.map((file) => `${file.path} (${file.mode})`).join(', ');
  throw new IdnodeError(
    'STORE_UNAVAILABLE',
    `cannot open store ${path}: group or others may read ${files}, which holds the node's private key and every identity's secret key; ` +
      `run chmod 600 ${exposed.map((file) => file.path).join(' ')}, or set IDNODE_STORE_ALLOW_READABLE=true to start anyway`,
  );
}
