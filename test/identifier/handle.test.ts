// Table-driven tests of handle syntax, canonical keys under both case rules and prefix ancestry (reference §1).

import test from 'ava';
import type { ExecutionContext } from 'ava';
import { IdnodeError, type ErrorCode } from '../../src/errors.js';
import {
  asciiUpper,
  equalsAsciiIgnoreCase,
  handleKeyOf,
  isAncestorPrefix,
  isSameOrAncestorPrefix,
  MAX_HANDLE_CHARS,
  MAX_PREFIX_CHARS,
  parentPrefix,
  parseHandle,
  prefixKeyOf,
  prefixOfPrefixRecord,
  prefixRecordHandle,
  type CaseRule,
} from '../../src/identifier/handle.js';

const INSENSITIVE: CaseRule = { suffixCaseSensitive: false };
const SENSITIVE: CaseRule = { suffixCaseSensitive: true };
const RULES: ReadonlyArray<readonly [string, CaseRule]> = [
  ['suffixCaseSensitive=false', INSENSITIVE],
  ['suffixCaseSensitive=true', SENSITIVE],
];

function throwsCode(t: ExecutionContext, fn: () => unknown, code: ErrorCode, label: string): void {
  const error = t.throws(fn, { instanceOf: IdnodeError }, label);
  t.is(error?.code, code, label);
}

/** A string of `count` repetitions of `unit`. */
function repeat(unit: string, count: number): string {
  return unit.repeat(count);
}

// ---------------------------------------------------------------------------------------------------
// Splitting

const SPLITS: ReadonlyArray<{ input: string; prefix: string; suffix: string; why: string }> = [
  { input: '88.118.8/pump-1', prefix: '88.118.8', suffix: 'pump-1', why: 'plain handle' },
  { input: '88.118.8/line-3/pump/0007', prefix: '88.118.8', suffix: 'line-3/pump/0007', why: 'suffix keeps later slashes' },
  { input: '88/a.b.c', prefix: '88', suffix: 'a.b.c', why: 'suffix may hold dots' },
  { input: '88/a b  c', prefix: '88', suffix: 'a b  c', why: 'suffix may hold spaces' },
  { input: '88/50%25+off', prefix: '88', suffix: '50%25+off', why: 'suffix keeps % and + literally' },
  { input: '88/ leading-and-trailing ', prefix: '88', suffix: ' leading-and-trailing ', why: 'suffix keeps edge spaces' },
  { input: '88//x', prefix: '88', suffix: '/x', why: 'suffix may begin with a slash' },
  { input: '88/x/', prefix: '88', suffix: 'x/', why: 'suffix may end with a slash' },
  { input: '88/设备-001', prefix: '88', suffix: '设备-001', why: 'suffix may be non-ASCII' },
  { input: '88/\u{1F600}', prefix: '88', suffix: '\u{1F600}', why: 'suffix may hold astral characters' },
  { input: '88/\u00a0', prefix: '88', suffix: '\u00a0', why: 'suffix may be a no-break space' },
  { input: '88.中/x', prefix: '88.中', suffix: 'x', why: 'prefix may be non-ASCII' },
  { input: '0.NA/88.118', prefix: '0.NA', suffix: '88.118', why: 'prefix record handle' },
  { input: '0.0/0.0', prefix: '0.0', suffix: '0.0', why: 'trust root' },
];

for (const c of SPLITS) {
  test(`handle: first slash splits prefix from suffix (${c.why})`, (t) => {
    for (const [name, rule] of RULES) {
      const handle = parseHandle(c.input, rule);
      t.is(handle.prefix, c.prefix, name);
      t.is(handle.suffix, c.suffix, name);
      t.is(handle.display, c.input, `${name}: display keeps the caller's spelling`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Canonical keys

const KEYS: ReadonlyArray<{ input: string; insensitive: string; sensitive: string; why: string }> = [
  { input: '88.118/pump-1', insensitive: '88.118/PUMP-1', sensitive: '88.118/pump-1', why: 'lower-case suffix' },
  { input: '88.118/PUMP-1', insensitive: '88.118/PUMP-1', sensitive: '88.118/PUMP-1', why: 'upper-case suffix' },
  { input: '88.abc/MiXeD', insensitive: '88.ABC/MIXED', sensitive: '88.ABC/MiXeD', why: 'prefix is always upper-cased' },
  { input: 'abc/x', insensitive: 'ABC/X', sensitive: 'ABC/x', why: 'alphabetic top-level prefix' },
  { input: '0.na/88.abc', insensitive: '0.NA/88.ABC', sensitive: '0.NA/88.ABC', why: '0.NA handles ignore case' },
  { input: '0.NA/88.Abc.d', insensitive: '0.NA/88.ABC.D', sensitive: '0.NA/88.ABC.D', why: '0.NA derived prefix' },
  { input: '0.na/0.na', insensitive: '0.NA/0.NA', sensitive: '0.NA/0.NA', why: 'root prefix handle' },
  { input: '0.0/abc', insensitive: '0.0/ABC', sensitive: '0.0/ABC', why: 'any 0. prefix ignores case' },
  { input: '0.Foo/bar', insensitive: '0.FOO/BAR', sensitive: '0.FOO/BAR', why: '0.<letters> prefix ignores case' },
  { input: '0/abc', insensitive: '0/ABC', sensitive: '0/abc', why: 'prefix 0 without dot is not special' },
  { input: '10.1000/abc/def', insensitive: '10.1000/ABC/DEF', sensitive: '10.1000/abc/def', why: 'slashes inside the suffix' },
  { input: '88/straße', insensitive: '88/STRAßE', sensitive: '88/straße', why: 'ß is not folded' },
  { input: '88/café', insensitive: '88/CAFé', sensitive: '88/café', why: 'é is not folded' },
  { input: '88/ÉCOLE', insensitive: '88/ÉCOLE', sensitive: '88/ÉCOLE', why: 'É is not lowered either' },
  { input: '88/ıd', insensitive: '88/ıD', sensitive: '88/ıd', why: 'dotless i is not folded' },
  { input: '88/ﬁle', insensitive: '88/ﬁLE', sensitive: '88/ﬁle', why: 'ligature is not expanded' },
  { input: '88/ａｂ', insensitive: '88/ａｂ', sensitive: '88/ａｂ', why: 'full-width letters are not folded' },
  { input: '88/ωmega', insensitive: '88/ωMEGA', sensitive: '88/ωmega', why: 'Greek is not folded' },
  { input: '88.é/x', insensitive: '88.é/X', sensitive: '88.é/x', why: 'non-ASCII prefix letter is not folded' },
  { input: '88/a-z_0-9', insensitive: '88/A-Z_0-9', sensitive: '88/a-z_0-9', why: 'digits and punctuation unchanged' },
];

for (const c of KEYS) {
  test(`handle: canonical key of ${JSON.stringify(c.input)} (${c.why})`, (t) => {
    t.is(parseHandle(c.input, INSENSITIVE).key, c.insensitive, 'suffixCaseSensitive=false');
    t.is(parseHandle(c.input, SENSITIVE).key, c.sensitive, 'suffixCaseSensitive=true');
    t.is(handleKeyOf(c.input, INSENSITIVE), c.insensitive, 'handleKeyOf, suffixCaseSensitive=false');
    t.is(handleKeyOf(c.input, SENSITIVE), c.sensitive, 'handleKeyOf, suffixCaseSensitive=true');
  });
}

test('handle: prefixKey is the ASCII upper-cased prefix under both rules', (t) => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['88.abc/x', '88.ABC'],
    ['0.na/88', '0.NA'],
    ['88.é/x', '88.é'],
    ['Ab.cD/x', 'AB.CD'],
  ];
  for (const [input, prefixKey] of cases) {
    for (const [name, rule] of RULES) t.is(parseHandle(input, rule).prefixKey, prefixKey, `${input} ${name}`);
  }
});

test('handle: spellings that differ only in ASCII case share one key when case-insensitive', (t) => {
  const groups: ReadonlyArray<readonly string[]> = [
    ['88.118/pump', '88.118/PUMP', '88.118/Pump', '88.118/pUmP'],
    ['88.abc/x', '88.ABC/x', '88.Abc/X'],
    ['0.na/88.x', '0.NA/88.X', '0.Na/88.x'],
  ];
  for (const group of groups) {
    const keys = new Set(group.map((input) => parseHandle(input, INSENSITIVE).key));
    t.is(keys.size, 1, group.join(' '));
  }
});

test('handle: suffixes that differ in case stay distinct when case-sensitive, prefixes do not', (t) => {
  t.not(parseHandle('88.118/pump', SENSITIVE).key, parseHandle('88.118/PUMP', SENSITIVE).key, 'suffix case matters');
  t.is(parseHandle('88.abc/pump', SENSITIVE).key, parseHandle('88.ABC/pump', SENSITIVE).key, 'prefix case does not');
  t.is(parseHandle('0.na/88.x', SENSITIVE).key, parseHandle('0.NA/88.X', SENSITIVE).key, '0.NA handles never do');
});

test('handle: non-ASCII letters differing in case give different keys under both rules', (t) => {
  const pairs: ReadonlyArray<readonly [string, string]> = [
    ['88/é', '88/É'],
    ['88/ß', '88/SS'],
    ['88/ß', '88/ẞ'],
    ['88/ω', '88/Ω'],
    ['88/ı', '88/I'],
  ];
  for (const [a, b] of pairs) {
    for (const [name, rule] of RULES) t.not(parseHandle(a, rule).key, parseHandle(b, rule).key, `${a} vs ${b} ${name}`);
  }
});

// ---------------------------------------------------------------------------------------------------
// Slash-less input

const SLASHLESS: ReadonlyArray<{ input: string; key: string }> = [
  { input: '88.118.8', key: '0.NA/88.118.8' },
  { input: '88', key: '0.NA/88' },
  { input: '88.abc', key: '0.NA/88.ABC' },
  { input: 'ABC.def', key: '0.NA/ABC.DEF' },
  { input: '0.NA', key: '0.NA/0.NA' },
  { input: '88.é', key: '0.NA/88.é' },
];

for (const c of SLASHLESS) {
  test(`handle: slash-less ${JSON.stringify(c.input)} means the prefix record 0.NA/<name>`, (t) => {
    for (const [name, rule] of RULES) {
      const handle = parseHandle(c.input, rule);
      t.is(handle.key, c.key, `${name}: key`);
      t.is(handle.prefixKey, '0.NA', `${name}: prefixKey`);
      t.is(handle.suffix, c.input, `${name}: suffix is the name as written`);
      t.is(prefixOfPrefixRecord(handle), c.input, `${name}: prefixOfPrefixRecord`);
    }
  });
}

test('handle: slash-less input is checked as a prefix', (t) => {
  const bad = ['88 118', '88..1', '.88', '88.', repeat('a', MAX_PREFIX_CHARS + 1), '88\u0000'];
  for (const input of bad) {
    for (const [name, rule] of RULES) throwsCode(t, () => parseHandle(input, rule), 'INVALID_HANDLE', `${JSON.stringify(input)} ${name}`);
  }
  t.is(parseHandle(repeat('a', MAX_PREFIX_CHARS), INSENSITIVE).key, `0.NA/${repeat('A', MAX_PREFIX_CHARS)}`, '64-char name accepted');
});

// ---------------------------------------------------------------------------------------------------
// Invalid handles

const INVALID: ReadonlyArray<{ input: string; why: string }> = [
  { input: '', why: 'empty' },
  { input: '/abc', why: 'empty prefix' },
  { input: '88/', why: 'empty suffix' },
  { input: '/', why: 'a lone slash' },
  { input: '88..118/x', why: 'empty middle prefix segment' },
  { input: '.88/x', why: 'empty first prefix segment' },
  { input: '88./x', why: 'empty last prefix segment' },
  { input: './x', why: 'prefix is a lone dot' },
  { input: '88 118/x', why: 'space in prefix' },
  { input: ' 88/x', why: 'leading space in prefix' },
  { input: '88 /x', why: 'trailing space in prefix' },
  { input: '88\u00a0118/x', why: 'no-break space in prefix' },
  { input: '88\u3000118/x', why: 'ideographic space in prefix' },
  { input: '88\u2028/x', why: 'line separator in prefix' },
  { input: '88\t/x', why: 'tab in prefix' },
  { input: '88\u0000/x', why: 'NUL in prefix' },
  { input: '88/a\u0000b', why: 'NUL in suffix' },
  { input: '88/a\u0001', why: 'SOH in suffix' },
  { input: '88/a\tb', why: 'tab in suffix' },
  { input: '88/a\nb', why: 'newline in suffix' },
  { input: '88/a\rb', why: 'carriage return in suffix' },
  { input: '88/\u001f', why: 'unit separator in suffix' },
  { input: '88/\u007f', why: 'DEL in suffix' },
  { input: '88/\u0080', why: 'C1 start in suffix' },
  { input: '88/\u0085', why: 'NEL in suffix' },
  { input: '88/\u009f', why: 'C1 end in suffix' },
  { input: '88/\ud800', why: 'lone high surrogate at end' },
  { input: '88/\ud800x', why: 'lone high surrogate before a letter' },
  { input: '88/\udc00', why: 'lone low surrogate' },
  { input: '88/x\udfff', why: 'lone low surrogate after a letter' },
  { input: '88/\udc00\ud800', why: 'surrogates in the wrong order' },
  { input: '88/\ud800\ud800\udc00', why: 'high surrogate followed by a pair' },
  { input: '88\ud800/x', why: 'lone surrogate in prefix' },
  { input: '0.NA/88 x', why: 'prefix record of a prefix with a space' },
  { input: '0.NA/88..x', why: 'prefix record of a prefix with an empty segment' },
  { input: '0.NA/88/x', why: 'prefix record whose prefix holds a slash' },
  { input: '0.na/.88', why: 'prefix record of a prefix starting with a dot' },
  { input: `0.NA/${repeat('1', MAX_PREFIX_CHARS + 1)}`, why: 'prefix record of a 65-character prefix' },
];

for (const c of INVALID) {
  test(`handle: rejects ${c.why}`, (t) => {
    for (const [name, rule] of RULES) {
      throwsCode(t, () => parseHandle(c.input, rule), 'INVALID_HANDLE', name);
      throwsCode(t, () => handleKeyOf(c.input, rule), 'INVALID_HANDLE', `handleKeyOf ${name}`);
    }
  });
}

test('handle: rejected handles raise INVALID_HANDLE with responseCode 102', (t) => {
  const error = t.throws(() => parseHandle('88/', INSENSITIVE), { instanceOf: IdnodeError });
  t.is(error?.entry.responseCode, 102);
  t.is(error?.entry.httpStatus, 400);
});

// ---------------------------------------------------------------------------------------------------
// Length limits (code points, not UTF-16 units)

test('handle: the 255-character and 64-character limits are the documented ones', (t) => {
  t.is(MAX_HANDLE_CHARS, 255);
  t.is(MAX_PREFIX_CHARS, 64);
});

const LENGTHS: ReadonlyArray<{ why: string; input: string; ok: boolean }> = [
  { why: '255 ASCII characters', input: `88/${repeat('a', 252)}`, ok: true },
  { why: '256 ASCII characters', input: `88/${repeat('a', 253)}`, ok: false },
  { why: '255 code points of which 252 are astral (507 UTF-16 units)', input: `88/${repeat('\u{1F600}', 252)}`, ok: true },
  { why: '256 code points with astral characters', input: `88/${repeat('\u{1F600}', 253)}`, ok: false },
  { why: '255 code points of CJK', input: `88/${repeat('设', 252)}`, ok: true },
  { why: '64-character prefix in a 255-character handle', input: `${repeat('1', 64)}/${repeat('x', 190)}`, ok: true },
  { why: '64-character prefix in a 256-character handle', input: `${repeat('1', 64)}/${repeat('x', 191)}`, ok: false },
  { why: '65-character prefix', input: `${repeat('1', 65)}/x`, ok: false },
  { why: '64 astral code points in the prefix', input: `${repeat('\u{1F600}', 64)}/x`, ok: true },
  { why: '65 astral code points in the prefix', input: `${repeat('\u{1F600}', 65)}/x`, ok: false },
  { why: '64-character dotted prefix', input: `${repeat('1.', 31)}12/x`, ok: true },
  { why: 'prefix record of a 64-character prefix', input: `0.NA/${repeat('a', 64)}`, ok: true },
];

for (const c of LENGTHS) {
  test(`handle: length limit, ${c.why} is ${c.ok ? 'accepted' : 'rejected'}`, (t) => {
    for (const [name, rule] of RULES) {
      if (c.ok) t.is(parseHandle(c.input, rule).display, c.input, name);
      else throwsCode(t, () => parseHandle(c.input, rule), 'INVALID_HANDLE', name);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// prefixKeyOf

const PREFIX_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['88', '88'],
  ['88.118.8', '88.118.8'],
  ['88.abc', '88.ABC'],
  ['0.na', '0.NA'],
  ['abc.Def.GHI', 'ABC.DEF.GHI'],
  ['88.straße', '88.STRAßE'],
  ['88.é', '88.é'],
  ['88-x_y', '88-X_Y'],
  [repeat('a', 64), repeat('A', 64)],
  [repeat('é', 64), repeat('é', 64)],
];

test('prefix: prefixKeyOf upper-cases ASCII letters only', (t) => {
  for (const [input, key] of PREFIX_KEYS) t.is(prefixKeyOf(input), key, JSON.stringify(input));
});

const BAD_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['', 'empty'],
  ['88/118', 'slash'],
  ['88/', 'trailing slash'],
  ['88..1', 'empty segment'],
  ['.88', 'leading dot'],
  ['88.', 'trailing dot'],
  ['.', 'lone dot'],
  ['88 1', 'space'],
  ['88\t1', 'tab'],
  ['88\u00a0', 'no-break space'],
  ['88\u0000', 'NUL'],
  ['88\u007f', 'DEL'],
  ['88\u0090', 'C1 control'],
  ['88\ud800', 'lone surrogate'],
  [repeat('a', 65), '65 characters'],
  [repeat('\u{1F600}', 65), '65 astral code points'],
];

test('prefix: prefixKeyOf rejects malformed prefixes with INVALID_HANDLE', (t) => {
  for (const [input, why] of BAD_PREFIXES) throwsCode(t, () => prefixKeyOf(input), 'INVALID_HANDLE', why);
});

// ---------------------------------------------------------------------------------------------------
// Prefix record helpers

test('prefix: prefixRecordHandle builds 0.NA/<prefix> and checks the prefix', (t) => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['88.118', '0.NA/88.118'],
    ['88.abc', '0.NA/88.ABC'],
    ['0.NA', '0.NA/0.NA'],
  ];
  for (const [prefix, key] of cases) {
    for (const [name, rule] of RULES) {
      const handle = prefixRecordHandle(prefix, rule);
      t.is(handle.key, key, `${prefix} ${name}`);
      t.is(handle.suffix, prefix, `${prefix} ${name}: suffix`);
    }
  }
  for (const bad of ['', '88 1', '88/x', '88..1', repeat('1', 65)]) {
    throwsCode(t, () => prefixRecordHandle(bad, INSENSITIVE), 'INVALID_HANDLE', JSON.stringify(bad));
  }
});

test('prefix: prefixOfPrefixRecord answers only for 0.NA handles', (t) => {
  const cases: ReadonlyArray<readonly [string, string | null]> = [
    ['0.NA/88.118', '88.118'],
    ['0.na/88.abc', '88.abc'],
    ['88.118/x', null],
    ['0.0/0.0', null],
    ['0.NAX/88', null],
    ['10.NA/88', null],
  ];
  for (const [input, expected] of cases) t.is(prefixOfPrefixRecord(parseHandle(input, INSENSITIVE)), expected, input);
});

// ---------------------------------------------------------------------------------------------------
// asciiUpper / equalsAsciiIgnoreCase

const UPPER: ReadonlyArray<readonly [string, string]> = [
  ['', ''],
  ['abc', 'ABC'],
  ['ABC', 'ABC'],
  ['a1-b2_c3', 'A1-B2_C3'],
  ['ß', 'ß'],
  ['straße', 'STRAßE'],
  ['é', 'é'],
  ['café', 'CAFé'],
  ['ı', 'ı'],
  ['ﬁ', 'ﬁ'],
  ['ǆ', 'ǆ'],
  ['ω', 'ω'],
  ['ａ', 'ａ'],
  ['µ', 'µ'],
  ['ÿ', 'ÿ'],
  ['\u{1F600}a', '\u{1F600}A'],
  ['a\u0000b', 'A\u0000B'],
  ['{|}~`@[', '{|}~`@['],
];

test('ascii: asciiUpper changes a-z and nothing else', (t) => {
  for (const [input, expected] of UPPER) t.is(asciiUpper(input), expected, JSON.stringify(input));
});

test('ascii: equalsAsciiIgnoreCase ignores ASCII case only', (t) => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ['abc', 'ABC', true],
    ['88.abc/x', '88.ABC/X', true],
    ['', '', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['é', 'É', false],
    ['ß', 'SS', false],
    ['straße', 'STRASSE', false],
    ['ı', 'I', false],
  ];
  for (const [a, b, expected] of cases) t.is(equalsAsciiIgnoreCase(a, b), expected, `${a} vs ${b}`);
});

// ---------------------------------------------------------------------------------------------------
// Prefix ancestry

test('prefix: parentPrefix removes the last segment', (t) => {
  const cases: ReadonlyArray<readonly [string, string | null]> = [
    ['88.118.8', '88.118'],
    ['88.118', '88'],
    ['88', null],
    ['88.Abc.d', '88.Abc'],
    ['88.118.8.1.2', '88.118.8.1'],
    ['abc', null],
  ];
  for (const [input, expected] of cases) t.is(parentPrefix(input), expected, input);
});

test('prefix: walking parentPrefix reaches the top-level prefix', (t) => {
  const chain: string[] = [];
  for (let p: string | null = '88.118.8.1'; p !== null; p = parentPrefix(p)) chain.push(p);
  t.deepEqual(chain, ['88.118.8.1', '88.118.8', '88.118', '88']);
});

const ANCESTRY: ReadonlyArray<{ ancestor: string; descendant: string; same: boolean; strict: boolean }> = [
  { ancestor: '88.118.8', descendant: '88.118.8.1', same: true, strict: true },
  { ancestor: '88.118.8', descendant: '88.118.80', same: false, strict: false },
  { ancestor: '88.118.8', descendant: '88.118.80.1', same: false, strict: false },
  { ancestor: '88.118.8', descendant: '88.118.8', same: true, strict: false },
  { ancestor: '88', descendant: '88.118.8.1', same: true, strict: true },
  { ancestor: '88', descendant: '880', same: false, strict: false },
  { ancestor: '88', descendant: '880.1', same: false, strict: false },
  { ancestor: '8', descendant: '88', same: false, strict: false },
  { ancestor: '88.118.8.1', descendant: '88.118.8', same: false, strict: false },
  { ancestor: '88.118', descendant: '88.119.1', same: false, strict: false },
  { ancestor: '88.118', descendant: '89.118', same: false, strict: false },
  { ancestor: '88.abc', descendant: '88.ABC.1', same: true, strict: true },
  { ancestor: '88.ABC', descendant: '88.abc', same: true, strict: false },
  { ancestor: '88.Abc', descendant: '88.aBC', same: true, strict: false },
  { ancestor: '88.abc', descendant: '88.abcd', same: false, strict: false },
  { ancestor: '88.é', descendant: '88.É.1', same: false, strict: false },
  { ancestor: '88.1', descendant: '88.10', same: false, strict: false },
  { ancestor: '88.1', descendant: '88.1.0', same: true, strict: true },
];

for (const c of ANCESTRY) {
  test(`prefix: ${c.ancestor} vs ${c.descendant} ancestry is by whole segments`, (t) => {
    t.is(isSameOrAncestorPrefix(c.ancestor, c.descendant), c.same, 'isSameOrAncestorPrefix');
    t.is(isAncestorPrefix(c.ancestor, c.descendant), c.strict, 'isAncestorPrefix');
  });
}
