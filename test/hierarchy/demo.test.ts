// `npm run demo:hierarchy` as a process (issue 14): its last line and its exit code — 0 when every registration and
// resolution went right, non-zero when one did not. Small runs here; the full 1 + 20 nodes is the demo itself.

import { spawn } from 'node:child_process';
import test from 'ava';

const DEMO = new URL('../../demo/hierarchy.js', import.meta.url).pathname;
const LAST_LINE = /^hierarchy: 1 top-level \+ (\d+) secondary nodes, (\d+) identifiers, (\d+) resolutions, (\d+) errors$/;

function runDemo(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('close', (code) => resolve({ code, lines: output.trimEnd().split('\n') }));
  });
}

test('demo: the last line counts nodes, identifiers, resolutions and errors; exit 0 without errors, 1 with them', async (t) => {
  t.timeout(240_000);
  const clean = await runDemo(['--secondaries', '2', '--identifiers', '3', '--resolutions', '30']);
  t.regex(clean.lines.at(-1) ?? '', LAST_LINE, clean.lines.join('\n'));
  t.deepEqual(LAST_LINE.exec(clean.lines.at(-1) ?? '')?.slice(1).map(Number), [2, 6, 30, 0], clean.lines.join('\n'));
  t.is(clean.code, 0);
  t.true(clean.lines.some((line) => /^88\.101 +secondary +3 /.test(line)), 'the table has a row per node');

  // Two resolutions of identifiers never registered: two errors, exit 1.
  const failing = await runDemo(['--secondaries', '2', '--identifiers', '3', '--resolutions', '30', '--missing', '2']);
  t.deepEqual(LAST_LINE.exec(failing.lines.at(-1) ?? '')?.slice(1).map(Number), [2, 6, 30, 2], failing.lines.join('\n'));
  t.is(failing.code, 1);
});
