// The layering rules as tests: no import cycles between files or folders, each library imported from its one folder.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const FILES = sources(SRC);
/** Module specifiers of every import and export-from, type-only ones included (they are dependencies too). */
const SPECIFIERS = new Map(FILES.map((file) => [file, [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)].map((m) => m[1] ?? '')]));

/** The project file an import names, or null for a package or node: built-in. */
function target(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
}

/** A file's folder under src/; a file at the top of src/ (app.ts, errors.ts…) counts as a folder of its own. */
const folderOf = (file: string): string => relative(SRC, dirname(file)) || relative(SRC, file);

/** Every cycle in a directed graph, each as the list of nodes on it (one per strongly connected component). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0));
      } else if (stack.includes(to)) low.set(node, Math.min(low.get(node) ?? 0, index.get(to) ?? 0));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member !== undefined) component.push(member);
      } while (member !== node && member !== undefined);
      if (component.length > 1 || edges.get(node)?.has(node)) found.push(component);
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

test('architecture: no file imports itself back through others', (t) => {
  const edges = new Map(FILES.map((file) => [file, new Set(SPECIFIERS.get(file)?.flatMap((s) => target(file, s) ?? []) ?? [])]));
  t.deepEqual(cycles(edges).map((cycle) => cycle.map((file) => relative(SRC, file))), []);
});

test('architecture: no two folders of src/ depend on each other', (t) => {
  const edges = new Map<string, Set<string>>();
  for (const file of FILES) {
    for (const specifier of SPECIFIERS.get(file) ?? []) {
      const to = target(file, specifier);
      if (to === null || folderOf(to) === folderOf(file)) continue;
      const from = edges.get(folderOf(file)) ?? new Set<string>();
      from.add(folderOf(to));
      edges.set(folderOf(file), from);
    }
  }
  t.deepEqual(cycles(edges), []);
});

/** Each library and the only folder (or top-level file) that may import it. */
const OWNERS: Readonly<Record<string, readonly string[]>> = {
  'better-sqlite3': ['store'],
  // node-postgres: the PostgreSQL engine only (issue 16); the rest of store/ and the services see RegistryEngine.
  pg: ['store/postgres'],
  'lru-cache': ['cache'],
  'prom-client': ['metrics'],
  pino: ['log'],
  koa: ['http', 'app.ts'],
  '@koa/router': ['http'],
  saxes: ['proxy'],
  'qrcode-generator': ['pages'],
  ajv: ['validation'],
};

test('architecture: each library is imported from its one folder', (t) => {
  const misplaced: string[] = [];
  for (const file of FILES) {
    for (const specifier of SPECIFIERS.get(file) ?? []) {
      const owners = OWNERS[specifier];
      if (owners === undefined) continue;
      const place = relative(SRC, file);
      if (!owners.some((owner) => place === owner || place.startsWith(`${owner}/`))) misplaced.push(`${place} imports ${specifier}`);
    }
  }
  t.deepEqual(misplaced, []);
  // The rule is only worth something if it sees the imports: every owner really is where its library comes in.
  for (const [library, owners] of Object.entries(OWNERS)) {
    t.true(FILES.some((file) => SPECIFIERS.get(file)?.includes(library) && owners.some((o) => relative(SRC, file).startsWith(o))), library);
  }
});
