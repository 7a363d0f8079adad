// Table-driven tests of how JSON scalars are read as Handle.net's Gson reads them (issue 10), and where idnode stops.

import test from 'ava';
import { flagOf, integerOf, javaInteger, textOf } from '../../src/identifier/json-scalars.js';

const INTEGERS: ReadonlyArray<readonly [unknown, number | undefined, string]> = [
  [200, 200, 'a JSON integer'],
  ['200', 200, 'a decimal string'],
  ['+200', 200, 'a plus sign (Java parseInt takes it)'],
  ['-5', -5, 'a minus sign'],
  ['0007', 7, 'leading zeros'],
  ['-0', 0, 'minus zero'],
  [1e2, 100, 'an integer written with an exponent'],
  ['2147483647', 2_147_483_647, 'the largest int'],
  ['-2147483648', -2_147_483_648, 'the smallest int'],
  ['2147483648', undefined, 'beyond 32 bits (Java parseInt refuses it)'],
  [2 ** 31, undefined, 'a JSON number beyond 32 bits (Gson would wrap it)'],
  [1.5, undefined, 'a fraction (Gson would truncate it)'],
  ['1.0', undefined, 'a decimal string with a fraction'],
  ['1e2', undefined, 'a decimal string with an exponent'],
  [' 1', undefined, 'a space'],
  ['', undefined, 'an empty string'],
  ['0x10', undefined, 'hexadecimal'],
  ['\u0661\u0660\u0660', undefined, 'non-ASCII digits (Java takes them; idnode does not)'],
  [true, undefined, 'a boolean'],
  [null, undefined, 'null'],
  [[1], undefined, 'an array'],
];

for (const [input, expected, why] of INTEGERS) {
  test(`json scalars: integerOf ${why}`, (t) => {
    t.is(integerOf(input), expected);
  });
}

test('json scalars: javaInteger reads query text as Java parseInt does', (t) => {
  t.is(javaInteger('+0'), 0);
  t.is(javaInteger(' 0'), null, 'a + in a query is a space');
  t.is(javaInteger('-2147483649'), null);
  t.is(javaInteger('12'), 12);
});

const TEXTS: ReadonlyArray<readonly [unknown, string | undefined, string]> = [
  ['URL', 'URL', 'a string'],
  [1110, '1110', 'an integer'],
  [0, '0', 'zero'],
  [-0, '-0', 'minus zero, as Gson keeps its text'],
  [-42, '-42', 'a negative integer'],
  [1.5, undefined, 'a fraction (its literal text is not known)'],
  [2 ** 53, undefined, 'an integer JavaScript does not hold exactly'],
  [true, undefined, 'a boolean'],
  [null, undefined, 'null'],
  [{}, undefined, 'an object'],
];

for (const [input, expected, why] of TEXTS) {
  test(`json scalars: textOf ${why}`, (t) => {
    t.is(textOf(input), expected);
  });
}

const FLAGS: ReadonlyArray<readonly [unknown, boolean | undefined]> = [
  [true, true],
  [false, false],
  ['true', true],
  ['TRUE', true],
  ['False', false],
  ['yes', undefined],
  ['1', undefined],
  [1, undefined],
  [0, undefined],
  ['', undefined],
  [null, undefined],
];

test('json scalars: flagOf takes booleans and the strings true/false in any case, nothing else', (t) => {
  for (const [input, expected] of FLAGS) t.is(flagOf(input), expected, JSON.stringify(input));
});
