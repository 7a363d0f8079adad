// The HS_ADMIN bits a change of values needs (ADD/REMOVE/MODIFY of VALUE or ADMIN).

import test from 'ava';
import { requiredBitsForChange } from '../../src/auth/access-policy.js';
import { ADMIN_PERMISSION as P } from '../../src/identifier/admin-permissions.js';
import type { HandleValue } from '../../src/identifier/value.js';
import { admin, ENTERPRISE_BITS, seckey, url } from './records.js';

const BEFORE: readonly HandleValue[] = [url(1, 'https://example.cn/a'), admin(100, '0.NA/88.118.8', 300, ENTERPRISE_BITS), seckey(300)];
const [URL_1, ADMIN_100, SECKEY_300] = BEFORE as [HandleValue, HandleValue, HandleValue];

const CASES: [name: string, after: readonly HandleValue[], expected: number][] = [
  ['no change still needs MODIFY_VALUE', BEFORE, P.MODIFY_VALUE],
  ['a new timestamp alone is no change', [{ ...URL_1, timestamp: URL_1.timestamp + 60 }, ADMIN_100, SECKEY_300], P.MODIFY_VALUE],
  ['adding a value', [...BEFORE, url(2, 'https://example.cn/b')], P.ADD_VALUE],
  ['removing a value', [ADMIN_100, SECKEY_300], P.REMOVE_VALUE],
  ['changing a value’s data', [url(1, 'https://example.cn/changed'), ADMIN_100, SECKEY_300], P.MODIFY_VALUE],
  ['changing a value’s ttl', [{ ...URL_1, ttl: 60 }, ADMIN_100, SECKEY_300], P.MODIFY_VALUE],
  ['changing a value’s permissions', [{ ...URL_1, permissions: '1111' }, ADMIN_100, SECKEY_300], P.MODIFY_VALUE],
  ['changing a value’s references', [{ ...URL_1, references: [{ handle: '88.118.8/X', index: 1 }] }, ADMIN_100, SECKEY_300], P.MODIFY_VALUE],
  ['rotating a secret key', [URL_1, ADMIN_100, seckey(300, 'pbkdf2-hmac-sha1:1000:bmV3c2FsdG5ld3NhbHQ=:a2V5a2V5a2V5a2V5a2V5a2V5a2U=')], P.MODIFY_VALUE],
  ['adding an HS_ADMIN', [...BEFORE, admin(101, '0.NA/88.118.9', 300, P.ADD_HANDLE)], P.ADD_ADMIN],
  ['removing an HS_ADMIN', [URL_1, SECKEY_300], P.REMOVE_ADMIN],
  ['changing an HS_ADMIN’s permissions', [URL_1, admin(100, '0.NA/88.118.8', 300, 0xfff), SECKEY_300], P.MODIFY_ADMIN],
  ['turning a value into an HS_ADMIN', [admin(1, '0.NA/88.118.8', 300, 0xfff), ADMIN_100, SECKEY_300], P.MODIFY_ADMIN],
  ['turning an HS_ADMIN into a plain value', [URL_1, url(100, 'https://example.cn/x'), SECKEY_300], P.MODIFY_ADMIN],
  ['adding one value and removing another', [url(2, 'https://example.cn/b'), ADMIN_100, SECKEY_300], P.ADD_VALUE | P.REMOVE_VALUE],
  ['removing everything', [], P.REMOVE_VALUE | P.REMOVE_ADMIN],
];

for (const [name, after, expected] of CASES) {
  test(`requiredBitsForChange: ${name}`, (t) => {
    t.is(requiredBitsForChange(BEFORE, after), expected);
  });
}

test('requiredBitsForChange: creating values on an empty record needs ADD_VALUE and ADD_ADMIN', (t) => {
  t.is(requiredBitsForChange([], BEFORE), P.ADD_VALUE | P.ADD_ADMIN);
});
