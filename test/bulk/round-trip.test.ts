// export → import → export: the same bytes out, the same stored records in, for NDJSON and CSV, every value format.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { idnode, newStore, storedRows, T0, tempDir } from './bulk-support.js';

const ISO = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Records using every data format, an absolute TTL, non-default permissions, references and a mixed-case spelling. */
function varied(): string[] {
  const at = ISO(T0);
  const records = [
    // A prefix record homes its prefix, like a PUT of it: the handle under 88.118.77 below loads.
    { handle: '0.NA/88.118.77', values: [{ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '011111110011' } }, ttl: 86400, timestamp: at }] },
    {
      handle: '88.118/ALL-FORMATS',
      values: [
        { index: 1, type: 'DATA', data: { format: 'base64', value: 'AAEC/w==' }, permissions: '1100', ttl: '2031-05-06T07:08:09Z', timestamp: at },
        { index: 2, type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '88.118/X', index: 1 }] }, ttl: 60, timestamp: ISO(T0 - 100) },
        { index: 3, type: 'EMAIL', data: { format: 'string', value: 'a@example.cn' }, ttl: 86400, timestamp: at, references: [{ handle: '88.118/Y', index: 2 }] },
      ],
    },
    { handle: '88.118/EMPTY', values: [] },
    { handle: '88.118.77/Mixed-Case', values: [{ index: 1, type: 'URL', data: { format: 'string', value: 'https://a.example/x,"y"\nz' }, ttl: 86400, timestamp: at }] },
  ];
  return records.map((record) => JSON.stringify(record));
}

for (const format of ['ndjson', 'csv'] as const) {
  test(`round trip (${format}): export of an imported store imports into a new store with byte-identical records and output`, (t) => {
    const dir = tempDir(t);
    const first = newStore(dir);
    const source = join(dir, 'source.ndjson');
    writeFileSync(source, `${varied().join('\n')}\n`);
    const load = idnode(first, ['import', source]);
    t.regex(load.stdout, /loaded: +4 identifiers/, load.stderr);

    const exported = join(dir, `first.${format}`);
    t.is(idnode(first, ['export', '--format', format, '--output', exported]).status, 0);
    if (format === 'ndjson') {
      // The prefix records first, then by key: the source was written in that order and the output form.
      t.is(readFileSync(exported, 'utf8'), readFileSync(source, 'utf8'));
    }
    const secondDir = join(dir, 'second');
    const second = newStore(secondDir);
    const reload = idnode(second, ['import', exported]);
    t.regex(reload.stdout, /loaded: +4 identifiers/, reload.stdout + reload.stderr);
    t.regex(reload.stdout, /rejected: 0/);
    t.deepEqual(storedRows(second), storedRows(first));
    const again = idnode(second, ['export', '--format', format]);
    t.is(again.stdout, readFileSync(exported, 'utf8'));
    // One prefix only.
    const one = idnode(second, ['export', '--prefix', '88.118.77']);
    t.deepEqual(one.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { handle: string }).handle), ['88.118.77/Mixed-Case']);
  });
}
