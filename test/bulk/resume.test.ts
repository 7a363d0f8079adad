// An import killed with SIGKILL part-way and run again loads every record exactly once, and rejects each bad line once.

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'ava';
import { bulkTablesOf, idnode, ndjsonLines, newStore, startImport, storedRows, tempDir } from './bulk-support.js';

const RECORDS = 20_000;

/** The committed checkpoint of `file`, read through a connection of this process (null before the first commit). */
function committedOffset(db: string, file: string): { offset: number; done: boolean } | null {
  const tables = bulkTablesOf(db);
  try {
    const checkpoint = tables.checkpoint(resolve(file));
    return checkpoint === undefined ? null : { offset: checkpoint.offset, done: checkpoint.done };
  } finally {
    tables.close();
  }
}

test('import resume: SIGKILL after some batches committed, then a second run: every record once, every reject once', async (t) => {
  const dir = tempDir(t);
  const db = newStore(dir);
  const lines = ndjsonLines(RECORDS);
  // A bad line every 1,000 lines, so there are some before and some after the kill.
  const bad = new Set<number>();
  for (let at = 500; at < lines.length; at += 1000) {
    lines.splice(at, 0, JSON.stringify({ handle: `88.118/BAD-${at}`, values: [{ index: -1, type: 'URL', data: 'x' }] }));
    bad.add(at + 1);
  }
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const size = readFileSync(file).length;

  // Small batches: many commits, each with its fsync, so the kill lands between two of them.
  const child = startImport(db, [file, '--batch', '100']);
  const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
  let seen = committedOffset(db, file);
  while (seen === null || seen.offset < size / 10) {
    await new Promise((next) => setTimeout(next, 10));
    seen = committedOffset(db, file);
  }
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  const atKill = committedOffset(db, file);
  t.false(atKill?.done, 'the first run was killed before it finished');
  t.true((atKill?.offset ?? 0) < size);
  const loadedAtKill = storedRows(db).length;
  t.true(loadedAtKill > 0 && loadedAtKill < RECORDS);

  const second = idnode(db, ['import', file, '--batch', '1000']);
  t.is(second.status, 0, second.stderr);
  t.regex(second.stdout, /^resumed: +after line \d+/m);
  t.regex(second.stdout, new RegExp(`loaded: +${RECORDS} identifiers`));
  const rows = storedRows(db);
  t.is(rows.length, RECORDS);
  t.is(new Set(rows.map((row) => row.suffix_key)).size, RECORDS);
  const rejected = readFileSync(`${file}.rejects`, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { line: number }).line);
  t.deepEqual(rejected, [...bad]);
  t.deepEqual(committedOffset(db, file), { offset: size, done: true });
});
