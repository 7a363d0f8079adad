// Property: whatever follows /api/handles/ — any Unicode percent-encoded, arbitrary bytes, raw control bytes, very
// long, with or without a fuzzed query — the node answers JSON with a responseCode, never a 5xx, and exactly
// reference §1's verdict on the handle. The same texts also go to /api/prefixes/ and to listings' ?prefix=.

import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import type { NodeUnderTest, Reply } from '../../support/node-under-test.js';
import { asciiUpper, decodedHandleText, HANDLES_ROUTE, modelHandle, percentBytes, percentSpelling, RICH_CHARS } from '../handle-model.js';
import { KeepAliveClient, sendRaw, type WireReply } from '../wire.js';
import { assertNodeSurvived, assertProperty, startPropertyNode, timeoutFor, type PropertyRuns } from './runs.js';

/** Node's default maximum request head: a longer one is 431 before idnode sees it. */
const HEADER_LIMIT_BYTES = 16_384;
/** Request line and headers besides the path stay below this. */
const HEAD_OVERHEAD_BYTES = 512;
const NODE_RECORD_KEY = '0.NA/88.118';
const URL_VALUE = [{ index: 1, type: 'URL', data: 'https://example.cn/fuzz' }];

const richUnit = fc.oneof(fc.constantFrom(...RICH_CHARS), fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 1 }));

type Method = 'GET' | 'GET?pretty' | 'POST' | 'PUT' | 'DELETE';

type PathCase =
  /** A string, percent-encoded where it must be and where the choices say. */
  | { readonly kind: 'text'; readonly text: string; readonly choices: number[] }
  /** Arbitrary bytes (often not UTF-8), percent-encoded. */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly choices: number[] }
  /** Arbitrary bytes written raw into the request line (control bytes, CR/LF, spaces, bytes above 0x7F). */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

const heads = fc.constantFrom('', '', '88.118/', '0.NA/', '0.na/', '88.118.8/', '/', '//', '0.NA/88.118.');
const texts = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 4, arbitrary: fc.string({ unit: richUnit, maxLength: 64 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'é', '%', '中', '/'), fc.integer({ min: 200, max: 6_000 })).map(([c, n]) => c.repeat(n)) },
);
// Byte sequences every UTF-8 decoder must refuse or keep: overlong '/', a surrogate, above U+10FFFF, a BOM, truncated.
const hostileUtf8 = fc.constantFrom([0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0xe6, 0xb3], [0xff], [0xc3, 0x28], [0xf0, 0x9f, 0x98, 0x80]);
const choices = fc.array(fc.nat(7), { maxLength: 16 });

const pathCases: fc.Arbitrary<PathCase> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.tuple(heads, texts).map(([h, t]) => h + t), choices }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      bytes: fc.tuple(heads, fc.uint8Array({ maxLength: 32 }), hostileUtf8, fc.uint8Array({ maxLength: 8 })).map(
        ([h, a, b, c]) => new Uint8Array([...Buffer.from(h), ...a, ...b, ...c]),
      ),
      choices,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 48 }) }) },
);
const methods = fc.constantFrom<Method>('GET', 'GET', 'GET?pretty', 'POST', 'PUT', 'DELETE');

/** Where the text goes: after /api/handles/ (the handle parser), after /api/prefixes/, or into ?prefix= of a listing. */
type Route = 'handles' | 'prefixes' | 'list';
const routes = fc.constantFrom<Route>('handles', 'handles', 'handles', 'handles', 'handles', 'handles', 'handles', 'handles', 'prefixes', 'list');
const QUERY_NAMES = ['index', 'type', 'publicOnly', 'pretty', 'callback', 'auth', 'cert', 'doNotRefer', 'overwrite', 'mintNewSuffix', 'page', 'pageSize', 'prefix'];
/** A query string of known and unknown parameters with any values; usually none. */
const queries = fc.option(
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 6 })), fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('various', '-1', '99999999999', 'true', 'yes'))), fc.nat(3)), { maxLength: 6 })
    .map((pairs) => pairs.map(([name, value, choice]) => `${percentSpelling(name, [choice])}${value === null ? '' : `=${percentSpelling(value, [choice])}`}`).join('&')),
  { freq: 3 },
);

/** Percent-encodes bytes: printable ASCII other than `%?#` stays raw unless its choice has bit 0. */
function spellBytes(bytes: Uint8Array, choiceList: readonly number[]): string {
  let out = '';
  bytes.forEach((b, i) => {
    const choice = choiceList.length === 0 ? 0 : (choiceList[i % choiceList.length] ?? 0);
    const raw = b >= 0x21 && b <= 0x7e && b !== 0x25 && b !== 0x3f && b !== 0x23 && (choice & 1) === 0;
    out += raw ? String.fromCharCode(b) : percentBytes(Uint8Array.of(b), (choice & 2) !== 0);
  });
  return out;
}

function fail(message: string, reply: { status: number; text: string }): never {
  throw new Error(`${message}; got ${reply.status} ${reply.text.slice(0, 300)}`);
}

/** A 2xx-4xx answer whose body is JSON with a responseCode (inside `name(…);` when served as JSONP). */
function checkJsonAnswer(reply: { status: number; text: string; json: any; headers?: Readonly<Record<string, unknown>> }): void {
  if (reply.status < 200 || reply.status >= 500) fail('status must be 2xx-4xx', reply);
  let json: any = reply.json;
  if (String(reply.headers?.['content-type']).startsWith('application/javascript')) {
    const wrapped = /^[A-Za-z_$][A-Za-z0-9_$.]*\(([^]*)\);$/.exec(reply.text) ?? fail('JSONP must be name(JSON);', reply);
    json = JSON.parse(wrapped[1] ?? '');
  }
  if (typeof json !== 'object' || json === null || !Number.isInteger(json.responseCode)) fail('body must be JSON with a responseCode', reply);
}

/** The text as a prefix under /api/prefixes/ (home with POST, unhome with DELETE) or as ?prefix= of a listing. */
async function otherRouteCase(client: KeepAliveClient, route: Route, spelled: string, method: Method, query: string): Promise<void> {
  if (route === 'prefixes') {
    const path = `/api/prefixes/${spelled}`;
    const reply = await client.request(method === 'DELETE' ? 'DELETE' : 'POST', path, { auth: 'admin' });
    if (path.length > HEADER_LIMIT_BYTES - HEAD_OVERHEAD_BYTES && reply.status === 431) return;
    checkJsonAnswer(reply);
    const text = decodedHandleText(path, '/api/prefixes/');
    if (method === 'DELETE' && text !== null && asciiUpper(text) === '88.118' && reply.status < 400) fail("the node's own prefix must never be unhomed", reply);
    return;
  }
  const path = `/api/handles?prefix=${spelled}${query === '' ? '' : `&${query}`}`;
  const reply = await client.request('GET', path, { auth: 'admin' });
  if (path.length > HEADER_LIMIT_BYTES - HEAD_OVERHEAD_BYTES && reply.status === 431) return;
  checkJsonAnswer(reply);
}

async function rawCase(node: NodeUnderTest, bytes: Uint8Array): Promise<void> {
  const head = Buffer.concat([Buffer.from(`GET ${HANDLES_ROUTE}`), bytes, Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')]);
  const reply: WireReply = await sendRaw(node.port, head);
  checkJsonAnswer(reply);
}

/** …which is never so under the node's own prefix 88.118, which the run never unhomes (nor its prefix records). */
function livesHereAlways(model: { readonly key: string; readonly prefixKey: string }): boolean {
  const prefixRecordOf = model.prefixKey === '0.NA' ? model.key.slice('0.NA/'.length) : null;
  return model.prefixKey === '88.118' || (prefixRecordOf !== null && (prefixRecordOf === '88.118' || prefixRecordOf.startsWith('88.118.')));
}

/** Sends the spelled path with `method` and checks the answer against handle-model.ts. */
async function spelledCase(client: KeepAliveClient, spelled: string, wanted: Method, query: string): Promise<void> {
  const path = HANDLES_ROUTE + spelled;
  const text = decodedHandleText(path);
  const model = text === null ? null : modelHandle(text);
  // Never replace or delete the node's own record: the administrator's key lives there.
  const method: Method = model?.key === NODE_RECORD_KEY && (wanted === 'PUT' || wanted === 'DELETE') ? 'GET' : wanted;
  if (query !== '') {
    // With a query the answer may be any of the route's errors: only "JSON, never a 5xx" is checked.
    const target = `${path}?${query}`;
    const verb = method === 'GET?pretty' ? 'GET' : method;
    const reply = await client.request(verb, target, verb === 'PUT' ? { body: JSON.stringify(URL_VALUE), auth: 'admin' } : verb === 'DELETE' ? { auth: 'admin' } : {});
    if (target.length > HEADER_LIMIT_BYTES - HEAD_OVERHEAD_BYTES && reply.status === 431) return;
    checkJsonAnswer(reply);
    return;
  }
  let reply: Reply;
  if (method === 'GET') reply = await client.request('GET', path);
  else if (method === 'GET?pretty') reply = await client.request('GET', `${path}?pretty`);
  else if (method === 'POST') reply = await client.request('POST', path);
  else if (method === 'PUT') reply = await client.request('PUT', path, { body: JSON.stringify(URL_VALUE), auth: 'admin' });
  else reply = await client.request('DELETE', path, { auth: 'admin' });

  if (path.length > HEADER_LIMIT_BYTES) {
    if (reply.status !== 431) fail(`a ${path.length}-byte path must be 431`, reply);
    return;
  }
  if (reply.status === 431 && path.length > HEADER_LIMIT_BYTES - HEAD_OVERHEAD_BYTES) return;
  checkJsonAnswer(reply);
  // `/api/handles/` itself is the listing route (@koa/router ignores the trailing slash), which needs ?prefix=.
  if (spelled === '') return;
  const { status, json } = reply;
  if (text === null) {
    if (status !== 400 || json.responseCode !== 102) fail('a path that is not UTF-8 must be 400/102', reply);
    if (json.handle !== undefined) fail('an undecodable handle must not be echoed', reply);
    return;
  }
  if (json.handle !== text) fail(`the handle must be echoed as sent: ${JSON.stringify(text)}`, reply);
  if (model === null) {
    if (status !== 400 || json.responseCode !== 102) fail(`invalid handle ${JSON.stringify(text)} must be 400/102`, reply);
    return;
  }
  const ok =
    method === 'PUT'
      ? ((status === 201 || status === 200) && json.responseCode === 1) || (status === 400 && json.responseCode === 301)
      : method === 'DELETE'
        ? (status === 200 && json.responseCode === 1) || (status === 404 && json.responseCode === 100)
        : (status === 200 && (json.responseCode === 1 || json.responseCode === 200)) ||
          (status === 404 && json.responseCode === 100) ||
          // Issue 19: not stored, and its prefix does not live here (the run homes and unhomes prefixes as it goes)…
          (status === 400 && json.responseCode === 301 && !livesHereAlways(model));
  if (!ok) fail(`valid handle ${JSON.stringify(text)} (${method}) got the wrong answer`, reply);
}

/** The ava implementation of the property with `runs` runs, on one node. */
export function handlePathProperty(runs: PropertyRuns): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    t.timeout(timeoutFor(runs));
    const node = await startPropertyNode(t);
    const client = new KeepAliveClient(t, node);
    let executed = 0;
    await assertProperty(
      fc.asyncProperty(pathCases, methods, routes, queries, async (c, method, route, query) => {
        executed += 1;
        if (c.kind === 'raw') {
          await rawCase(node, c.bytes);
          return;
        }
        const spelled = c.kind === 'text' ? percentSpelling(c.text, c.choices) : spellBytes(c.bytes, c.choices);
        if (route !== 'handles') await otherRouteCase(client, route, spelled, method, query ?? '');
        else await spelledCase(client, spelled, method, query ?? '');
      }),
      runs,
    );
    await assertNodeSurvived(t, node, executed, runs);
  };
}
