// The handle taken from the raw request path (reference §1 "Path handling"): decoded once, `+` kept, UTF-8 only.

import test from 'ava';
import { ADMIN, basicAuth, startNode } from '../support/node-under-test.js';

/** Upper-cases ASCII letters only, as the node compares handles (reference §1 "Case"). */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

const URL_VALUE = [{ index: 1, type: 'URL', data: 'https://example.cn/x' }];

// [what, path the handle is registered with, handle it stands for, other paths that must resolve to it]
const SPELLINGS: [string, string, string, string[]][] = [
  ['literal /', '88.118/line-3/pump/0007', '88.118/line-3/pump/0007', ['88.118%2Fline-3%2Fpump%2F0007', '88.118/line-3%2fpump/0007']],
  ['%2F', '88.118%2Fa%2Fb', '88.118/a/b', ['88.118/a/b']],
  ['plus', '88.118/a+b', '88.118/a+b', ['88.118/a%2Bb', '88.118/A+B']],
  ['%25', '88.118/100%25', '88.118/100%', ['88.118/100%25']],
  ['%20', '88.118/a%20b', '88.118/a b', ['88.118/A%20B']],
  ['UTF-8 percent-encoded', '88.118/%E6%B3%B5-1', '88.118/泵-1', ['88.118/%e6%b3%b5-1']],
  ['ß percent-encoded', '88.118/stra%C3%9Fe', '88.118/straße', ['88.118/STRA%C3%9FE', '88.118/Stra%c3%9fe']],
];

for (const [what, registerPath, handle, others] of SPELLINGS) {
  test(`raw path: ${what} in the path registers and resolves ${handle}`, async (t) => {
    const node = await startNode(t);
    const created = await node.put(`/api/handles/${registerPath}`, URL_VALUE);
    t.is(created.status, 201, created.text);
    t.is(created.json.handle, handle);
    for (const path of [registerPath, ...others]) {
      const reply = await node.get(`/api/handles/${path}`);
      t.is(reply.status, 200, `GET ${path}`);
      t.is(reply.json.responseCode, 1, `GET ${path}`);
      t.is(asciiUpper(reply.json.handle), asciiUpper(handle), `GET ${path}`);
    }
  });
}

test('raw path: + is not a space and %20 is not +', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/a+b', URL_VALUE)).status, 201);
  t.is((await node.get('/api/handles/88.118/a%20b')).status, 404);
  t.is((await node.put('/api/handles/88.118/c%20d', URL_VALUE)).status, 201);
  const plus = await node.get('/api/handles/88.118/c+d');
  t.is(plus.status, 404);
  t.is(plus.json.responseCode, 100);
});

test('raw path: ß is not folded to SS (ASCII case only)', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/stra%C3%9Fe', URL_VALUE)).status, 201);
  t.is((await node.get('/api/handles/88.118/STRASSE')).status, 404);
  t.is((await node.get('/api/handles/88.118/strasse')).status, 404);
});

test('raw path: a percent-decoded handle is decoded only once', async (t) => {
  const node = await startNode(t);
  t.is((await node.put('/api/handles/88.118/x%252Fy', URL_VALUE)).json?.handle, '88.118/x%2Fy');
  t.is((await node.get('/api/handles/88.118/x/y')).status, 404);
  t.is((await node.get('/api/handles/88.118/x%252Fy')).status, 200);
});

const INVALID: [string, string][] = [
  ['truncated UTF-8 percent-encoding', '88.118/%E6%B3'],
  ['bad percent-encoding', '88.118/%ZZ'],
  ['lone %', '88.118/100%'],
  ['percent-encoded non-UTF-8 byte', '88.118/%FF'],
  ['control character', '88.118/a%01b'],
  ['DEL', '88.118/a%7Fb'],
  ['256 characters', `88.118/${'x'.repeat(249)}`],
  ['empty suffix', '88.118/'],
];

for (const [what, path] of INVALID) {
  test(`raw path: ${what} is 400/102 on GET and PUT`, async (t) => {
    const node = await startNode(t);
    const get = await node.get(`/api/handles/${path}`);
    t.is(get.status, 400, get.text);
    t.is(get.json?.responseCode, 102);
    const put = await node.put(`/api/handles/${path}`, URL_VALUE);
    t.is(put.status, 400, put.text);
    t.is(put.json?.responseCode, 102);
  });
}

test('raw path: raw (unencoded) non-ASCII bytes in the request target are refused with 400', async (t) => {
  const node = await startNode(t);
  // Node's HTTP parser refuses bytes above 0x7F in the request target before the app sees them (RFC 9112 §3.2).
  for (const text of ['88.118/泵-2', '88.118/straße']) {
    const path = `/api/handles/${Buffer.from(text, 'utf8').toString('latin1')}`;
    const { text: answer } = await node.rawExchange(`GET ${path} HTTP/1.1\r\nHost: idnode\r\nConnection: close\r\n\r\n`);
    t.regex(answer, /^HTTP\/1\.1 400 /, text);
  }
});

test('raw path: a 255-character handle is accepted', async (t) => {
  const node = await startNode(t);
  const handle = `88.118/${'x'.repeat(248)}`;
  t.is(handle.length, 255);
  const put = await node.put(`/api/handles/${handle}`, URL_VALUE);
  t.is(put.status, 201, put.text);
  t.is((await node.get(`/api/handles/${handle}`)).json.handle, handle);
});

test('raw path: the length limit counts characters, not bytes', async (t) => {
  const node = await startNode(t);
  const suffix = '泵'.repeat(248);
  const put = await node.put(`/api/handles/88.118/${encodeURIComponent(suffix)}`, URL_VALUE);
  t.is(put.status, 201, put.text);
  const tooLong = await node.put(`/api/handles/88.118/${encodeURIComponent(`${suffix}泵`)}`, URL_VALUE);
  t.is(tooLong.status, 400);
  t.is(tooLong.json?.responseCode, 102);
});

test('raw path: one leading / after /api/handles/ is removed, a second is not', async (t) => {
  const node = await startNode(t);
  const created = await node.put('/api/handles//88.118/lead', URL_VALUE);
  t.is(created.status, 201, created.text);
  t.is(created.json.handle, '88.118/lead');
  const resolved = await node.get('/api/handles//88.118/lead');
  t.is(resolved.status, 200);
  t.is(resolved.json.handle, '88.118/lead');
  const encoded = await node.get('/api/handles/%2F88.118/lead');
  t.is(encoded.status, 200);
  const twice = await node.get('/api/handles///88.118/lead');
  t.is(twice.status, 400);
  t.is(twice.json?.responseCode, 102);
});

test('raw path: an absolute-form request target (RFC 9112 §3.2.2) names the same handle as its origin form', async (t) => {
  const node = await startNode(t);
  const body = JSON.stringify(URL_VALUE);
  const put = await node.rawExchange(
    `PUT http://idnode.example:8000/api/handles/88.118/ABS%2Fone HTTP/1.1\r\nHost: idnode\r\nAuthorization: ${basicAuth(ADMIN.identity, ADMIN.secret)}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  t.regex(put.text, /^HTTP\/1\.1 201 /, put.text);
  t.true(put.text.endsWith('{"responseCode":1,"handle":"88.118/ABS/one"}'), put.text);
  t.is((await node.get('/api/handles/88.118/ABS/one')).status, 200);
  const get = await node.rawExchange('GET HTTP://idnode/api/handles/88.118/abs/ONE?type=URL HTTP/1.1\r\nHost: idnode\r\nConnection: close\r\n\r\n');
  t.regex(get.text, /^HTTP\/1\.1 200 /, get.text);
  t.regex(get.text, /"handle":"88.118\/abs\/ONE"/);
  const ops = await node.rawExchange('GET http://idnode/healthz HTTP/1.1\r\nHost: idnode\r\nConnection: close\r\n\r\n');
  t.regex(ops.text, /^HTTP\/1\.1 200 /, ops.text);
});
