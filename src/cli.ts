#!/usr/bin/env node
// The `idnode` command line: serve a node, and operator commands that work on the store directly.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { IdnodeError } from './errors.js';
import { prefixFromText } from './identifier/handle.js';
import { environmentConfig, serve } from './main.js';
import { provisionPrefixKeyPair, provisionPrefixSecret } from './prefixes/provision.js';
import { addAccount, generatePassword, resetPassword } from './enterprises/cli-accounts.js';
import { generateNodeKeyPem } from './auth/node-key.js';
import { exportCommand, importCommand, type ExportCommandOptions, type ImportCommandOptions } from './bulk/commands.js';
import { rotateAllSecrets } from './prefixes/rotate-secrets.js';
import { assertNotInUse, backupStore, restoreStore } from './store/backup.js';
import type { Store } from './store/store.js';
import { describeLocation, openStoreAt, storeLocation } from './store-location.js';
import type { Config } from './config.js';
import { monthDays, monthlyReport, previousMonth } from './usage/monthly-report.js';
import { reportCsv, reportTable } from './usage/report-format.js';

function parseIndex(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) < 1 || Number(text) > 2_147_483_647) throw new InvalidArgumentError('must be a positive integer');
  return Number(text);
}

function parsePrefix(text: string): string {
  try {
    return prefixFromText(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** A mistake in how a command was called: reported in one line like any other failure. */
class UsageError extends Error {}

/**
 * The node's store for commands that change it: it must exist already (created by the node's first start). Opening
 * a missing one would create a new, empty store — for example under the wrong working directory — and hand out a
 * key the node never sees.
 */
function existingStore(config: Config, announce = true): Store {
  const location = storeLocation(config, false);
  const at = location.engine === 'sqlite' ? { ...location, path: resolve(location.path) } : location;
  if (at.engine === 'sqlite' && !existsSync(at.path)) throw new UsageError(`no store at ${at.path} (IDNODE_DB_PATH): start the node once to create it, or point IDNODE_DB_PATH at it`);
  if (announce) process.stdout.write(`store:    ${describeLocation(at)}\n`);
  return openStoreAt(at, { busyTimeoutMs: config.storeBusyTimeoutMs, allowReadable: config.storeAllowReadable });
}

/** `backup` and `restore` copy SQLite files; a PostgreSQL store is backed up with PostgreSQL's own tools. */
function refuseOnPostgres(config: Config, doing: string): void {
  if (config.store === 'postgres') {
    throw new UsageError(`IDNODE_STORE=postgres: ${doing} is PostgreSQL's own (pg_dump, pg_basebackup and point-in-time recovery; docs/scale-out.md#backup)`);
  }
}

const program = new Command()
  .name('idnode')
  .description('Handle-compatible identifier registry and resolver node. Configuration comes from IDNODE_* variables (see README).')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the node (HTTP, or HTTPS with IDNODE_TLS_CERT_PATH and IDNODE_TLS_KEY_PATH)')
  .action(async () => {
    await serve();
  });

program
  .command('secret')
  .description("create or replace the secret key of a prefix's identity <index>:0.NA/<prefix>; creates and homes 0.NA/<prefix> if missing")
  .argument('[prefix]', 'the prefix, e.g. 88.118.8', parsePrefix)
  .option('-i, --index <index>', 'index of the HS_SECKEY value', parseIndex, 300)
  .option('--derive', 'give the identity all rights on its record, creating derived prefixes included (new or existing record)', false)
  .option('--replace', 'overwrite a value of another type at that index', false)
  .option('--stdin', 'read the secret from standard input instead of generating one', false)
  .option('--rotate-all', 'after a leak of the store or a backup: a new secret for every HS_SECKEY value and a new node key pair (node stopped; no prefix)', false)
  .action(async (prefix: string | undefined, options: { index: number; derive: boolean; stdin: boolean; replace: boolean; rotateAll: boolean }) => {
    const config = environmentConfig();
    if (options.rotateAll) {
      if (prefix !== undefined || options.stdin || options.derive || options.replace) throw new UsageError('--rotate-all takes no prefix and no other option');
      await rotateAll(config);
      return;
    }
    if (prefix === undefined) throw new UsageError("missing argument 'prefix' (or --rotate-all)");
    const secret = options.stdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : null;
    if (secret !== null && secret.length < 16) throw new UsageError('the secret must be at least 16 characters');
    const store = existingStore(config);
    try {
      const result = await provisionPrefixSecret(store, prefix, options.index, secret, options.derive, {
        rule: { suffixCaseSensitive: config.suffixCaseSensitive },
        secretHashIterations: config.secretHashIterations,
        nowMs: Date.now,
        replace: options.replace,
      });
      process.stdout.write(`identity: ${result.identity}\n`);
      if (result.generatedSecret !== null) process.stdout.write(`secret:   ${result.generatedSecret}\n(shown once; the store keeps only a PBKDF2 hash)\n`);
      else process.stdout.write('secret:   (as given)\n');
      // Challenge–response clients derive their answer key with these (README, "Handle sessions").
      process.stdout.write(`pbkdf2:   salt=${result.salt} iterations=${result.iterations} length=160\n`);
    } finally {
      store.close();
    }
  });

/** `idnode secret --rotate-all`: every secret key and the node key pair, in one transaction, with the node stopped. */
async function rotateAll(config: Config): Promise<void> {
  if (config.store === 'sqlite') {
    const path = resolve(config.dbPath);
    if (!existsSync(path)) throw new UsageError(`no store at ${path} (IDNODE_DB_PATH)`);
    assertNotInUse(path, 'rotating its secrets');
  }
  const store = existingStore(config);
  if (store.otherConnections() > 0) {
    store.close();
    throw new IdnodeError('STORE_BUSY', 'the store is in use: another idnode is connected to it (is a node running?); stop every node before rotating its secrets');
  }
  try {
    const rotated = await rotateAllSecrets(store, { secretHashIterations: config.secretHashIterations, nowMs: Date.now, generateNodeKey: generateNodeKeyPem });
    process.stdout.write(`rotated:  ${rotated.length} secret keys and the node key pair (shown once; the store keeps only PBKDF2 hashes)\n`);
    process.stdout.write('identity\tsecret\tpbkdf2 salt\titerations\n');
    for (const each of rotated) process.stdout.write(`${each.identity}\t${each.secret}\t${each.salt}\t${each.iterations}\n`);
  } finally {
    store.close();
  }
}

program
  .command('keys')
  .description("give a prefix a public-key identity <index>:0.NA/<prefix>: generates an RSA key pair, stores the public half as HS_PUBKEY, prints the private half once")
  .argument('<prefix>', 'the prefix, e.g. 88.118.8', parsePrefix)
  .option('-i, --index <index>', 'index of the HS_PUBKEY value', parseIndex, 300)
  .option('--derive', 'give the identity all rights on its record, creating derived prefixes included (new or existing record)', false)
  .option('--replace', 'overwrite a value of another type at that index', false)
  .action((prefix: string, options: { index: number; derive: boolean; replace: boolean }) => {
    const config = environmentConfig();
    const store = existingStore(config);
    try {
      const result = provisionPrefixKeyPair(store, prefix, options.index, options.derive, {
        rule: { suffixCaseSensitive: config.suffixCaseSensitive },
        secretHashIterations: config.secretHashIterations,
        nowMs: Date.now,
        replace: options.replace,
      });
      process.stdout.write(`identity: ${result.identity}\n(private key below, shown once; the store keeps only the public half)\n${result.privateKeyPem}`);
    } finally {
      store.close();
    }
  });

const account = program.command('account').description('SNMS accounts (the /identity/token logins and the console at /snms/ui)');

account
  .command('add')
  .description('create an account and print its generated password once (--stdin reads it instead)')
  .argument('<username>', 'the login name (at most 50 characters)')
  .option('--admin', 'an administrator: the rights of the node administrator 300:0.NA/<node prefix>', false)
  .option('--reviewer', 'a reviewer: reviews enterprise applications and reads enterprises and prefixes', false)
  .option('--enterprise <prefix>', 'a user of the enterprise holding <prefix> (an enterprise that applied, or a prefix homed here)', parsePrefix)
  .option('--stdin', 'read the password from standard input instead of generating one', false)
  .action(async (username: string, options: { admin: boolean; reviewer: boolean; enterprise?: string; stdin: boolean }) => {
    const roles = [options.admin, options.reviewer, options.enterprise !== undefined].filter(Boolean).length;
    if (roles !== 1) throw new UsageError('give exactly one of --admin, --reviewer, --enterprise <prefix>');
    const config = environmentConfig();
    const password = options.stdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : generatePassword();
    if ([...password].length < 8 || [...password].length > 64) throw new UsageError('the password must be 8 to 64 characters');
    const store = existingStore(config);
    try {
      const result = await addAccount(store, config, { username, password, admin: options.admin, reviewer: options.reviewer, enterprisePrefix: options.enterprise ?? null });
      process.stdout.write(`account:  ${username} (${result.role}${result.enterprise === null ? '' : `, enterprise ${result.enterprise}`})\n`);
      if (options.stdin) process.stdout.write('password: (as given)\n');
      else process.stdout.write(`password: ${password}\n(shown once; the store keeps only an scrypt hash, and the key in ${result.sealKeyPath} seals what /identity/token/v1 needs)\n`);
    } finally {
      store.close();
    }
  });

account
  .command('password')
  .description("replace an account's password and end its tokens; prints a generated one once (--stdin reads it instead)")
  .argument('<username>', 'the login name')
  .option('--stdin', 'read the password from standard input instead of generating one', false)
  .action(async (username: string, options: { stdin: boolean }) => {
    const config = environmentConfig();
    const password = options.stdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : generatePassword();
    if ([...password].length < 8 || [...password].length > 64) throw new UsageError('the password must be 8 to 64 characters');
    const store = existingStore(config);
    try {
      await resetPassword(store, config, username, password);
      process.stdout.write(options.stdin ? `account:  ${username}\npassword: (as given)\n` : `account:  ${username}\npassword: ${password}\n(shown once)\n`);
    } finally {
      store.close();
    }
  });

program
  .command('backup')
  .description('write a consistent copy of the store to <file> while the node keeps running, and check it')
  .argument('<file>', 'the new backup file (must not exist)')
  .action((file: string) => {
    const config = environmentConfig();
    refuseOnPostgres(config, 'backing up');
    const report = backupStore(config.dbPath, file, config.storeBusyTimeoutMs);
    process.stdout.write(`backup: ${file} (${report.handles} handles, schema ${report.schemaVersion}, integrity ok)\n`);
  });

program
  .command('restore')
  .description('replace the store with a checked backup, keeping the replaced one as <store>.replaced-<time>; stop the node first')
  .argument('<file>', 'a file made by idnode backup')
  .action((file: string) => {
    const config = environmentConfig();
    refuseOnPostgres(config, 'restoring');
    const report = restoreStore(file, config.dbPath);
    process.stdout.write(`restored: ${config.dbPath} from ${file} (${report.handles} handles, schema ${report.schemaVersion})\n`);
    if (report.kept !== null) process.stdout.write(`kept:     the replaced store as ${report.kept} (0600; delete it once the restore is confirmed)\n`);
  });

function parseMonth(text: string): string {
  try {
    monthDays(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return text;
}

program
  .command('report')
  .description('the monthly figures for the provincial authority: identifiers and resolutions per prefix, active enterprises, availability (docs/operations.md)')
  .option('-m, --month <YYYY-MM>', 'the month, in China Standard Time (default: the previous month)', parseMonth)
  .option('--csv', 'print CSV (RFC 4180) instead of a table', false)
  .action((options: { month?: string; csv: boolean }) => {
    const config = environmentConfig();
    const store = existingStore(config, false);
    try {
      const nowMs = Date.now();
      const report = monthlyReport(store.usage, options.month ?? previousMonth(store.usage, nowMs), config.nodePrefix, nowMs);
      process.stdout.write(options.csv ? reportCsv(report) : reportTable(report));
    } finally {
      store.close();
    }
  });

function parseFormat(text: string): 'ndjson' | 'csv' {
  if (text !== 'ndjson' && text !== 'csv') throw new InvalidArgumentError('must be ndjson or csv');
  return text;
}

program
  .command('import')
  .description('load identifiers from an NDJSON or CSV file (docs/bulk.md), resuming an interrupted import of it; the node may keep serving')
  .argument('<file>', 'NDJSON ({"handle", "values"} per line) or CSV (one row per value)')
  .option('-f, --format <format>', 'ndjson or csv (default: csv for a .csv file, else ndjson)', parseFormat)
  .option('-r, --rejects <file>', 'where rejected lines go, with line number and reason (default: <file>.rejects)')
  .option('-b, --batch <n>', 'records per transaction', parseIndex, 10_000)
  .option('-j, --jobs <n>', 'threads checking NDJSON lines (default: the number of cores)', parseIndex)
  .option('--restart', 'import the file from its start even if a checkpoint says it was (partly) imported', false)
  .action(async (file: string, options: ImportCommandOptions) => {
    await importCommand(environmentConfig(), file, options);
  });

program
  .command('export')
  .description('write every record, or one prefix\'s, in the format idnode import reads (docs/bulk.md); the node may keep serving')
  .option('-p, --prefix <prefix>', 'only the handles under this prefix', parsePrefix)
  .option('-f, --format <format>', 'ndjson or csv', parseFormat, 'ndjson')
  .option('-o, --output <file>', 'a new file (0600) instead of standard output')
  .action(async (options: ExportCommandOptions) => {
    await exportCommand(environmentConfig(), options);
  });

/** One line for the operator: the catalog code, or the system error code (EADDRINUSE, ENOENT…), and the message. */
function describe(error: unknown): string {
  if (error instanceof IdnodeError) return `${error.code}: ${error.message}`;
  if (error instanceof UsageError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`idnode: ${describe(error)}\n`);
  process.exitCode = 1;
});
