// Numbered SQL migrations from schema/NNN-name.sql, applied in order; the version lives in PRAGMA user_version.

import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { encodeRecord } from '../identifier/record-encoding.js';
import type { HandleValue } from '../identifier/value.js';

/** schema/ at the package root (this file runs as dist/src/store/migrations.js). */
export const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The migrations in `dir` (schema/, or schema/postgres/), sorted by number. Numbers must start at 1 and have no gaps. */
export function loadMigrations(dir: URL = SCHEMA_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => /^\d{3}-[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 3)), name: file, sql: readFileSync(new URL(file, dir), 'utf8') }));
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) throw new Error(`schema migration ${migration.name} is out of sequence (expected ${i + 1})`);
  });
  return migrations;
}

/** Applies every migration newer than PRAGMA user_version, each in its own IMMEDIATE transaction. Returns the new version. */
export function applyMigrations(db: Database): number {
  let current = Number(db.pragma('user_version', { simple: true }));
  const migrations = loadMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new Error(`store schema version ${current} is newer than this idnode (${latest})`);
  // 006 converts each stored record to the compact form with the encoder every write uses.
  if (current < 6) db.function('idnode_compact_record', { deterministic: true }, (json: unknown) => encodeRecord(JSON.parse(String(json)) as HandleValue[]));
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    current = migration.version;
  }
  return current;
}
