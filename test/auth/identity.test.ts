// Identities `index:handle` and Basic credentials parsed as reference §6 says.

import test from 'ava';
import { identityText, parseBasicAuthorization, parseIdentity } from '../../src/auth/identity.js';
import { IdnodeError } from '../../src/errors.js';
import { RULE } from './records.js';

function basic(text: string | Buffer): string {
  return `Basic ${Buffer.from(text).toString('base64')}`;
}

const PARSED: [name: string, header: string, index: number, display: string, key: string, secret: string][] = [
  ['a percent-encoded identity', basic('300%3A0.NA%2F88.118:secret-0001'), 300, '0.NA/88.118', '0.NA/88.118', 'secret-0001'],
  ['a raw slash in the identity', basic('300%3A0.NA/88.118.8:pw'), 300, '0.NA/88.118.8', '0.NA/88.118.8', 'pw'],
  ['%3A inside the handle', basic('300%3A88.118.8%2FA%3AB:pw'), 300, '88.118.8/A:B', '88.118.8/A:B', 'pw'],
  ['+ stays +', basic('300%3A88.118.8/a+b:pw'), 300, '88.118.8/a+b', '88.118.8/A+B', 'pw'],
  ['%2B decodes to +', basic('300%3A88.118.8/a%2Bb:pw'), 300, '88.118.8/a+b', '88.118.8/A+B', 'pw'],
  ['%25 decodes to %', basic('300%3A88.118.8/50%25:pw'), 300, '88.118.8/50%', '88.118.8/50%', 'pw'],
  ['no numeric index means index 0', basic('0.NA%2F88.118.8:pw'), 0, '0.NA/88.118.8', '0.NA/88.118.8', 'pw'],
  ['a slash-less identity names a prefix record', basic('300%3A88.118.8:pw'), 300, '0.NA/88.118.8', '0.NA/88.118.8', 'pw'],
  ['the secret keeps its colons', basic('300%3A0.NA%2F88.118:pw:with:colons'), 300, '0.NA/88.118', '0.NA/88.118', 'pw:with:colons'],
  ['the secret is not percent-decoded', basic('300%3A0.NA%2F88.118:p%3Aw+'), 300, '0.NA/88.118', '0.NA/88.118', 'p%3Aw+'],
  ['a UTF-8 secret', basic('300%3A0.NA%2F88.118:密码-secret'), 300, '0.NA/88.118', '0.NA/88.118', '密码-secret'],
  ['a UTF-8 suffix', basic('300%3A88.118.8%2F%E6%B3%B5-1:pw'), 300, '88.118.8/泵-1', '88.118.8/泵-1', 'pw'],
  ['lower case spelling keeps its display, canonical key is upper case', basic('300%3A0.na%2F88.118.8:pw'), 300, '0.na/88.118.8', '0.NA/88.118.8', 'pw'],
  ['the scheme is case-insensitive', `bAsIc ${Buffer.from('300%3A0.NA%2F88.118:pw').toString('base64')}`, 300, '0.NA/88.118', '0.NA/88.118', 'pw'],
  ['the largest index', basic('2147483647%3A0.NA%2F88.118:pw'), 2_147_483_647, '0.NA/88.118', '0.NA/88.118', 'pw'],
  // Handle.net decodes the URL-safe alphabet too (commons-codec).
  ['URL-safe base64', `Basic ${Buffer.from('300%3A0.NA%2F88.118:pw??>').toString('base64url')}`, 300, '0.NA/88.118', '0.NA/88.118', 'pw??>'],
];

for (const [name, header, index, display, key, secret] of PARSED) {
  test(`parseBasicAuthorization: ${name}`, (t) => {
    const credentials = parseBasicAuthorization(header, RULE);
    t.is(credentials?.identity.index, index);
    t.is(credentials?.identity.handle.display, display);
    t.is(credentials?.identity.handle.key, key);
    t.is(credentials?.secret, secret);
  });
}

test('parseBasicAuthorization: other schemes are not Basic credentials', (t) => {
  for (const header of ['Bearer abc.def', 'Handle sessionId="abc"', 'Digest username="x"', 'Basically not', '']) {
    t.is(parseBasicAuthorization(header, RULE), null, header);
  }
});

const MALFORMED: [name: string, header: string][] = [
  ['the bare scheme', 'Basic'],
  ['non-base64 text', 'Basic !!!'],
  ['no colon', basic('300%3A0.NA%2F88.118')],
  ['an empty identity', basic(':secret')],
  ['invalid percent-encoding', basic('300%3A0.NA%2F88.118%ZZ:pw')],
  ['bytes that are not UTF-8', basic(Buffer.from([0xff, 0xfe, 0x3a, 0x41]))],
  ['an empty handle after the index', basic('300%3A:pw')],
  ['an index beyond 2^31-1', basic('2147483648%3A0.NA%2F88.118:pw')],
  ['a control character in the handle', basic('300%3A0.NA%2F88.118%0A:pw')],
  ['an empty suffix', basic('300%3A88.118.8%2F:pw')],
  ['a trailing junk token', `Basic ${Buffer.from('300%3A0.NA%2F88.118:pw').toString('base64')} extra`],
];

for (const [name, header] of MALFORMED) {
  test(`parseBasicAuthorization: ${name} is AUTHENTICATION_FAILED`, (t) => {
    const error = t.throws(() => parseBasicAuthorization(header, RULE), { instanceOf: IdnodeError });
    t.is(error?.code, 'AUTHENTICATION_FAILED');
  });
}

test('parseIdentity: index:handle, a bare handle is index 0, and identityText round-trips', (t) => {
  const numbered = parseIdentity('300:0.NA/88.118.8', RULE);
  t.is(numbered.index, 300);
  t.is(numbered.handle.key, '0.NA/88.118.8');
  t.is(identityText(numbered), '300:0.NA/88.118.8');
  const bare = parseIdentity('88.118.8/DEVICE-1', RULE);
  t.is(bare.index, 0);
  t.is(bare.handle.key, '88.118.8/DEVICE-1');
  t.is(identityText(bare), '0:88.118.8/DEVICE-1');
});

test('parseIdentity: an invalid handle or index is AUTHENTICATION_FAILED', (t) => {
  for (const text of ['300:', '9999999999:0.NA/88.118', '300:88.118.8/', '300:88..118/X', '']) {
    const error = t.throws(() => parseIdentity(text, RULE), { instanceOf: IdnodeError }, text);
    t.is(error?.code, 'AUTHENTICATION_FAILED', text);
  }
});
