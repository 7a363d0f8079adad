// External checkers the ops tests run when the machine has them (promtool, systemd-analyze).

import { spawnSync } from 'node:child_process';
import test, { type ImplementationFn } from 'ava';

/** True when `command --version` runs. */
export function installed(command: string): boolean {
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * `test` when `command` is installed. Otherwise: in CI (CI=true, where .ci/run installs it) still `test`, so the run
 * fails on the missing tool instead of passing without the check; elsewhere `test.skip`, with the reason in the title.
 */
export function testWith(command: string, install: string): { run: (title: string, fn: ImplementationFn<[]>) => void; note: string } {
  if (installed(command) || process.env.CI === 'true') return { run: (title, fn) => test(title, fn), note: '' };
  return { run: (title, fn) => test.skip(title, fn), note: ` — SKIPPED: ${command} is not installed here (${install}; .ci/run installs it)` };
}

export function run(command: string, args: readonly string[], cwd?: string): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error === undefined ? '' : String(result.error)}` };
}
