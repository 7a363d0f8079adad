// The servers a run spawns: free loopback ports, readiness, resident memory, and killing every child on exit, error or signal.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ServerProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last few kilobytes of the child's stdout and stderr, for error messages. */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
}

const children = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];
const OUTPUT_TAIL = 8192;
let hooksInstalled = false;

/** Kills every child still running (SIGKILL: this also runs from process 'exit', where nothing can be awaited). */
function killEverything(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const cleanup of cleanups.splice(0)) {
    try {
      cleanup();
    } catch {
      // Best effort on the way out.
    }
  }
}

/** Installs the exit and signal hooks once; `cleanup` callbacks (temp files) run after children are killed. */
export function killChildrenOnExit(cleanup?: () => void): void {
  if (cleanup !== undefined) cleanups.push(cleanup);
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killEverything);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
      killEverything();
      process.exit(130);
    });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Starts `node <nodeFlags> <script> <args>` with `env` added; output is kept (tail) and echoed with a `[name]` prefix when `echo`. */
export function spawnServer(
  name: string,
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  port: number,
  echo: boolean,
  nodeFlags: readonly string[] = [],
): ServerProcess {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${script}`);
  children.add(child);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-OUTPUT_TAIL);
    if (echo) process.stderr.write(text.replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => children.delete(child));
  const pid = child.pid;
  return {
    name,
    port,
    child,
    pid,
    output: () => tail,
    exited: () => child.exitCode !== null || child.signalCode !== null,
  };
}

/** Polls GET /readyz until 200; throws with the child's output if it exits or `timeoutMs` passes. */
export async function waitReady(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error(`${server.name} exited before it was ready:\n${server.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${server.name} was not ready on port ${server.port} within ${timeoutMs} ms:\n${server.output()}`);
}

/** `pid` and its descendants (a cluster's workers), from /proc/<pid>/stat's parent field; [pid] when /proc is absent. */
function processTree(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [pid];
  }
  const parents = new Map<number, number>();
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** Adds `read(pid)` over a process and its descendants; null when the process itself cannot be read. */
function overTree(pid: number, read: (pid: number) => number | null): number | null {
  const own = read(pid);
  if (own === null) return null;
  return processTree(pid).slice(1).reduce((total, child) => total + (read(child) ?? 0), own);
}

function ownRssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

/** Resident set size in bytes of a process and its descendants (IDNODE_WORKERS), from /proc/<pid>/status VmRSS (null when unavailable). */
export function rssBytes(pid: number): number | null {
  return overTree(pid, ownRssBytes);
}

let clockTicksPerSecond: number | null = null;

/** CPU seconds (user + system) a process and its descendants (IDNODE_WORKERS) have used so far (null when unavailable). */
export function cpuSeconds(pid: number): number | null {
  return overTree(pid, ownCpuSeconds);
}

function ownCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

/** Asks a server to stop (SIGTERM), then SIGKILLs it after `graceMs`. */
export async function stopServer(server: ServerProcess, graceMs = 15_000): Promise<void> {
  if (server.exited()) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
