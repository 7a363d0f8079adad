// npm's prepare step (issue 17 item 7): builds dist/ with TypeScript in a source checkout that has its dev
// dependencies (a developer's `npm ci`, `npm pack`); an operator's `npm ci --omit=dev` has nothing to build — in an
// unpacked release, which ships dist/ (docs/install.md), or in a checkout built once before.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

// A release has no tsconfig.json: never build there, whatever TypeScript a parent folder may hold.
const tsc = existsSync('tsconfig.json') ? typescriptCompiler() : null;
if (tsc !== null) {
  const result = spawnSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
  // The bin (`npm exec idnode`, docs/) runs through its shebang: tsc writes a new file without the execute bit.
  if (result.status === 0) chmodSync('dist/src/cli.js', 0o755);
  process.exit(result.status ?? 1);
}
if (!existsSync('dist/src/cli.js')) {
  process.stderr.write('idnode: no built dist/ and no TypeScript to build it: run `npm ci` (with dev dependencies), or install a release built by `npm pack` (docs/install.md)\n');
  process.exit(1);
}
