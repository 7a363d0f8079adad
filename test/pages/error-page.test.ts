// The html dialect's error page: the catalog's status and code, every text escaped, nothing the default CSP forbids.

import test from 'ava';
import { IdnodeError } from '../../src/errors.js';
import { HTML_TYPE, renderError } from '../../src/http/answer.js';
import { errorPage } from '../../src/pages/error-page.js';

test('error page: renderError in the html dialect is a small page with the catalog status and code, message escaped', (t) => {
  const answer = renderError(new IdnodeError('BAD_REQUEST', 'bad <script>alert(1)</script> "x"'), 'html');
  t.is(answer.status, 400);
  t.is(answer.contentType, HTML_TYPE);
  t.regex(answer.body, /^<!doctype html>/);
  t.regex(answer.body, /<meta name="idnode-error" content="BAD_REQUEST">/);
  t.true(answer.body.includes('bad &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot;'));
  t.false(/<script/i.test(answer.body));
  // Unstyled: the node's default Content-Security-Policy (default-src 'none') forbids an inline stylesheet.
  t.false(answer.body.includes('<style'));
});

test('error page: a 5xx says only the catalog text; JSON dialects keep their content type', (t) => {
  const internal = renderError(new IdnodeError('INTERNAL', 'stack trace at /secret/path'), 'html');
  t.is(internal.status, 500);
  t.false(internal.body.includes('/secret/path'));
  t.true(internal.body.includes('Internal Server Error'));
  t.regex(renderError('RATE_LIMITED', 'handle').contentType, /^application\/json/);
  t.regex(renderError('RATE_LIMITED', 'plain').contentType, /^application\/json/);
});

test('error page: localized titles for the proxy\'s codes, styled only when asked', (t) => {
  const zh = errorPage({ status: 404, code: 'HANDLE_NOT_FOUND', message: '没有 <b>', language: 'zh', styled: true });
  t.true(zh.includes('<html lang="zh-CN">'));
  t.true(zh.includes('<h1>未找到该标识</h1>'));
  t.true(zh.includes('没有 &lt;b&gt;'));
  t.true(zh.includes('<style>'));
  t.true(errorPage({ status: 418, code: 'X', message: 'm' }).includes("<h1>I'm a Teapot</h1>".replace("'", '&#39;')));
});
