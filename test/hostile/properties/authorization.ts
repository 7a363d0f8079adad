// Property: no write outside what the identity administers ever succeeds — across sibling, parent and derived
// prefixes, 0.NA/ records, ASCII case, percent-encoding, Unicode look-alikes (in handles and in identities) and
// garbage credentials — and a refused write changes neither the store nor the cache. Writes the rules do allow
// succeed, so the property is not vacuous.

import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import type { NodeUnderTest, Reply } from '../../support/node-under-test.js';
import { asciiUpper, decodedHandleText, HANDLES_ROUTE, modelHandle, percentSpelling, type ModelHandle } from '../handle-model.js';
import { KeepAliveClient } from '../wire.js';
import { assertNodeSurvived, assertProperty, startPropertyNode, timeoutFor, type PropertyRuns } from './runs.js';

/** The enterprise prefixes set up, each with its own secret-key identity `300:0.NA/<prefix>`. */
const PREFIXES = ['88.118.8', '88.118.80', '88.118.8.1', '88.118.9'] as const;
const secretOf = (prefix: string) => `secret-of-${prefix}-000001`;

interface Caller {
  readonly name: string;
  readonly auth: { readonly identity: string; readonly secret: string } | undefined;
  /** A raw Authorization header instead of `auth`: garbage credentials of any scheme. */
  readonly authorization?: string;
  /** The prefix this caller administers (by README "Who may do what"), or null when its credentials must fail. */
  readonly administers: string | null;
}

const CALLERS: readonly Caller[] = [
  ...PREFIXES.map((prefix) => ({ name: `300:0.NA/${prefix}`, auth: { identity: `300:0.NA/${prefix}`, secret: secretOf(prefix) }, administers: prefix })),
  { name: 'enterprise, lower-case 0.na', auth: { identity: '300:0.na/88.118.8', secret: secretOf('88.118.8') }, administers: '88.118.8' },
  { name: 'enterprise, any index', auth: { identity: '0.NA/88.118.8', secret: secretOf('88.118.8') }, administers: '88.118.8' },
  { name: 'enterprise, wrong secret', auth: { identity: '300:0.NA/88.118.8', secret: secretOf('88.118.80') }, administers: null },
  { name: 'enterprise, fullwidth ８', auth: { identity: '300:0.NA/88.118.８', secret: secretOf('88.118.8') }, administers: null },
  { name: 'enterprise, Cyrillic А in 0.NА', auth: { identity: '300:0.NА/88.118.8', secret: secretOf('88.118.8') }, administers: null },
  { name: 'enterprise, zero-width joiner', auth: { identity: '300:0.NA/88.118.8\u200d', secret: secretOf('88.118.8') }, administers: null },
  { name: 'sibling identity for a look-alike prefix', auth: { identity: '300:0.NA/88.118.80', secret: secretOf('88.118.8') }, administers: null },
  { name: 'anonymous', auth: undefined, administers: null },
];

/** Credentials no parser should choke on and no check should accept: random Basic, Handle and unknown schemes. */
const garbageCallers: fc.Arbitrary<Caller> = fc
  .oneof(
    fc.tuple(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 })).map(([identity, secret]) => `Basic ${Buffer.from(`${identity}:${secret}`).toString('base64')}`),
    fc.array(fc.tuple(fc.constantFrom('sessionId', 'id', 'type', 'nonce', 'cnonce', 'alg', 'signature', 'version'), fc.string({ maxLength: 24 })), { maxLength: 6 }).map((params) => `Handle ${params.map(([k, v]) => `${k}="${v}"`).join(', ')}`),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic Og==', 'Bearer x', 'Handle', 'handle version="0"'),
  )
  .map((authorization) => ({ name: `garbage credentials ${JSON.stringify(authorization)}`, auth: undefined, authorization, administers: null }));

type Operation = 'replace' | 'add-value' | 'delete';

/** Unicode look-alikes and invisible characters an attacker may slip into a prefix. */
const LOOK_ALIKES: readonly [RegExp, string][] = [
  [/8/, '８'], // fullwidth digit eight
  [/\./, '．'], // fullwidth full stop
  [/\./, '。'], // ideographic full stop
  [/8/, '8\u200d'], // zero-width joiner
  [/^/, '\ufeff'], // byte-order mark
  [/$/, '\u200b'], // zero-width space
  [/$/, '.'], // empty last segment
  [/$/, ' '], // trailing space
];
const NA_SPELLINGS = ['0.NA', '0.NA', '0.na', '0.Na', '0.NА' /* Cyrillic А */, 'О.NA' /* Cyrillic О */, '0.ΝA' /* Greek Ν */, '0.nı' /* dotless ı */];

const prefixes = fc.tuple(
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('88.118.8') },
    { weight: 4, arbitrary: fc.constantFrom(...PREFIXES) },
    { weight: 3, arbitrary: fc.constantFrom('88.118', '88', '88.118.08', '88.1188', '88.118.8.1.1', '88.118.8.2', '88.118.80.8') },
  ),
  // A look-alike in about a third of the prefixes.
  fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(LOOK_ALIKES.length - 1) }),
).map(([prefix, lookAlike]) => {
  if (lookAlike === null) return prefix;
  const [pattern, replacement] = LOOK_ALIKES[lookAlike] ?? [/$/, ''];
  return prefix.replace(pattern, replacement);
});
const suffixes = fc.constantFrom('X', 'x', 'NEW', 'ıd', 'ID', 'a/b', 'Ж', 'ſ');
const targets = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(prefixes, suffixes).map(([p, s]) => `${p}/${s}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...NA_SPELLINGS), prefixes).map(([na, p]) => `${na}/${p}`) },
  { weight: 1, arbitrary: prefixes },
);

interface Attempt {
  readonly caller: Caller;
  readonly operation: Operation;
  readonly target: string;
  /** Percent-encoding choices (see percentSpelling). */
  readonly encoding: number[];
  /** Send the first literal `/` double-encoded (`%252F`): it must decode once, to the text `%2F`. */
  readonly doubleEncodedSlash: boolean;
}

const attempts: fc.Arbitrary<Attempt> = fc.record({
  // Mostly the enterprise of 88.118.8 (under its three valid spellings), so that allowed writes happen often.
  caller: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...CALLERS.filter((c) => c.administers === '88.118.8')) },
    { weight: 4, arbitrary: fc.constantFrom(...CALLERS) },
    { weight: 1, arbitrary: garbageCallers },
  ),
  operation: fc.constantFrom<Operation>('replace', 'add-value', 'delete'),
  target: targets,
  encoding: fc.array(fc.nat(3), { maxLength: 8 }),
  doubleEncodedSlash: fc.constantFrom(false, false, false, true),
});

/** What the rules allow (README "Who may do what"): the handles under its own prefix, and adding values to its own record. */
function allowed(caller: Caller, operation: Operation, target: ModelHandle | null): boolean {
  if (caller.administers === null || target === null) return false;
  const own = asciiUpper(caller.administers);
  if (target.prefixKey === own) return true;
  // A prefix's own keys may change its non-HS_ADMIN values (rotate a key), never replace or delete the record.
  return target.key === `0.NA/${own}` && operation === 'add-value';
}

/** Everything a write could touch: the records involved, and the handle and prefix counts. */
function snapshot(node: NodeUnderTest, target: ModelHandle | null): string {
  const { store } = node.node;
  const keys = ['0.NA/88.118', ...PREFIXES.map((p) => `0.NA/${p}`), ...(target === null ? [] : [target.key])];
  const prefixKeys = ['88.118', '0.NA', ...PREFIXES, ...(target === null ? [] : [target.prefixKey])];
  return JSON.stringify({
    records: keys.map((key) => store.getRecord(key) ?? null),
    counts: prefixKeys.map((key) => store.countHandles(key)),
    prefixes: store.countPrefixes(),
  });
}

function fail(message: string, reply?: Reply): never {
  throw new Error(reply === undefined ? message : `${message}; got ${reply.status} ${reply.text.slice(0, 300)}`);
}

/** Onboards every prefix of PREFIXES with its identity (HS_ADMIN without derived-prefix rights) and a handle under it. */
async function setUp(client: KeepAliveClient): Promise<void> {
  for (const prefix of PREFIXES) {
    const admin = { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: `0.NA/${prefix}`, index: 300, permissions: '011111110011' } } };
    const record = await client.request('PUT', `/api/handles/0.NA/${prefix}`, { body: JSON.stringify([{ index: 300, type: 'HS_SECKEY', data: secretOf(prefix) }, admin]), auth: 'admin' });
    if (record.status !== 201) fail(`onboarding ${prefix}`, record);
  }
  for (const prefix of ['88.118', ...PREFIXES]) {
    const handle = await client.request('PUT', `/api/handles/${prefix}/X`, { body: JSON.stringify([{ index: 1, type: 'URL', data: `https://example.cn/${prefix}` }]), auth: 'admin' });
    if (handle.status !== 201) fail(`registering ${prefix}/X`, handle);
  }
}

/** The ava implementation of the property with `runs` runs, on one node. */
export function authorizationProperty(runs: PropertyRuns): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    t.timeout(timeoutFor(runs));
    const node = await startPropertyNode(t);
    const client = new KeepAliveClient(t, node);
    await setUp(client);
    let executed = 0;
    let succeeded = 0;
    let refused = 0;
    await assertProperty(
      fc.asyncProperty(attempts, async (attempt) => {
        executed += 1;
        const { caller, operation } = attempt;
        let spelled = percentSpelling(attempt.target, attempt.encoding);
        if (attempt.doubleEncodedSlash) spelled = spelled.replace('/', '%252F');
        const path = `${HANDLES_ROUTE}${spelled}`;
        const text = decodedHandleText(path);
        const target = text === null ? null : modelHandle(text);
        const marker = `https://example.cn/attempt-${executed}`;

        const before = snapshot(node, target);
        const existing = target === null ? undefined : node.node.store.getRecord(target.key);
        const readBefore = await client.request('GET', path);
        let reply: Reply;
        const credentials = caller.authorization === undefined ? { auth: caller.auth } : { headers: { authorization: caller.authorization } };
        if (operation === 'delete') reply = await client.request('DELETE', path, credentials);
        else {
          const value = operation === 'replace' ? { index: 1, type: 'URL', data: marker } : { index: 500, type: 'EMAIL', data: marker };
          reply = await client.request('PUT', operation === 'replace' ? path : `${path}?index=500`, { body: JSON.stringify([value]), ...credentials });
        }
        const readAfter = await client.request('GET', path);
        const after = snapshot(node, target);
        const what = `${caller.name} ${operation} ${JSON.stringify(text)}`;

        if (reply.status >= 500) fail(`${what}: never a 5xx`, reply);
        if (!allowed(caller, operation, target)) {
          if (reply.status < 400) fail(`${what} must be refused`, reply);
          if (after !== before) fail(`${what} was refused but changed the store: ${before} → ${after}`, reply);
          if (readAfter.status !== readBefore.status || readAfter.text !== readBefore.text) {
            fail(`${what} was refused but the anonymous answer changed from ${readBefore.status} ${readBefore.text} to ${readAfter.status} ${readAfter.text}`, reply);
          }
          refused += 1;
          return;
        }
        // Allowed: the answer follows reference §3.3/§3.4 from the handle's state, and the next read sees the write.
        const key = target?.key ?? '';
        const expected =
          operation === 'replace' ? (existing === undefined ? 201 : 200)
          : operation === 'delete' ? (existing === undefined ? 404 : 200)
          : existing === undefined ? 404 : existing.values.some((v) => v.index === 500) ? 200 : 201;
        if (reply.status !== expected) fail(`${what} must answer ${expected}`, reply);
        if (expected === 404) {
          if (after !== before) fail(`${what} found nothing to change but changed the store`, reply);
          return;
        }
        succeeded += 1;
        const stored = node.node.store.getRecord(key);
        if (operation === 'delete') {
          if (stored !== undefined || readAfter.status !== 404) fail(`${what}: the handle must be gone from the store and the cache`, readAfter);
        } else {
          const index = operation === 'replace' ? 1 : 500;
          if (stored?.values.find((v) => v.index === index)?.data.value !== marker) fail(`${what}: the store must hold the new value`);
          if (readAfter.status !== 200 || !readAfter.text.includes(JSON.stringify(marker))) fail(`${what}: the next anonymous read must see the new value`, readAfter);
        }
      }),
      runs,
    );
    t.log(`${succeeded} allowed writes succeeded, ${refused} refused`);
    // Not vacuous: both allowed and refused writes happened in numbers.
    t.true(succeeded >= runs.numRuns / 50, `only ${succeeded} of ${executed} writes were allowed and succeeded`);
    t.true(refused >= runs.numRuns / 4, `only ${refused} of ${executed} writes were refused`);
    await assertNodeSurvived(t, node, executed, runs);
  };
}
