// The `Authorization: Handle …` header parser (reference §6): parameters, quoting, case, percent-decoded id, refusals.

import test from 'ava';
import { parseHandleAuthorization } from '../../src/auth/handle-authorization.js';
import { IdnodeError } from '../../src/errors.js';

const PARSED: ReadonlyArray<{ header: string; expected: Record<string, string> | null }> = [
  { header: 'Basic dXNlcjpwYXNz', expected: null },
  { header: 'Bearer x', expected: null },
  { header: 'Handle', expected: {} },
  { header: 'handle  ', expected: {} },
  { header: 'Handle sessionId="abc"', expected: { sessionId: 'abc' } },
  { header: 'HANDLE SESSIONID="abc"', expected: { sessionId: 'abc' } },
  { header: 'Handle sessionId=abc', expected: { sessionId: 'abc' } },
  { header: 'Handle sessionId = "abc" ,  cnonce="Y24="', expected: { sessionId: 'abc', cnonce: 'Y24=' } },
  {
    header: 'Handle sessionId="s", id="300%3A0.NA%2F88.118.8", type="HS_PUBKEY", cnonce="Y24=", alg="SHA256", signature="c2ln"',
    expected: { sessionId: 's', id: '300:0.NA/88.118.8', type: 'HS_PUBKEY', cnonce: 'Y24=', alg: 'SHA256', signature: 'c2ln' },
  },
  { header: 'Handle id="300:0.NA/%E6%B5%8B"', expected: { id: '300:0.NA/测' } },
  { header: 'Handle sessionId="a\\"b"', expected: { sessionId: 'a"b' } },
  { header: 'Handle sessionId="a,b"', expected: { sessionId: 'a,b' } },
  { header: 'Handle sessionId="abc",', expected: { sessionId: 'abc' } },
  { header: 'Handle sessionId="abc",, cnonce="x" , ', expected: { sessionId: 'abc', cnonce: 'x' } },
  { header: 'Handle x-extension="1", ext2=2, sessionId="abc"', expected: { sessionId: 'abc' } },
  { header: 'Handle version="0", sessionId="abc"', expected: { version: '0', sessionId: 'abc' } },
  // Handle.net checks version only on an answer (credentials.answerIn does too); a session id alone does not depend on it.
  { header: 'Handle version="1", sessionId="abc"', expected: { version: '1', sessionId: 'abc' } },
  // Keys are RFC 9110 tokens, as in Handle.net's pattern; unknown ones are ignored.
  { header: 'Handle x.ext!="1", sessionId="abc"', expected: { sessionId: 'abc' } },
  { header: 'Handle clientCert="true"', expected: { clientCert: 'true' } },
  { header: 'Handle sessionId=""', expected: { sessionId: '' } },
];

for (const c of PARSED) {
  test(`handle authorization: ${JSON.stringify(c.header)} parses`, (t) => {
    t.deepEqual(parseHandleAuthorization(c.header), c.expected);
  });
}

const REFUSED: ReadonlyArray<{ why: string; header: string }> = [
  { why: 'an unclosed quote', header: 'Handle sessionId="abc' },
  { why: 'a quote inside an unquoted value', header: 'Handle sessionId=ab"c' },
  { why: 'two parameters without a comma', header: 'Handle sessionId="a" cnonce="b"' },
  { why: 'a parameter without a value', header: 'Handle sessionId' },
  { why: 'a parameter without a key', header: 'Handle ="abc"' },
  { why: 'a known key given twice', header: 'Handle sessionId="a", SESSIONID="b"' },
  { why: 'an id that is not percent-encoding', header: 'Handle id="300%3A0.NA%2"' },
  { why: 'a header over 8 KiB', header: `Handle sessionId="${'a'.repeat(9000)}"` },
];

for (const c of REFUSED) {
  test(`handle authorization: ${c.why} is refused as failed authentication`, (t) => {
    const error = t.throws(() => parseHandleAuthorization(c.header), { instanceOf: IdnodeError });
    t.is(error?.code, 'AUTHENTICATION_FAILED');
    t.true((error?.message.length ?? 0) > 0);
  });
}
