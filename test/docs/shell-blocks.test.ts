// The documentation runs: every ```sh block of README.md and docs/ runs in order against a fresh node, as printed.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { serveEnv, startServe } from '../support/serve-process.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DOCUMENTED_BASE = 'http://127.0.0.1:8000';

/**
 * A ```sh block. Its info string may add one word in braces: `{setup}` for the commands this test performs itself
 * (installing, starting the node, running the tests), `{no-run}` for commands that need a machine of their own
 * (systemd, Docker, a stopped node). Every other block runs.
 */
interface Block {
  readonly line: number;
  readonly kind: 'run' | 'setup' | 'no-run';
  readonly text: string;
}

export function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```sh(?:\s+\{([a-z-]+)\})?\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^```\s*$/.test(lines[j] ?? ''); j += 1) body.push(lines[j] ?? '');
    const kind = open[1] === undefined ? 'run' : open[1];
    if (kind !== 'run' && kind !== 'setup' && kind !== 'no-run') throw new Error(`line ${i + 1}: unknown block kind {${kind}}`);
    blocks.push({ line: i + 1, kind, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The statuses a block's comments say its curl calls get (`# → 201 …`), in order. */
function expectedStatuses(text: string): number[] {
  return [...text.matchAll(/#\s*→\s*(\d{3})\b/g)].map((match) => Number(match[1]));
}

const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

function runBash(script: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: env.DOCS_SCRATCH, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('close', (status) => resolve({ status, output }));
  });
}

test('docs: block kinds are read from the info string, and an unknown kind is refused', (t) => {
  const blocks = shellBlocks('x\n```sh\necho 1\n```\n```sh {setup}\nnpm start\n```\n```js\nno\n```\n```sh {no-run}\nsystemctl x\n```\n');
  t.deepEqual(blocks.map((block) => [block.kind, block.text]), [['run', 'echo 1'], ['setup', 'npm start'], ['no-run', 'systemctl x']]);
  t.throws(() => shellBlocks('```sh {maybe}\nx\n```\n'));
  t.deepEqual(expectedStatuses('curl a\n# → 201 {"x":1}\ncurl b # → 404'), [201, 404]);
});

/** Commands that take minutes or start their own nodes: a block running one must be {setup} or {no-run}. */
const LONG_COMMANDS = /\bnpm (?:run (?:bench|soak|demo:[a-z-]+)|test|start)\b/;

test('docs: no runnable block starts a benchmark, a soak, a demo or the test suite', (t) => {
  const offending = DOCUMENTS.flatMap((document) =>
    shellBlocks(readFileSync(join(ROOT, document), 'utf8'))
      .filter((block) => block.kind === 'run' && LONG_COMMANDS.test(block.text))
      .map((block) => `${document}:${block.line}`),
  );
  t.deepEqual(offending, []);
  t.true(LONG_COMMANDS.test('npm run bench -- -n 10'));
});

for (const document of DOCUMENTS) {
  const runnable = shellBlocks(readFileSync(join(ROOT, document), 'utf8')).filter((block) => block.kind === 'run');
  if (runnable.length === 0) continue;
  test(`docs: the shell blocks of ${document} run in order on a fresh node and every curl gets the status shown`, async (t) => {
    t.timeout(180_000);
    const dir = mkdtempSync(join(tmpdir(), 'idnode-docs-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const env = serveEnv(join(dir, 'idnode.db'));
    const node = await startServe(t, env);
    const statusFile = join(dir, 'statuses');
    writeFileSync(statusFile, '');
    // The blocks run in a scratch folder (files they write stay out of the checkout), npm in the project as a reader
    // runs it there, and curl as printed but with the status of every call noted for the comparison.
    const prelude = [
      'set -euo pipefail',
      'npm() { (cd "$DOCS_PROJECT" && command npm "$@"); }',
      `curl() { command curl -sS -w '\\n%{http_code}\\n' "$@" > "$DOCS_SCRATCH/reply"; head -n -1 "$DOCS_SCRATCH/reply"; tail -n 1 "$DOCS_SCRATCH/reply" >> "$DOCS_SCRATCH/statuses"; }`,
    ].join('\n');
    const shellEnv = { ...env, DOCS_PROJECT: ROOT, DOCS_SCRATCH: dir };
    for (const block of runnable) {
      const before = readFileSync(statusFile, 'utf8').split('\n').filter(Boolean).length;
      const script = `${prelude}\n${block.text.replaceAll(DOCUMENTED_BASE, `http://127.0.0.1:${node.port}`)}`;
      const { status, output } = await runBash(script, shellEnv);
      t.is(status, 0, `${document} block at line ${block.line} failed:\n${output}`);
      const got = readFileSync(statusFile, 'utf8').split('\n').filter(Boolean).slice(before).map(Number);
      t.deepEqual(got, expectedStatuses(block.text), `${document} block at line ${block.line}: statuses of its curl calls\n${output}`);
    }
    t.deepEqual(await node.kill('SIGTERM'), { code: 0, signal: null });
  });
}
