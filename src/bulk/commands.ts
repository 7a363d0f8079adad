// The `idnode import` and `idnode export` commands: the store opened for bulk work, options turned into a run, a summary.

import { createWriteStream, existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { hashSecret } from '../auth/secret-hash.js';
import type { Config } from '../config.js';
import { IdnodeError } from '../errors.js';
import { prefixKeyOf, type CaseRule } from '../identifier/handle.js';
import type { BulkTables } from '../store/bulk-tables.js';
import { openBulkTablesAt, storeLocation } from '../store-location.js';
import { exportRecords } from './export.js';
import { importFile, type BulkFormat } from './import.js';
import { importProgress } from './progress.js';

export interface ImportCommandOptions {
  readonly format?: BulkFormat;
  readonly rejects?: string;
  readonly batch: number;
  readonly restart: boolean;
  readonly jobs?: number;
}

export interface ExportCommandOptions {
  readonly prefix?: string;
  readonly format: BulkFormat;
  readonly output?: string;
}

function bulkTables(config: Config): BulkTables {
  const options = { busyTimeoutMs: config.storeBusyTimeoutMs, allowReadable: config.storeAllowReadable };
  if (config.store === 'postgres') return openBulkTablesAt(storeLocation(config, false), options);
  const path = resolve(config.dbPath);
  if (!existsSync(path)) throw new IdnodeError('STORE_UNAVAILABLE', `no store at ${path} (IDNODE_DB_PATH): start the node once to create it, or point IDNODE_DB_PATH at it`);
  return openBulkTablesAt({ engine: 'sqlite', path }, options);
}

/** The case rule the store's keys were made under (pinned at its creation), else the configured one. */
function storeRule(tables: BulkTables, config: Config): CaseRule {
  const pinned = tables.setting('suffix_case_sensitive');
  return { suffixCaseSensitive: pinned === undefined ? config.suffixCaseSensitive : pinned === 'true' };
}

/** `idnode import FILE`: loads it, printing a summary on stdout and progress on stderr. Exit code 0 even with rejects. */
export async function importCommand(config: Config, file: string, options: ImportCommandOptions): Promise<void> {
  if (!existsSync(file)) throw new IdnodeError('BAD_REQUEST', `no file ${file}`);
  const tables = bulkTables(config);
  try {
    const rejectsPath = options.rejects ?? `${file}.rejects`;
    const progress = importProgress({ stream: process.stderr, plainEverySeconds: 5, nowMs: Date.now });
    const started = performance.now();
    const result = await importFile(tables, {
      file,
      format: options.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson'),
      rejectsPath,
      batchSize: options.batch,
      restart: options.restart,
      rule: storeRule(tables, config),
      hashSecret: (secret) => hashSecret(secret, config.secretHashIterations),
      nowMs: Date.now,
      onProgress: (p) => progress.update(p),
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
    });
    if (result.alreadyDone) {
      process.stdout.write(`import:   ${file} was imported already (${result.loaded} loaded, ${result.rejected} rejected); --restart imports it again\n`);
      return;
    }
    progress.stop(result);
    const seconds = (performance.now() - started) / 1000;
    if (result.resumedAfterLine > 0) process.stdout.write(`resumed:  after line ${result.resumedAfterLine}\n`);
    process.stdout.write(`loaded:   ${result.loaded} identifiers (${result.lines} lines in ${seconds.toFixed(1)} s)\n`);
    process.stdout.write(`rejected: ${result.rejected}${result.rejected > 0 ? ` (reasons in ${rejectsPath})` : ''}\n`);
  } finally {
    tables.close();
  }
}

/** `idnode export`: every record, or one prefix's, to stdout or `--output` (created 0600: records hold secret hashes). */
export async function exportCommand(config: Config, options: ExportCommandOptions): Promise<void> {
  const tables = bulkTables(config);
  try {
    const out = options.output === undefined ? process.stdout : createWriteStream(options.output, { flags: 'wx', mode: 0o600 });
    const records = await exportRecords(tables, out, { prefixKey: options.prefix === undefined ? null : prefixKeyOf(options.prefix), format: options.format });
    if (out !== process.stdout) {
      out.end();
      await finished(out);
      process.stderr.write(`exported: ${records} records to ${options.output}\n`);
    }
  } finally {
    tables.close();
  }
}
