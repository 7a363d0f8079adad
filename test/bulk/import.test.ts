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
