// `npm run bench:bulk`: `idnode import` (the CLI, NDJSON and CSV) and `idnode export` over the bench data set, against a
// raw better-sqlite3 insert loop of the same rows into the same schema, all in one run (issue 13 target 5).

import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// The baseline is better-sqlite3 itself, not idnode's store module: what an insert loop costs without idnode.
import Database from 'better-sqlite3';
import { csvHeader, csvRows } from '../src/bulk/csv-format.js';
import { parseHandle, prefixKeyOf } from '../src/identifier/handle.js';
import { encodeRecord } from '../src/identifier/record-encoding.js';
import { valueToJson } from '../src/identifier/value-json.js';
import { openStore } from '../src/store/store.js';
import { CASE_RULE, ENTERPRISE_PREFIX_COUNT, enterprisePrefix, identifier, SEED_TIMESTAMP } from './data-set.js';
import { inKeyOrder } from './seed.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');

const { values: args } = parseArgs({ options: { identifiers: { type: 'string', short: 'n' }, batch: { type: 'string', short: 'b' }, keep: { type: 'boolean' } } });
const identifiers = Number(args.identifiers ?? 200_000);
const batch = Number(args.batch ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'idnode-bench-bulk-'));

interface Timed {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
}

function newStore(name: string): string {
  const path = join(dir, `${name}.db`);
  const store = openStore(path, { busyTimeoutMs: 5000 });
  store.pinSetting('suffix_case_sensitive', String(CASE_RULE.suffixCaseSensitive));
  store.writeNow(() => {
    for (let n = 1; n <= ENTERPRISE_PREFIX_COUNT; n += 1) store.homePrefix(prefixKeyOf(enterprisePrefix(n)), enterprisePrefix(n), SEED_TIMESTAMP);
  });
  store.close();
  return path;
}

/** The data set in key order (the order export writes) as NDJSON and CSV files. */
async function writeFiles(): Promise<{ ndjson: string; csv: string }> {
  const ndjson = join(dir, 'data.ndjson');
  const csv = join(dir, 'data.csv');
  const outs = [createWriteStream(ndjson), createWriteStream(csv)] as const;
  outs[1].write(csvHeader());
  for (const numbers of inKeyOrder(identifiers)) {
    let a = '';
    let b = '';
    for (const i of numbers) {
      const { handle, values } = identifier(i);
      const json = values.map(valueToJson);
      a += `${JSON.stringify({ handle, values: json })}\n`;
      b += csvRows(handle, json);
    }
    if (!outs[0].write(a)) await once(outs[0], 'drain');
    if (!outs[1].write(b)) await once(outs[1], 'drain');
  }
  for (const out of outs) out.end();
  await Promise.all(outs.map((out) => once(out, 'finish')));
  return { ndjson, csv };
}

/** Runs the idnode CLI under /usr/bin/time: wall and CPU seconds and peak RSS of the process. */
function timedCli(db: string, cliArgs: readonly string[], stdoutTo?: string): Timed {
  const timing = join(dir, 'time.txt');
  const command = [process.execPath, CLI, ...cliArgs].map((a) => `'${a}'`).join(' ');
  execFileSync('/bin/sh', ['-c', `/usr/bin/time -f '%e %U %S %M' -o '${timing}' ${command} ${stdoutTo === undefined ? '>/dev/null' : `> '${stdoutTo}'`} 2>/dev/null`], {
    env: { ...process.env, IDNODE_DB_PATH: db },
  });
  const [wall = 0, user = 0, system = 0, rssKiB = 0] = readFileSync(timing, 'utf8').trim().split(/\s+/).map(Number);
  return { wallSeconds: wall, cpuSeconds: user + system, maxRssMiB: rssKiB / 1024 };
}

/** The raw loop: the same rows, encoded beforehand, inserted with better-sqlite3 in transactions of `batch` (same pragmas). */
function rawLoop(db: string): Timed {
  const rows: [string, string, string | null, string][] = [];
  for (const numbers of inKeyOrder(identifiers)) {
    for (const i of numbers) {
      const { handle, values } = identifier(i);
      const parsed = parseHandle(handle, CASE_RULE);
      rows.push([parsed.prefixKey, parsed.key.slice(parsed.prefixKey.length + 1), parsed.display === parsed.key ? null : parsed.display, encodeRecord(values)]);
    }
  }
  const sqlite = new Database(db);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('cache_size = -65536');
  const insert = sqlite.prepare('INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const insertMany = sqlite.transaction((slice: typeof rows) => {
    for (const row of slice) insert.run(row[0], row[1], row[2], row[3], SEED_TIMESTAMP, SEED_TIMESTAMP);
  });
  for (let at = 0; at < rows.length; at += batch) insertMany.immediate(rows.slice(at, at + batch));
  const wallSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  sqlite.close();
  return { wallSeconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMiB: process.memoryUsage().rss / 1048576 };
}

const rate = (seconds: number): string => Math.round(identifiers / seconds).toLocaleString('en-US');

function line(name: string, timed: Timed, raw?: Timed): string {
  const ratio = raw === undefined ? '' : ` | ${(raw.wallSeconds / timed.wallSeconds).toFixed(2)}× | ${(raw.cpuSeconds / timed.cpuSeconds).toFixed(2)}×`;
  return `| ${name} | ${rate(timed.wallSeconds)} | ${rate(timed.cpuSeconds)} | ${timed.maxRssMiB.toFixed(0)} MiB${ratio || ' | | '} |`;
}

try {
  const load = loadavg()[0]?.toFixed(1);
  process.stdout.write(`bench:bulk — ${identifiers.toLocaleString('en-US')} identifiers, batch ${batch}, Node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, load ${load}\n`);
  const files = await writeFiles();
  process.stdout.write(`files: NDJSON ${(statSync(files.ndjson).size / 1e6).toFixed(0)} MB, CSV ${(statSync(files.csv).size / 1e6).toFixed(0)} MB\n`);
  const raw = rawLoop(newStore('raw'));
  const ndjsonStore = newStore('ndjson');
  const ndjson = timedCli(ndjsonStore, ['import', files.ndjson, '--batch', String(batch)]);
  // The same file on one check thread: what the threads buy on this machine.
  const ndjsonOneThread = timedCli(newStore('ndjson-1'), ['import', files.ndjson, '--batch', String(batch), '--jobs', '1']);
  const csv = timedCli(newStore('csv'), ['import', files.csv, '--batch', String(batch)]);
  const exported = join(dir, 'export.ndjson');
  const exportNdjson = timedCli(ndjsonStore, ['export'], exported);
  const identical = readFileSync(exported).equals(readFileSync(files.ndjson));
  process.stdout.write(
    [
      '',
      '| run | ids/s (wall) | ids/s (CPU time) | peak RSS | import ÷ raw (wall) | import ÷ raw (CPU) |',
      '|---|---:|---:|---:|---:|---:|',
      line('raw better-sqlite3 loop (rows encoded beforehand)', raw),
      line(`idnode import (NDJSON, ${cpus().length} check threads)`, ndjson, raw),
      line('idnode import (NDJSON, --jobs 1)', ndjsonOneThread, raw),
      line('idnode import (CSV)', csv, raw),
      line('idnode export (NDJSON)', exportNdjson),
      '',
      `export → file identical to the imported file: ${identical ? 'yes' : 'NO'}; load at the end ${loadavg()[0]?.toFixed(1)}`,
      '',
    ].join('\n'),
  );
  if (!identical) process.exitCode = 1;
} finally {
  if (args.keep !== true) rmSync(dir, { recursive: true, force: true });
}
