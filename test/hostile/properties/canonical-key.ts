// Property: one canonical form. A valid handle registered through one percent-encoded spelling resolves to the same
// record through any other spelling of the same handle (ASCII case, %2F or /, encoded or raw characters, a leading
// /, fast path or Koa), and parse → canonical → route → parse gives the same handle.

import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { parseHandle, type CaseRule } from '../../../src/identifier/handle.js';
import { decodePathTail } from '../../../src/http/raw-target.js';
import { asciiCaseVariant, decodedHandleText, HANDLES_ROUTE, modelHandle, percentSpelling, RICH_CHARS } from '../handle-model.js';
import { KeepAliveClient } from '../wire.js';
import { assertNodeSurvived, assertProperty, startPropertyNode, timeoutFor, type PropertyRuns } from './runs.js';

const RULE: CaseRule = { suffixCaseSensitive: false };
const PREFIX = '88.118';
const suffixUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...RICH_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0189') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const handles = fc
  .string({ unit: suffixUnit, minLength: 1, maxLength: 40 })
  .map((suffix) => `${PREFIX}/${suffix}`)
  .filter((handle) => modelHandle(handle) !== null);
const choices = fc.array(fc.nat(7), { maxLength: 12 });

interface Spelling {
  /** Percent-encoding choices (see percentSpelling). */
  readonly encoding: number[];
  /** ASCII case choices (see asciiCaseVariant). */
  readonly letters: number[];
  /** Prepend one `/` (reference §1: one leading `/` is dropped). */
  readonly leadingSlash: boolean;
  /** Add `?type=URL`, which sends the request through Koa instead of the resolve fast path. */
  readonly throughKoa: boolean;
}
const spellings: fc.Arbitrary<Spelling> = fc.record({ encoding: choices, letters: choices, leadingSlash: fc.boolean(), throughKoa: fc.boolean() });

/** The path of `handle` under `spelling`, and the handle text that spelling stands for. */
function spell(handle: string, spelling: Spelling): { readonly path: string; readonly text: string } {
  const text = asciiCaseVariant(handle, spelling.letters);
  const path = `${HANDLES_ROUTE}${spelling.leadingSlash ? '/' : ''}${percentSpelling(text, spelling.encoding)}`;
  return { path: spelling.throughKoa ? `${path}?type=URL` : path, text };
}

/** A non-ASCII letter with a different Unicode upper case in `handle`, changed: the node must not fold it. */
function unicodeCaseVariant(handle: string): string | null {
  const chars = [...handle];
  const at = chars.findIndex((c) => c.charCodeAt(0) > 0x7f && c.toUpperCase() !== c && [...c.toUpperCase()].length === 1);
  if (at < 0) return null;
  chars[at] = chars[at]?.toUpperCase() ?? '';
  return chars.join('');
}

function fail(message: string, reply?: { status: number; text: string }): never {
  throw new Error(reply === undefined ? message : `${message}; got ${reply.status} ${reply.text.slice(0, 300)}`);
}

/** The ava implementation of the property with `runs` runs, on one node. */
export function canonicalKeyProperty(runs: PropertyRuns): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    t.timeout(timeoutFor(runs));
    const node = await startPropertyNode(t);
    const client = new KeepAliveClient(t, node);
    let executed = 0;
    await assertProperty(
      fc.asyncProperty(handles, spellings, spellings, spellings, async (handle, put, get1, get2) => {
        executed += 1;
        const marker = `https://example.cn/${executed}`;
        const canonical = parseHandle(handle, RULE);
        // The key agrees with the reference model of §1 (written independently of src/identifier/).
        if (canonical.key !== modelHandle(handle)?.key) fail(`key ${canonical.key} differs from the reference model ${modelHandle(handle)?.key}`);

        const putPath = spell(handle, { ...put, letters: [], throughKoa: false }).path;
        const created = await client.request('PUT', putPath, { body: JSON.stringify([{ index: 1, type: 'URL', data: marker }]), auth: 'admin' });
        if ((created.status !== 201 && created.status !== 200) || created.json?.handle !== handle) fail(`PUT ${putPath} must register ${handle}`, created);

        for (const spelling of [get1, get2]) {
          const { path, text } = spell(handle, spelling);
          // parse → canonical → route → parse: the route's text parses to the same handle.
          const routed = decodePathTail(path.split('?')[0] ?? '', HANDLES_ROUTE);
          if (routed !== text || decodedHandleText(path) !== text) fail(`${path} routes to ${JSON.stringify(routed)}, not ${JSON.stringify(text)}`);
          if (parseHandle(routed, RULE).key !== canonical.key) fail(`${path} parses to another key than ${handle}`);
          const reply = await client.request('GET', path);
          if (reply.status !== 200 || reply.json?.values?.[0]?.data?.value !== marker) fail(`GET ${path} must find the record of ${handle}`, reply);
          if (reply.json.handle !== text) fail(`GET ${path} must echo ${JSON.stringify(text)}`, reply);
        }

        const stored = node.node.store.getRecord(canonical.key);
        if (stored === undefined || parseHandle(stored.handle, RULE).key !== canonical.key) fail(`the store holds ${handle} under ${canonical.key}`);

        const folded = unicodeCaseVariant(handle);
        if (folded !== null && folded !== handle) {
          const other = await client.request('GET', spell(folded, get1).path);
          if (other.status === 200 && other.json?.values?.[0]?.data?.value === marker) fail(`${folded} must not resolve ${handle} (no Unicode case folding)`, other);
        }
      }),
      runs,
    );
    await assertNodeSurvived(t, node, executed, runs);
  };
}
