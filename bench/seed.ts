// Seeding the benchmark data set into a SQLite file with idnode's own store module, cached per size and schema version.

import { closeSync, constants, copyFileSync, existsSync, fsyncSync, openSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHandle, prefixKeyOf } from '../src/identifier/handle.js';
import { encodeRecord } from '../src/identifier/record-encoding.js';
import { openBulkTables, type BulkRecord } from '../src/store/bulk-tables.js';
import { loadMigrations } from '../src/store/migrations.js';
import { openStore } from '../src/store/store.js';
import { CASE_RULE, DATA_SET_VERSION, ENTERPRISE_PREFIX_COUNT, enterprisePrefix, identifier, SEED_TIMESTAMP } from './data-set.js';

const BATCH = 50_000;
export const SEED_CACHE_DIR = join(tmpdir(), 'idnode-bench-seed');

export interface SeedInfo {
  readonly identifiers: number;
  /** Where the seeded (pristine) store lives. */
  readonly cachePath: string;
  /** Seconds the seeding took (when reused: what it took when the cached file was made). */
  readonly seedSeconds: number;
  readonly reused: boolean;
  readonly schemaVersion: number;
  readonly sizeBytes: number;
}

interface SeedMeta {
  readonly identifiers: number;
  readonly schemaVersion: number;
  readonly dataSetVersion: number;
  readonly seedSeconds: number;
  readonly sizeBytes: number;
}

function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The identifier numbers below `identifiers` in canonical-key order: prefix by prefix (keys compare as text, so
 * 88.118.1 < 88.118.10 < 88.118.100 < 88.118.11), and by key within a prefix. Inserting in this order appends to
 * both handle indexes instead of splitting pages all over them, which keeps seeding fast at millions of rows.
 */
export function* inKeyOrder(identifiers: number): Generator<number[]> {
  const prefixes = Array.from({ length: ENTERPRISE_PREFIX_COUNT }, (_, n) => n + 1).sort((a, b) => {
    const ka = prefixKeyOf(enterprisePrefix(a));
    const kb = prefixKeyOf(enterprisePrefix(b));
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const n of prefixes) {
    const numbers: { i: number; key: string }[] = [];
    for (let i = n - 1; i < identifiers; i += ENTERPRISE_PREFIX_COUNT) numbers.push({ i, key: parseHandle(identifier(i).handle, CASE_RULE).key });
    numbers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let start = 0; start < numbers.length; start += BATCH) yield numbers.slice(start, start + BATCH).map((entry) => entry.i);
  }
}

/**
 * Inserts the homed enterprise prefixes and `identifiers` records into a new store at `path`, BATCH per transaction,
 * through the bulk path of `idnode import` (src/store/bulk-tables.ts) with synchronous=OFF: nobody else uses the file
 * yet, and a seeding cut short is thrown away (it is written under a temporary name).
 */
async function seedInto(path: string, identifiers: number, progress: (done: number) => void): Promise<void> {
  // openStore creates the file 0600 and migrates it; the prefixes are homed the way the node homes them.
  const store = openStore(path, { busyTimeoutMs: 5000 });
  try {
    store.writeNow(() => {
      for (let n = 1; n <= ENTERPRISE_PREFIX_COUNT; n += 1) {
        const prefix = enterprisePrefix(n);
        store.homePrefix(prefixKeyOf(prefix), prefix, SEED_TIMESTAMP);
      }
    });
  } finally {
    store.close();
  }
  const tables = openBulkTables(path, { busyTimeoutMs: 5000, synchronous: 'OFF' });
  try {
    let done = 0;
    for (const numbers of inKeyOrder(identifiers)) {
      const records: BulkRecord[] = numbers.map((i) => {
        const { handle, values } = identifier(i);
        const parsed = parseHandle(handle, CASE_RULE);
        const slash = parsed.key.indexOf('/');
        return { prefixKey: parsed.prefixKey, suffixKey: parsed.key.slice(slash + 1), spelling: parsed.display === parsed.key ? null : parsed.display, record: encodeRecord(values) };
      });
      tables.insertBatch(records, SEED_TIMESTAMP, () => null);
      done += records.length;
      progress(done);
      // Lets SIGINT be handled between transactions.
      await yieldToEventLoop();
    }
  } finally {
    tables.close();
  }
}

/**
 * The seeded store for `identifiers`: reused from SEED_CACHE_DIR when a file for the same size, schema version and
 * data-set version exists (unless `reseed`), otherwise seeded now (written under a temporary name, then renamed).
 */
export async function seededStore(identifiers: number, reseed: boolean, log: (line: string) => void): Promise<SeedInfo> {
  const migrations = loadMigrations();
  const schemaVersion = migrations.at(-1)?.version ?? 0;
  // The schema's text, not only its version, keys the cache: an edited migration must not reuse an old file.
  const schemaHash = createHash('sha256').update(migrations.map((m) => m.sql).join('\n')).digest('hex').slice(0, 10);
  mkdirSync(SEED_CACHE_DIR, { recursive: true });
  const base = join(SEED_CACHE_DIR, `seed-${identifiers}-schema${schemaVersion}-${schemaHash}-data${DATA_SET_VERSION}`);
  const cachePath = `${base}.db`;
  const metaPath = `${base}.json`;
  if (!reseed && existsSync(cachePath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as SeedMeta;
    if (meta.identifiers === identifiers && meta.schemaVersion === schemaVersion && meta.dataSetVersion === DATA_SET_VERSION) {
      log(`seed: reusing ${cachePath} (seeded in ${meta.seedSeconds.toFixed(1)} s when made; --reseed to redo)`);
      return { identifiers, cachePath, seedSeconds: meta.seedSeconds, reused: true, schemaVersion, sizeBytes: meta.sizeBytes };
    }
  }
  const partial = `${base}.partial.db`;
  removeDb(partial);
  removeDb(cachePath);
  rmSync(metaPath, { force: true });
  log(`seed: inserting ${identifiers.toLocaleString('en-US')} identifiers into ${cachePath}`);
  const started = performance.now();
  let lastReport = started;
  await seedInto(partial, identifiers, (done) => {
    const now = performance.now();
    if (now - lastReport >= 5000 || done === identifiers) {
      lastReport = now;
      const rate = done / ((now - started) / 1000);
      log(`seed: ${done.toLocaleString('en-US')} / ${identifiers.toLocaleString('en-US')} (${Math.round(rate).toLocaleString('en-US')} rows/s)`);
    }
  });
  const seedSeconds = (performance.now() - started) / 1000;
  // Closing the last connection checkpoints and removes the WAL, so the .db file alone is the whole store.
  if (existsSync(`${partial}-wal`)) throw new Error(`seed: ${partial}-wal was left behind; the seeded store is incomplete`);
  renameSync(partial, cachePath);
  const sizeBytes = statSync(cachePath).size;
  const meta: SeedMeta = { identifiers, schemaVersion, dataSetVersion: DATA_SET_VERSION, seedSeconds, sizeBytes };
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
  log(`seed: done in ${seedSeconds.toFixed(1)} s (${(sizeBytes / 1e6).toFixed(0)} MB)`);
  return { identifiers, cachePath, seedSeconds, reused: false, schemaVersion, sizeBytes };
}

/**
 * Copies the pristine seeded store to `path` for one run (the run writes to it), cloning when the file system can,
 * and flushes the copy: otherwise the kernel writes back ~1 GB of dirty pages during the first scenario.
 */
export function copyStoreForRun(info: SeedInfo, path: string): void {
  removeDb(path);
  copyFileSync(info.cachePath, path, constants.COPYFILE_FICLONE);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
