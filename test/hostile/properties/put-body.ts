// Property: any JSON PUT (or POSTed) to a handle is never a 5xx, and whatever the node accepts reads back as values
// that pass validation again and mean what was sent (parse → store → JSON → parse is a fixed point).

import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { parseHandle, type CaseRule } from '../../../src/identifier/handle.js';
import { isSecretKeyType, parseValue, parseValueList, type HandleValue } from '../../../src/identifier/value.js';
import type { NodeUnderTest, Reply } from '../../support/node-under-test.js';
import { asciiCaseVariant } from '../handle-model.js';
import { KeepAliveClient } from '../wire.js';
import { assertNodeSurvived, assertProperty, startPropertyNode, timeoutFor, type PropertyRuns } from './runs.js';
import { bodyText, putBodyArbitrary } from './value-arbitraries.js';

const RULE: CaseRule = { suffixCaseSensitive: false };
const TARGETS = ['88.118/FUZZ-0', '88.118/FUZZ-1', '88.118/fuzz-1', '88.118/FUZZ-2', '0.NA/88.118.1', '0.NA/88.118.2'] as const;
const MINT_BASE = '88.118/dev-';
const QUERIES = ['', '', '', '?overwrite=false', '?overwrite=true', '?index=various', '?index=1', '?index=1&index=2', '?index=2&index=1&index=3', '?index=x', '?mintNewSuffix=true'];

interface BodyCase {
  readonly target: string;
  readonly query: string;
  readonly body: unknown;
  /** POST the body (a resolution whose body fields act as query parameters) instead of PUT. */
  readonly post: boolean;
}

const bodyCases: fc.Arbitrary<BodyCase> = fc
  .record({ target: fc.constantFrom(...TARGETS), query: fc.constantFrom(...QUERIES), choice: fc.noBias(fc.integer({ min: 0, max: 99 })) })
  .chain(({ target, query, choice }) => {
    const handleVariants = fc.oneof(fc.constantFrom(target, asciiCaseVariant(target, [4]), '88.118/OTHER', '', 0), fc.string({ maxLength: 12 }));
    return putBodyArbitrary(handleVariants).map((body) => ({ target, query, body, post: choice < 8 }));
  });

/** The values a body carries, as the node interprets the three shapes (reference §3.3); null for anything else. */
function bodyValues(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) return null;
  const values = (body as { values?: unknown }).values;
  return Array.isArray(values) ? values : [body];
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The data a plain-text value must read back as (reference §2.1): the text itself, or base64 of its UTF-8 bytes
 * when they contain control bytes other than 0x09-0x13. undefined for other values (and secrets, stored hashed).
 * Text with a lone surrogate is not Unicode: it must never have been accepted.
 */
function expectedTextData(input: unknown): { format: string; value: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { type, data } = input as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || /^HS_/i.test(type)) return undefined;
  const text = typeof data === 'string' ? data : (data as { format?: unknown; value?: unknown } | null)?.format?.toString().toLowerCase() === 'string' ? (data as { value?: unknown }).value : undefined;
  if (typeof text !== 'string') return undefined;
  if (LONE_SURROGATE.test(text)) fail(`text with a lone surrogate was accepted: ${JSON.stringify(text)}`);
  const bytes = Buffer.from(text, 'utf8');
  const binary = bytes.some((b) => b <= 0x08 || (b >= 0x14 && b <= 0x1f) || b === 0x7f);
  return binary ? { format: 'base64', value: bytes.toString('base64') } : { format: 'string', value: text };
}

/** What a value means, without the server-set timestamp (and without the secret, which is stored hashed). */
function meaning(value: HandleValue): object {
  const { timestamp: _timestamp, data, ...rest } = value;
  return isSecretKeyType(value.type) ? rest : { ...rest, data };
}

function fail(message: string, reply?: Reply): never {
  throw new Error(reply === undefined ? message : `${message}; got ${reply.status} ${reply.text.slice(0, 400)}`);
}

function checkJsonAnswer(reply: Reply): void {
  if (reply.status >= 500) fail('never a 5xx', reply);
  if (typeof reply.json !== 'object' || reply.json === null || !Number.isInteger(reply.json.responseCode)) fail('JSON with a responseCode', reply);
}

/** Reads `handle` back as the administrator and anonymously and checks what was accepted. */
async function checkReadBack(node: NodeUnderTest, client: KeepAliveClient, handle: string, c: BodyCase, sentBody: unknown, nowSeconds: number): Promise<void> {
  const read = await client.request('GET', `/api/handles/${handle}`, { auth: 'admin' });
  if (read.status !== 200) fail(`an acknowledged write of ${handle} must read back`, read);
  const values: unknown[] = read.json.values;
  let parsed: HandleValue[];
  try {
    parsed = parseValueList(values, nowSeconds, RULE);
  } catch (error) {
    fail(`stored values of ${handle} fail validation when read back: ${(error as Error).message}`, read);
  }
  const stored = node.node.store.getRecord(parseHandle(handle, RULE).key);
  if (stored?.values.length !== values.length) fail(`the store holds ${stored?.values.length} values, the answer ${values.length}`, read);
  const sent = bodyValues(sentBody) ?? fail('a 2xx for a body without values');
  const byIndex = new Map(parsed.map((value) => [value.index, value]));
  sent.forEach((input, i) => {
    const want = parseValue(input, `values[${i}]`, nowSeconds, RULE);
    const got = byIndex.get(want.index);
    if (got === undefined) fail(`value ${want.index} was acknowledged but is not there`, read);
    if (JSON.stringify(meaning(got)) !== JSON.stringify(meaning(want))) {
      fail(`value ${want.index} reads back as ${JSON.stringify(meaning(got))}, sent ${JSON.stringify(meaning(want))}`, read);
    }
    // Independently of value.ts: text data reads back as exactly that text (reference §2.1).
    const expected = expectedTextData(input);
    if (expected !== undefined && JSON.stringify(got.data) !== JSON.stringify(expected)) {
      fail(`text data of value ${want.index} reads back as ${JSON.stringify(got.data)}, expected ${JSON.stringify(expected)}`, read);
    }
  });
  if (c.query === '' || c.query.startsWith('?overwrite')) {
    const expected = new Set(sent.map((input, i) => parseValue(input, `values[${i}]`, nowSeconds, RULE).index));
    const extra = parsed.filter((value) => !expected.has(value.index));
    // Creating a prefix record without HS_ADMIN adds one naming its creator (README "Who may do what").
    if (extra.length > 1 || (extra.length === 1 && !(handle.startsWith('0.NA/') && extra[0]?.type === 'HS_ADMIN'))) {
      fail(`a replacing PUT left other values behind: ${JSON.stringify(extra.map((v) => v.index))}`, read);
    }
  }
  const anonymous = await client.request('GET', `/api/handles/${handle}`);
  if (anonymous.status !== 200) fail(`anonymous read of ${handle}`, anonymous);
  for (const value of anonymous.json.values as { type: string; permissions?: string }[]) {
    if (value.permissions !== undefined && value.permissions[2] !== '1') fail('a value without public read was sent to an anonymous caller', anonymous);
    // README: HS_SECKEY values may never be made publicly readable, whatever permissions were asked for.
    if (/^HS_SECKEY(\.|$)/i.test(value.type)) fail('a secret key was sent to an anonymous caller', anonymous);
  }
}

/** Sends one case; true when the node accepted (and the read-back checks passed). */
async function runCase(node: NodeUnderTest, client: KeepAliveClient, c: BodyCase): Promise<boolean> {
  const text = bodyText(c.body);
  const mint = c.query === '?mintNewSuffix=true';
  const path = `/api/handles/${mint ? MINT_BASE : c.target}${c.query}`;
  if (c.post) {
    checkJsonAnswer(await client.request('POST', path, { body: text }));
    return false;
  }
  const reply = await client.request('PUT', path, { body: text, auth: 'admin' });
  checkJsonAnswer(reply);
  if (reply.status < 200 || reply.status >= 300) return false;
  if (reply.json.responseCode !== 1) fail('a 2xx PUT answers responseCode 1', reply);
  const written: string = reply.json.handle;
  if (mint ? !written.startsWith(MINT_BASE) : written !== c.target) fail('the answer names the handle written', reply);
  // The body as the node saw it (raw number tokens such as 1e400 parsed the JSON way).
  await checkReadBack(node, client, written, c, JSON.parse(text), Math.floor(node.clock.nowMs() / 1000));
  return true;
}

/** The ava implementation of the property with `runs` runs, on one node. */
export function putBodyProperty(runs: PropertyRuns): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    t.timeout(timeoutFor(runs));
    const node = await startPropertyNode(t);
    const client = new KeepAliveClient(t, node);
    let executed = 0;
    let accepted = 0;
    await assertProperty(
      fc.asyncProperty(bodyCases, async (c) => {
        executed += 1;
        if (await runCase(node, client, c)) accepted += 1;
      }),
      runs,
    );
    t.log(`${accepted} of ${executed} bodies accepted and read back`);
    // Not vacuous: a good share of the generated bodies must get past validation and be read back.
    t.true(accepted >= runs.numRuns / 20, `only ${accepted} of ${executed} bodies were accepted`);
    await assertNodeSurvived(t, node, executed, runs);
  };
}
