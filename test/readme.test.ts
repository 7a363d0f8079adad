// The documentation's tables are documentation of code: these tests keep them equal to the catalog, the variables and the metrics.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { VARIABLES } from '../src/config.js';
import { ERROR_CATALOG } from '../src/errors.js';
import { ROUTE_NAMES } from '../src/http/routes.js';
import { Metrics } from '../src/metrics/metrics.js';

const doc = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Rows of the first Markdown table in `text` (after `heading` when given), as arrays of trimmed cells (header and rule dropped). */
function tableIn(text: string, heading?: string): string[][] {
  const start = heading === undefined ? 0 : text.indexOf(`\n${heading}\n`);
  if (start < 0) return [];
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  if (first < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows.slice(2);
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

test('docs: the configuration table lists exactly the IDNODE_* variables with their defaults', (t) => {
  const rows = tableIn(doc('docs/configuration.md'));
  const documented = Object.fromEntries(rows.map((row) => [unquote(row[0] ?? ''), row[1] === '—' ? '' : unquote(row[1] ?? '')]));
  const actual = Object.fromEntries(Object.entries(VARIABLES).map(([name, variable]) => [name, variable.defaultText]));
  t.deepEqual(documented, actual);
});

test('docs: the error table equals the catalog (HTTP status, responseCode, SNMS status)', (t) => {
  const rows = tableIn(doc('docs/errors.md'));
  const documented = Object.fromEntries(rows.map((row) => [unquote(row[0] ?? ''), [Number(row[1]), Number(row[2]), Number(row[3])]]));
  const actual = Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, entry]) => [code, [entry.httpStatus, entry.responseCode, entry.snmsStatus]]));
  t.deepEqual(documented, actual);
});

test('docs: the metrics table names every idnode_ metric', async (t) => {
  const metrics = new Metrics({
    routes: ROUTE_NAMES,
    cache: () => ({ entries: 0, bytes: 0, evictions: 0 }),
    storeSizeBytes: () => 0,
    sessions: () => ({ open: 0, authenticated: 0 }),
    // With the PostgreSQL sources too: the table documents the metrics of both engines.
    ops: {
      storeFiles: () => ({ walBytes: 0, capBytes: 0, diskAvailableBytes: 0, diskSizeBytes: 0 }),
      postgres: { reads: () => ({ replica: 0, primary: 0 }), lateAnswers: () => 0 },
    },
  });
  const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name).filter((name) => name.startsWith('idnode_'));
  const documented = tableIn(doc('docs/metrics.md'))
    .map((row) => unquote(row[0] ?? ''))
    .filter((name) => name.startsWith('idnode_'));
  t.deepEqual([...documented].sort(), [...names].sort());
});

test('docs: the route label values in the metrics page are the route table', (t) => {
  const text = doc('docs/metrics.md');
  for (const name of ROUTE_NAMES) t.true(text.includes(`\`${name}\``), name);
});

test('readme: the front door stays short and every page it links to exists', (t) => {
  const readme = doc('README.md');
  t.true(Buffer.byteLength(readme) < 12 * 1024, `README is ${Buffer.byteLength(readme)} bytes`);
  for (const [, target] of readme.matchAll(/\]\(((?:docs|bench)\/[^)#]+)/g)) t.notThrows(() => doc(target ?? ''), target);
  t.regex(readme, /`npm ci && npm start`|npm ci && npm start/);
  t.regex(readme, /npm ci && npm test/);
});
