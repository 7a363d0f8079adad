// The stored HS_SECKEY form: PBKDF2-HMAC-SHA1 hash, verification, recognition.

import test from 'ava';
import { decodeSecretHash, hashSecret, isSecretHash, verifySecret } from '../../src/auth/secret-hash.js';

// The smallest iteration count config allows: hashing stays fast in tests and the form is the same.
const ITERATIONS = 1000;
const SECRET = 'enterprise-secret-0001';

test('secret hash: a hashed secret verifies, a wrong one does not', async (t) => {
  const stored = await hashSecret(SECRET, ITERATIONS);
  t.true(await verifySecret(SECRET, stored));
  for (const wrong of ['', 'enterprise-secret-0002', `${SECRET} `, SECRET.toUpperCase(), SECRET.slice(0, -1)]) {
    t.false(await verifySecret(wrong, stored), JSON.stringify(wrong));
  }
});

test('secret hash: UTF-8 secrets round-trip', async (t) => {
  const stored = await hashSecret('密码-🔑-secret', ITERATIONS);
  t.true(await verifySecret('密码-🔑-secret', stored));
  t.false(await verifySecret('密码-secret', stored));
});

test('secret hash: the stored form never contains the secret', async (t) => {
  const stored = await hashSecret(SECRET, ITERATIONS);
  t.false(stored.includes(SECRET));
  t.false(stored.includes(Buffer.from(SECRET).toString('base64')));
  t.false(stored.includes(Buffer.from(SECRET).toString('hex')));
  t.regex(stored, /^pbkdf2-hmac-sha1:1000:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/);
});

test('secret hash: the same secret hashes differently each time (random salt)', async (t) => {
  const [a, b] = await Promise.all([hashSecret(SECRET, ITERATIONS), hashSecret(SECRET, ITERATIONS)]);
  t.not(a, b);
  t.notDeepEqual(decodeSecretHash(a)?.salt, decodeSecretHash(b)?.salt);
  t.true(await verifySecret(SECRET, a));
  t.true(await verifySecret(SECRET, b));
});

test('secret hash: the stored form carries its iteration count', async (t) => {
  const stored = await hashSecret(SECRET, 1234);
  const decoded = decodeSecretHash(stored);
  t.is(decoded?.iterations, 1234);
  t.is(decoded?.key.length, 20);
  t.true((decoded?.salt.length ?? 0) >= 8);
  t.true(await verifySecret(SECRET, stored));
});

test('secret hash: isSecretHash recognises the stored form only', async (t) => {
  t.true(isSecretHash(await hashSecret(SECRET, ITERATIONS)));
  const malformed = [
    SECRET,
    '',
    'pbkdf2-hmac-sha1:1000:c2FsdHNhbHRzYWx0',
    'pbkdf2-hmac-sha1:0:c2FsdHNhbHRzYWx0:a2V5a2V5a2V5a2V5a2V5a2V5a2U=', // zero iterations
    'pbkdf2-hmac-sha1:1000:c2FsdA==:a2V5a2V5a2V5a2V5a2V5a2V5a2U=', // 4-byte salt
    'pbkdf2-hmac-sha1:1000:c2FsdHNhbHRzYWx0:a2V5', // short key
    'pbkdf2-hmac-sha256:1000:c2FsdHNhbHRzYWx0:a2V5a2V5a2V5a2V5a2V5a2V5a2U=',
    ' pbkdf2-hmac-sha1:1000:c2FsdHNhbHRzYWx0:a2V5a2V5a2V5a2V5a2V5a2V5a2U=',
  ];
  for (const text of malformed) t.false(isSecretHash(text), text);
  t.true(isSecretHash('pbkdf2-hmac-sha1:1000:c2FsdHNhbHRzYWx0:a2V5a2V5a2V5a2V5a2V5a2V5a2U='));
});

test('secret hash: verifying against something that is not a stored hash is false', async (t) => {
  t.false(await verifySecret(SECRET, SECRET));
  t.false(await verifySecret('', ''));
  t.false(await verifySecret(SECRET, 'pbkdf2-hmac-sha1:1000:c2FsdA==:a2V5'));
});
