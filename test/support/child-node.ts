// `idnode serve` as a child process for tests that need a real process: its port, pid, resident memory, error logs, stop.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ExecutionContext } from 'ava';
import { CLI, serveEnv } from './serve-process.js';

const OUTPUT_TAIL = 8192;

export interface ChildNode {
  readonly port: number;
  readonly pid: number;
  /** Log lines at pino level error (50) or fatal (60) so far. */
  errorLogLines(): number;
  /** The last few kilobytes of the child's stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `idnode serve` on the SQLite file `db` (127.0.0.1, port 0, the test administrator secret, fast secret hashing,
 * info logs, rate limits off unless `env` says otherwise) and resolves once it logs "idnode listening". The child is
 * SIGKILLed when `t` ends if it is still running.
 */
export function spawnChildNode(t: ExecutionContext, db: string, env: Record<string, string> = {}): Promise<ChildNode> {
  const childEnv = serveEnv(db, env);
  const child = spawn(process.execPath, [CLI, 'serve'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let tail = '';
  let partialLine = '';
  let errorLines = 0;
  const keep = (text: string): void => {
    tail = (tail + text).slice(-OUTPUT_TAIL);
  };
  return new Promise((resolve, reject) => {
    const onLine = (line: string): void => {
      if (/"level":[56]\d/.test(line)) errorLines += 1;
      if (!line.includes('"idnode listening"') || child.pid === undefined) return;
      const port = (JSON.parse(line) as { port: number }).port;
      resolve({
        port,
        pid: child.pid,
        errorLogLines: () => errorLines,
        output: () => tail,
        stop: (graceMs = 15_000) => {
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.kill('SIGTERM');
          return exited.finally(() => clearTimeout(killer));
        },
      });
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      keep(text);
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
    void exited.then((code) => reject(new Error(`idnode exited with ${code} before listening:\n${tail}`)));
  });
}

/** Resident set size of process `pid` in bytes, from /proc/<pid>/status VmRSS (0 when unreadable). */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}
