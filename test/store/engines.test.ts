// One suite over both registry engines (SQLite, PostgreSQL): the same calls give the same answers, errors and commits.

import test from 'ava';
import { IdnodeError } from '../../src/errors.js';
import type { HandleValue } from '../../src/identifier/value.js';
import { publicView } from '../../src/identifier/value-json.js';
import type { RegistryEngine, RegistryWrite } from '../../src/store/registry-engine.js';
import { ENGINES, nextCommit } from './engine-fixtures.js';
import { handle, NOW_SECONDS, urlValue } from './temp-store.js';

function value(partial: Partial<HandleValue> & Pick<HandleValue, 'index' | 'type' | 'data'>): HandleValue {
  return { ttlType: 0, ttl: 86_400, timestamp: NOW_SECONDS, permissions: '1110', references: [], ...partial };
}

/** Every data form and option the store keeps (the cases of test/identifier/record-encoding.test.ts), private values too. */
const EVERY_KIND: HandleValue[] = [
  value({ index: 1, type: 'URL', data: { format: 'string', value: 'ünïcödé "quoted" \\ \u2028 \u0000 😀' }, ttl: 600, permissions: '1111' }),
  value({ index: 2, type: 'BIN', data: { format: 'base64', value: 'AAEC' }, ttlType: 1, ttl: 4_102_444_800, timestamp: NOW_SECONDS + 5 }),
  value({ index: 3, type: 'HS_VLIST', data: { format: 'vlist', value: [{ handle: '88.118/A', index: 1 }] }, references: [{ handle: '88.118/B', index: 0 }] }),
  value({ index: 4, type: 'HS_SITE', data: { format: 'site', value: { version: 1, servers: [{ serverId: 1, address: '192.0.2.1' }] } } }),
  value({ index: 5, type: 'HS_PUBKEY', data: { format: 'key', value: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }, permissions: '1100', ttl: 0 }),
  value({ index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '011111110011' } } }),
  value({ index: 300, type: 'HS_SECKEY', data: { format: 'string', value: 'secret' }, permissions: '1100' }),
];

function insert(text: string, values: readonly HandleValue[] = [urlValue(1, `https://example.cn/${text}`)]): RegistryWrite {
  const h = handle(text);
  return { kind: 'insert', handleKey: h.key, handle: h.display, prefixKey: h.prefixKey, values, nowSeconds: NOW_SECONDS };
}

/** Records every commit an engine reports. */
function heard(engine: RegistryEngine): (readonly string[] | null)[] {
  const events: (readonly string[] | null)[] = [];
  engine.onCommitted((keys) => events.push(keys));
  return events;
}

const PREFIX = handle('88.118.8/X').prefixKey;

for (const fixture of ENGINES) {
  const { run, name } = fixture;

  run(`registry (${name}): a record with every kind of value reads back equal, with its spelling and public view`, async (t) => {
    const { engine } = await fixture.open(t);
    t.deepEqual(await engine.commit([insert('88.118.8/Pump-1', EVERY_KIND)]), [true]);
    const key = handle('88.118.8/Pump-1').key;
    t.deepEqual(await engine.getRecord(key), { handle: '88.118.8/Pump-1', values: EVERY_KIND });
    t.deepEqual(await engine.getPublicView(key), publicView(EVERY_KIND));
    t.is(await engine.getRecord(handle('88.118.8/PUMP-2').key), undefined);
    t.is(await engine.getPublicView(handle('88.118.8/PUMP-2').key), undefined);
    t.is(await engine.countHandles(PREFIX), 1);
  });

  run(`registry (${name}): inserting an existing handle rejects HANDLE_ALREADY_EXISTS and keeps the first record`, async (t) => {
    const { engine } = await fixture.open(t);
    await engine.commit([insert('88.118.8/PUMP-1', [urlValue(1, 'https://example.cn/first')])]);
    await t.throwsAsync(engine.commit([insert('88.118.8/pump-1', [urlValue(1, 'https://example.cn/second')])]), { instanceOf: IdnodeError, code: 'HANDLE_ALREADY_EXISTS' });
    const record = await engine.getRecord(handle('88.118.8/PUMP-1').key);
    t.is(record?.handle, '88.118.8/PUMP-1');
    t.is(record?.values[0]?.data.value, 'https://example.cn/first');
    t.is(await engine.countHandles(PREFIX), 1);
  });

  run(`registry (${name}): update and delete report whether the record existed, and reach a missing one as nothing`, async (t) => {
    const { engine } = await fixture.open(t);
    const key = handle('88.118.8/PUMP-1').key;
    const absent = handle('88.118.8/ABSENT').key;
    await engine.commit([insert('88.118.8/PUMP-1')]);
    const next = [urlValue(5, 'https://example.cn/new')];
    t.deepEqual(
      await engine.commit([
        { kind: 'update', handleKey: key, values: next, nowSeconds: NOW_SECONDS + 60 },
        { kind: 'update', handleKey: absent, values: next, nowSeconds: NOW_SECONDS },
        { kind: 'delete', handleKey: absent, nowSeconds: NOW_SECONDS },
      ]),
      [true, false, false],
    );
    t.deepEqual((await engine.getRecord(key))?.values, next);
    t.is(await engine.getRecord(absent), undefined);
    t.deepEqual(await engine.commit([{ kind: 'delete', handleKey: key, nowSeconds: NOW_SECONDS }]), [true]);
    t.deepEqual(await engine.commit([{ kind: 'delete', handleKey: key, nowSeconds: NOW_SECONDS }]), [false]);
    t.is(await engine.getRecord(key), undefined);
    t.is(await engine.countHandles(PREFIX), 0);
  });

  run(`registry (${name}): a prefix pages in the byte order of its keys, by offset and by key, without its neighbours`, async (t) => {
    const { engine } = await fixture.open(t);
    // Letters, digits, punctuation and non-ASCII: a linguistic collation would put ÉCLAIR before ZETA and ignore '-'.
    const suffixes = ['Z9', 'a1', 'M-3', 'B', 'ÉCLAIR', 'ZETA', 'EZ', '0', 'AA', 'c-2', 'C1', '_X', '~', '漢字', 'Ä', 'x'];
    await engine.commit([...suffixes.map((suffix) => insert(`88.118.8/${suffix}`)), insert('88.118.80/A'), insert('88.118/A'), insert('88.118.8.1/A')]);
    const expected = suffixes.map((suffix) => handle(`88.118.8/${suffix}`).key).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const byOffset = [...(await engine.listHandles(PREFIX, 5, 0)), ...(await engine.listHandles(PREFIX, 5, 5)), ...(await engine.listHandles(PREFIX, 5, 10)), ...(await engine.listHandles(PREFIX, 5, 15))];
    t.deepEqual(byOffset.map((row) => row.key), expected);
    t.deepEqual(await engine.listHandles(PREFIX, 5, 16), []);
    const byKey: string[] = [];
    for (let after = '', round = 0; round < 10; round += 1) {
      const page = await engine.listHandlesAfter(PREFIX, after, 3);
      if (page.length === 0) break;
      byKey.push(...page.map((row) => row.key));
      after = page.at(-1)?.key ?? '';
    }
    t.deepEqual(byKey, expected);
    // The registrant's spelling comes with each key.
    t.is(byOffset.find((row) => row.key === handle('88.118.8/a1').key)?.handle, '88.118.8/a1');
    t.is(await engine.countHandles(PREFIX), suffixes.length);
  });

  run(`registry (${name}): a batch that fails midway commits nothing and tells no listener`, async (t) => {
    const { engine } = await fixture.open(t);
    await engine.commit([insert('88.118.8/KEPT', [urlValue(1, 'https://example.cn/kept')])]);
    const events = heard(engine);
    const kept = handle('88.118.8/KEPT').key;
    await t.throwsAsync(
      engine.commit([
        insert('88.118.8/NEW-1'),
        { kind: 'update', handleKey: kept, values: [urlValue(2, 'https://example.cn/changed')], nowSeconds: NOW_SECONDS },
        { kind: 'home', prefixKey: '88.118.9', prefix: '88.118.9', nowSeconds: NOW_SECONDS },
        insert('88.118.8/kept'),
      ]),
      { code: 'HANDLE_ALREADY_EXISTS' },
    );
    // An insert whose key is not under its prefix is refused whole too.
    const astray = handle('88.118.8/NEW-3');
    const misplaced: RegistryWrite = { kind: 'insert', handleKey: astray.key, handle: astray.display, prefixKey: '88.118.80', values: [], nowSeconds: NOW_SECONDS };
    await t.throwsAsync(engine.commit([insert('88.118.8/NEW-2'), misplaced]), { code: 'INTERNAL' });
    t.is(await engine.getRecord(handle('88.118.8/NEW-1').key), undefined);
    t.is(await engine.getRecord(handle('88.118.8/NEW-2').key), undefined);
    t.is((await engine.getRecord(kept))?.values[0]?.data.value, 'https://example.cn/kept');
    t.is(await engine.homedPrefix('88.118.9'), undefined);
    t.is(await engine.countHandles(PREFIX), 1);
    t.deepEqual(events, []);
  });

  run(`registry (${name}): the store's triggers count handles and queue the hierarchy's reports, and writes count per day`, async (t) => {
    const under = await fixture.open(t);
    const { engine } = under;
    await under.sql("INSERT INTO hierarchy_settings (name, value) VALUES ('filing', '88.118')");
    const key = (text: string): string => handle(text).key;
    await engine.commit([
      { kind: 'home', prefixKey: '88.118.8', prefix: '88.118.8', nowSeconds: NOW_SECONDS },
      { kind: 'home', prefixKey: '88.1180', prefix: '88.1180', nowSeconds: NOW_SECONDS },
      insert('88.118.8/A'),
      insert('88.1180/A'),
      insert('88.118/B'),
      insert('0.NA/88.118.8'),
    ]);
    await engine.commit([
      { kind: 'update', handleKey: key('88.118.8/A'), values: [urlValue(2, 'https://example.cn/a2')], nowSeconds: NOW_SECONDS },
      { kind: 'delete', handleKey: key('0.NA/88.118.8'), nowSeconds: NOW_SECONDS },
      { kind: 'unhome', prefixKey: '88.118.8' },
    ]);
    const text = async (sql: string): Promise<string[]> => (await under.sql(sql)).map((row) => Object.values(row).map(String).join(' '));
    // Sorted: the two engines fire one event's triggers in different orders (schema/postgres/006-compact-records.sql).
    t.deepEqual(await text('SELECT kind, subject FROM outbox ORDER BY kind, subject'), [
      'prefix 88.118.8',
      'prefix 88.118.8',
      'prefix 88.118.8',
      'record 0.NA/88.118.8',
      'record 0.NA/88.118.8',
      'record 88.118.8/A',
      'record 88.118.8/A',
      'record 88.118/B',
    ]);
    t.deepEqual(await text('SELECT prefix_key, count FROM handle_counts ORDER BY prefix_key'), ['0.NA 0', '88.118 1', '88.118.8 1', '88.1180 1']);
    const day = new Date((NOW_SECONDS + 28_800) * 1000).toISOString().slice(0, 10);
    t.deepEqual(await text('SELECT day, prefix_key, created, updated, deleted, resolved FROM daily_counts ORDER BY day, prefix_key'), [
      `${day} 0.NA 1 0 1 0`,
      `${day} 88.118 1 0 0 0`,
      `${day} 88.118.8 1 1 0 0`,
      `${day} 88.1180 1 0 0 0`,
    ]);
  });

  run(`registry (${name}): homing reports whether it changed, lists prefixes in key order and names the prefix record`, async (t) => {
    const { engine } = await fixture.open(t);
    const events = heard(engine);
    const home = (prefix: string): RegistryWrite => ({ kind: 'home', prefixKey: prefix.toUpperCase(), prefix, nowSeconds: NOW_SECONDS });
    t.deepEqual(await engine.commit([home('88.118.9'), home('88.118.10'), home('88.118.9')]), [true, true, false]);
    t.deepEqual(await engine.commit([{ kind: 'unhome', prefixKey: '88.118.10' }, { kind: 'unhome', prefixKey: '88.118.77' }]), [true, false]);
    t.deepEqual(events, [['0.NA/88.118.9', '0.NA/88.118.10'], ['0.NA/88.118.10']]);
    t.is(await engine.homedPrefix('88.118.9'), '88.118.9');
    t.is(await engine.homedPrefix('88.118.10'), undefined);
    await engine.commit([home('88.118.10'), home('86.1')]);
    t.deepEqual(await engine.listPrefixes(10, 0), ['86.1', '88.118.10', '88.118.9']);
    t.deepEqual(await engine.listPrefixes(1, 2), ['88.118.9']);
    t.is(await engine.countPrefixes(), 3);
  });

  run(`registry (${name}): onCommitted hears a commit's keys after COMMIT, never before, and before commit() resolves`, async (t) => {
    const key = handle('88.118.8/PUMP-1').key;
    const gone = handle('88.118.8/GONE').key;
    const events: (readonly string[] | null)[] = [];
    let another: RegistryEngine | undefined;
    let atCommit: Promise<{ heard: number; seenByAnother: unknown }> | undefined;
    const under = await fixture.open(t, {
      // Just before COMMIT: nothing heard yet, and another instance cannot see the record. (SQLite runs this hook
      // synchronously inside the transaction: the count and the other connection's read happen before the first await.)
      beforeCommit: () => {
        const other = another;
        if (other === undefined) throw new Error('no other instance yet');
        atCommit = (async () => {
          const heardSoFar = events.length;
          const seen = other.getRecord(key);
          return { heard: heardSoFar, seenByAnother: await seen };
        })();
        return atCommit.then(() => undefined);
      },
    });
    another = await under.another();
    under.engine.onCommitted((keys) => events.push(keys));
    let heardAtResolve = -1;
    const results = await under.engine.commit([insert('88.118.8/PUMP-1'), { kind: 'delete', handleKey: gone, nowSeconds: NOW_SECONDS }]).then((r) => {
      heardAtResolve = events.length;
      return r;
    });
    t.deepEqual(results, [true, false]);
    t.is(heardAtResolve, 1);
    t.deepEqual(events, [[key, gone]]);
    t.deepEqual(await atCommit, { heard: 0, seenByAnother: undefined });
    t.is((await another.getRecord(key))?.handle, '88.118.8/PUMP-1');
  });

  run(`registry (${name}): a write through one instance is heard by another over the same store, which then reads it`, async (t) => {
    const under = await fixture.open(t);
    const other = await under.another();
    const key = handle('88.118.8/PUMP-1').key;
    const otherHeard = nextCommit(other, (keys) => keys === null || keys.includes(key));
    await under.engine.commit([insert('88.118.8/PUMP-1')]);
    const keys = await otherHeard;
    t.deepEqual(keys, [key]);
    t.is((await other.getRecord(key))?.handle, '88.118.8/PUMP-1');
  });
}

test('registry: the suite runs on both engines', (t) => {
  t.deepEqual(ENGINES.map((fixture) => fixture.name), ['sqlite', 'postgres']);
});
