// Account password storage and the cipher login's arithmetic (snms-v5-api.md §3.2), and sealing.

import test from 'ava';
import { hashPassword, isSha256Hex, matchesCipher, sha256Hex, shanghaiDate, verifyPassword } from '../../src/accounts/password.js';
import { SealKey } from '../../src/accounts/seal.js';

test('password: the stored form is scrypt of the SHA-256, verifies only the right password, and salts each hash', async (t) => {
  const sha = sha256Hex('Idnode#2024');
  const stored = await hashPassword(sha, 10);
  t.regex(stored, /^scrypt:10:8:1:/);
  t.false(stored.includes(sha));
  t.true(await verifyPassword(sha, stored));
  t.true(await verifyPassword(sha.toUpperCase(), stored), 'hex case does not matter');
  t.false(await verifyPassword(sha256Hex('Idnode#2025'), stored));
  t.not(await hashPassword(sha, 10), stored);
  for (const broken of ['', 'scrypt:9:8:1:AAAA:AAAA', 'scrypt:30:8:1:AAAA:AAAA', stored.replace(':1:', ':2:'), 'pbkdf2-hmac-sha1:1000:AAAA:AAAA']) {
    t.false(await verifyPassword(sha, broken), broken);
  }
});

test("password: the cipher login's test vectors, Teleinfo's example included, and the date in Asia/Shanghai", (t) => {
  t.is(sha256Hex(`${sha256Hex('Idnode#2024')}2024-05-20`), 'ff217b9b9d993d8727fa967cae344df0d0af356532f7fc1c999b289727fa158d');
  const teleinfo = sha256Hex(`${sha256Hex('123456')}2019-08-15`);
  t.true(teleinfo.startsWith('58e2c92c') && teleinfo.endsWith('b7661'));
  t.is(shanghaiDate(Date.UTC(2024, 4, 19, 15, 59, 59)), '2024-05-19');
  t.is(shanghaiDate(Date.UTC(2024, 4, 19, 16, 0, 0)), '2024-05-20');
  t.is(shanghaiDate(Date.UTC(2024, 4, 19, 16, 0, 0), -1), '2024-05-19');
  const now = Date.UTC(2019, 7, 15, 4, 0, 0);
  t.true(matchesCipher(teleinfo, sha256Hex('123456'), now));
  t.true(matchesCipher(teleinfo.toUpperCase(), sha256Hex('123456'), now));
  t.false(matchesCipher(teleinfo, sha256Hex('12345'), now), "the doc's '12345' is wrong");
  t.false(matchesCipher(teleinfo, sha256Hex('123456'), now + 3 * 86_400_000));
  t.false(matchesCipher('not hex', sha256Hex('123456'), now));
  t.true(isSha256Hex(teleinfo));
  t.false(isSha256Hex(`${teleinfo}0`));
});

test('seal: opens only with the same key and the same account, and tells a tampered value', (t) => {
  const key = SealKey.ephemeral();
  const sealed = key.seal('4e46d359', 'ent_valveco');
  t.false(sealed.includes('4e46d359'));
  t.is(key.open(sealed, 'ent_valveco'), '4e46d359');
  t.is(key.open(sealed, 'someone_else'), null);
  t.is(SealKey.ephemeral().open(sealed, 'ent_valveco'), null);
  const parts = sealed.split(':');
  const body = Buffer.from(parts[3] ?? '', 'base64');
  body[0] = (body[0] ?? 0) ^ 1;
  t.is(key.open([parts[0], parts[1], parts[2], body.toString('base64')].join(':'), 'ent_valveco'), null);
  t.is(key.open('garbage', 'ent_valveco'), null);
});
