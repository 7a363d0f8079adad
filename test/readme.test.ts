// README tables are documentation of code: these tests keep them equal to the catalog, the variables and the metrics.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { VARIABLES } from '../src/config.js';
import { ERROR_CATALOG } from '../src/errors.js';
import { Metrics } from '../src/metrics/metrics.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Rows of the Markdown table that follows `## heading`, as arrays of trimmed cells (header and rule dropped). */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) return [];
  const lines = README.slice(start).split('\n').slice(2);
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows.slice(2);
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

test('readme: configuration table lists exactly the IDNODE_* variables with their defaults', (t) => {
  const rows = tableAfter('Configuration');
  const documented = Object.fromEntries(rows.map((row) => [unquote(row[0] ?? ''), row[1] === '—' ? '' : unquote(row[1] ?? '')]));
  const actual = Object.fromEntries(Object.entries(VARIABLES).map(([name, variable]) => [name, variable.defaultText]));
  t.deepEqual(documented, actual);
});

test('readme: error table equals the catalog (HTTP status, responseCode, SNMS status)', (t) => {
  const rows = tableAfter('Errors');
  const documented = Object.fromEntries(rows.map((row) => [unquote(row[0] ?? ''), [Number(row[1]), Number(row[2]), Number(row[3])]]));
  const actual = Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, entry]) => [code, [entry.httpStatus, entry.responseCode, entry.snmsStatus]]));
  t.deepEqual(documented, actual);
});

test('readme: metrics table names every idnode_ metric', async (t) => {
  const metrics = new Metrics({
    cache: () => ({ entries: 0, bytes: 0, evictions: 0 }),
    storeSizeBytes: () => 0,
    sessions: () => ({ open: 0, authenticated: 0 }),
    ops: { storeFiles: () => ({ walBytes: 0, capBytes: 0, diskAvailableBytes: 0, diskSizeBytes: 0 }) },
  });
  const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name).filter((name) => name.startsWith('idnode_'));
  const documented = tableAfter('Metrics')
    .map((row) => unquote(row[0] ?? ''))
    .filter((name) => name.startsWith('idnode_'));
  t.deepEqual([...documented].sort(), [...names].sort());
});
