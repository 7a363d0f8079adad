// `idnode import` of NDJSON and CSV files as a process: good records load, bad ones go to the rejects with line and reason.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { csvHeader, csvRows } from '../../src/bulk/csv-format.js';
import type { ValueJson } from '../../src/identifier/value-json.js';
import { idnode, ndjsonLines, newStore, outputRecord, storedRows, tempDir } from './bulk-support.js';

interface RejectLine {
  line: number;
  code: string;
  reason: string;
}

function rejects(path: string): RejectLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RejectLine);
}

test('import NDJSON: the good lines load, each bad one is rejected with its line number and the API error code', (t) => {
  const dir = tempDir(t);
  const db = newStore(dir);
  const lines = ndjsonLines(3000);
  lines.splice(10, 0, 'not json at all');
  lines.splice(500, 0, JSON.stringify({ handle: '99.999/OTHER', values: [] }));
  lines.splice(1000, 0, JSON.stringify({ handle: '88.118/BAD-TTL', values: [{ index: 1, type: 'URL', data: 'x', ttl: -5 }] }));
  lines.splice(1500, 0, JSON.stringify({ handle: '88.118/TWICE', values: [{ index: 1, type: 'URL', data: 'a' }, { index: 1, type: 'URL', data: 'b' }] }));
  lines.splice(2000, 0, JSON.stringify(outputRecord(7)));
  lines.splice(2500, 0, JSON.stringify({ handle: '88.118/', values: [] }));
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const run = idnode(db, ['import', file, '--batch', '700']);
  t.is(run.status, 0, run.stderr);
  t.regex(run.stdout, /loaded: +3000 identifiers/);
  t.regex(run.stdout, /rejected: 6/);
  t.deepEqual(
    rejects(`${file}.rejects`).map((r) => [r.line, r.code]),
    [
      [11, 'INVALID_JSON'],
      [501, 'PREFIX_NOT_HOMED'],
      [1001, 'INVALID_VALUE'],
      [1501, 'VALUE_ALREADY_EXISTS'],
      [2001, 'HANDLE_ALREADY_EXISTS'],
      [2501, 'INVALID_HANDLE'],
    ],
  );
  t.true(rejects(`${file}.rejects`).every((r) => r.reason.length > 0));
  const rows = storedRows(db);
  t.is(rows.length, 3000);
  t.is(rows[42]?.suffix_key, 'IMP-000042');
  // Not a progress bar on a pipe: plain lines.
  t.regex(run.stderr, /^import: 100% 3,000 loaded, 6 rejected/m);
});

test('import NDJSON on three check threads: a file of many chunks loads in file order — a prefix homed mid-file takes only the lines after it, line numbers and texts of rejects exact', (t) => {
  const dir = tempDir(t);
  const db = newStore(dir);
  // ~330 bytes a line: 12,000 lines are four chunks of 1 MiB, so consecutive chunks are checked on different threads.
  const lines = ndjsonLines(12_000);
  const under = (suffix: string): string => JSON.stringify({ handle: `77.7/${suffix}`, values: [{ index: 1, type: 'URL', data: 'https://a.example.cn' }] });
  lines[2000] = under('EARLY');
  lines[2001] = JSON.stringify({ handle: '77.7/EARLY-BAD', values: [{ index: 1, type: 'URL', data: 'x', ttl: -5 }] });
  lines[5000] = JSON.stringify({ handle: '0.NA/77.7', values: [{ index: 1, type: 'URL', data: 'https://prefix.example.cn' }] });
  lines[9000] = under('LATE');
  lines[9001] = JSON.stringify({ handle: '77.7/LATE-BAD', values: [{ index: 1, type: 'URL', data: 'x', ttl: -5 }] });
  lines[10_000] = JSON.stringify({ handle: '88.118/WITH-SECRET', values: [{ index: 300, type: 'HS_SECKEY', data: 'plain-secret-1234' }] });
  lines[11_000] = '{"handle": "88.118/CUT';
  // A blank line and a CRLF line: counted, the first skipped, the second read without its CR.
  lines[3000] = '';
  lines[7000] = `${lines[7000]}\r`;
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const run = idnode(db, ['import', file, '--batch', '2500', '--jobs', '3']);
  t.is(run.status, 0, run.stderr);
  const found = rejects(`${file}.rejects`) as (RejectLine & { text: string })[];
  t.deepEqual(
    found.map((r) => [r.line, r.code]),
    [
      [2001, 'PREFIX_NOT_HOMED'],
      [2002, 'PREFIX_NOT_HOMED'],
      [9002, 'INVALID_VALUE'],
      [11_001, 'INVALID_JSON'],
    ],
  );
  t.deepEqual(
    found.map((r) => r.text),
    [lines[2000], lines[2001], lines[9001], lines[11_000]],
  );
  // 12,000 lines, one blank, four rejected.
  t.regex(run.stdout, /loaded: +11995 identifiers \(12000 lines/);
  const keys = new Set(storedRows(db).map((row) => `${row.prefix_key}/${row.suffix_key}`));
  t.true(keys.has('77.7/LATE'));
  t.false(keys.has('77.7/EARLY'));
  t.true(keys.has('88.118/WITH-SECRET'));
  t.true(keys.has('88.118/IMP-007000'), 'the CRLF line loads');
});

test('import CSV: one row per value, a record is its consecutive rows; broken rows and bad values are rejected with their line', (t) => {
  const dir = tempDir(t);
  const db = newStore(dir);
  const body: string[] = [];
  for (let i = 0; i < 1000; i += 1) {
    const record = outputRecord(i);
    body.push(csvRows(record.handle, record.values as ValueJson[]));
    if (i === 100) body.push('88.118/BROKEN,1,URL,,ab"c,86400,,,\r\n');
    if (i === 200) body.push('88.118/BAD-INDEX,x,URL,,https://a.example,,,,\r\n');
    if (i === 300) body.push('88.118/ADMIN,100,HS_ADMIN,admin,{not json},,,,\r\n');
  }
  const file = join(dir, 'in.csv');
  writeFileSync(file, csvHeader() + body.join(''));
  const run = idnode(db, ['import', file, '--batch', '128']);
  t.is(run.status, 0, run.stderr);
  t.regex(run.stdout, /loaded: +1000 identifiers/);
  const found = rejects(`${file}.rejects`);
  // Header is line 1, each record two lines: record i starts at line 2 + 2i.
  t.deepEqual(
    found.map((r) => r.code),
    ['INVALID_BODY', 'INVALID_VALUE', 'INVALID_VALUE'],
  );
  t.is(found[1]?.line, 2 + 2 * 201 + 1);
  t.is(found[2]?.line, 2 + 2 * 301 + 2);
  const rows = storedRows(db);
  t.is(rows.length, 1000);
  t.deepEqual(JSON.parse(rows[5]?.record ?? '[]'), [1768464000, [1, 'URL', 'https://trace.example.cn/p/5'], [2, 'EMAIL', 's5@example.cn', { t: 3600, s: 1768464005 }]]);
});

test('import: a file imported to its end is not imported again unless --restart says so', (t) => {
  const dir = tempDir(t);
  const db = newStore(dir);
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${ndjsonLines(50).join('\n')}\n`);
  t.is(idnode(db, ['import', file]).status, 0);
  const again = idnode(db, ['import', file]);
  t.is(again.status, 0);
  t.regex(again.stdout, /imported already \(50 loaded, 0 rejected\)/);
  const restarted = idnode(db, ['import', file, '--restart']);
  t.regex(restarted.stdout, /rejected: 50/);
  t.is(rejects(`${file}.rejects`)[0]?.code, 'HANDLE_ALREADY_EXISTS');
  t.is(storedRows(db).length, 50);
});

test('import: a missing store or file is an error on stderr, exit code 1', (t) => {
  const dir = tempDir(t);
  const run = idnode(join(dir, 'none.db'), ['import', join(dir, 'none.ndjson')]);
  t.is(run.status, 1);
  t.regex(run.stderr, /^idnode: BAD_REQUEST: no file/);
});
