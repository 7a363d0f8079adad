// Who may create, change, delete, read and list what: the access policy over in-memory records.

import test from 'ava';
import { AccessPolicy, requiredBitsForChange, type Access } from '../../src/auth/access-policy.js';
import { Authorizer } from '../../src/auth/authorizer.js';
import { ADMIN_PERMISSION as P } from '../../src/identifier/admin-permissions.js';
import { handleKeyOf } from '../../src/identifier/handle.js';
import type { HandleValue } from '../../src/identifier/value.js';
import { admin, ENTERPRISE_BITS, handle, identity, nodeRecords, Records, RULE, seckey, url, vlist } from './records.js';

const ENTERPRISE = '300:0.NA/88.118.8';
const SIBLING = '300:0.NA/88.118.80';
const CHANGE_VALUES: Access = { kind: 'change', bits: P.ADD_VALUE | P.MODIFY_VALUE | P.REMOVE_VALUE };
const CHANGE_ADMINS: Access = { kind: 'change', bits: P.ADD_ADMIN | P.MODIFY_ADMIN | P.REMOVE_ADMIN };
const EVERY_ACCESS: Access[] = [{ kind: 'create' }, { kind: 'delete' }, { kind: 'change', bits: 0xfff }, { kind: 'read' }];

function policy(): AccessPolicy {
  return new AccessPolicy(new Authorizer(handleKeyOf('0.NA/88.118', RULE), RULE), RULE);
}

function allows(records: Records, who: string, target: string, access: Access, existing = records.get(target)): boolean {
  return policy().allows(identity(who), handle(target), access, existing, records.lookup);
}

function describe(access: Access): string {
  return access.kind === 'change' ? `change ${access.bits.toString(2)}` : access.kind;
}

const EVERYWHERE = [
  '88.118.8/PUMP-1',
  '88.118.8/NEW',
  '88.118.80/VALVE-1',
  '88.118/NODE-INFO',
  '88.118.8.1/X',
  '86.100/ELSEWHERE',
  '0.NA/88.118.8.1',
  '0.NA/88.118.8',
  '0.NA/88.118',
];

test('access policy: a node administrator may do everything, directly or through the admin group', (t) => {
  const records = nodeRecords();
  for (const who of ['300:0.NA/88.118', '300:88.118/OPERATOR-1']) {
    for (const target of EVERYWHERE) {
      for (const access of EVERY_ACCESS) t.true(allows(records, who, target, access), `${who} ${describe(access)} ${target}`);
    }
    for (const prefix of ['88.118', '88.118.8', '88.118.80']) t.true(policy().allowsList(identity(who), prefix, records.lookup), `${who} list ${prefix}`);
  }
});

test('access policy: an identity outside the admin group is not a node administrator', (t) => {
  const records = nodeRecords();
  t.false(policy().isNodeAdmin(identity('301:0.NA/88.118'), records.lookup));
  t.false(allows(records, '301:0.NA/88.118', '88.118.8/PUMP-1', { kind: 'delete' }));
  t.false(allows(records, '300:88.118/NODE-INFO', '88.118.8/PUMP-1', { kind: 'delete' }));
});

test('access policy: an enterprise may create, change, read, delete and list handles under its own prefix', (t) => {
  const records = nodeRecords();
  t.true(allows(records, ENTERPRISE, '88.118.8/PUMP-2', { kind: 'create' }));
  for (const access of [CHANGE_VALUES, CHANGE_ADMINS, { kind: 'read' } as const, { kind: 'delete' } as const]) {
    t.true(allows(records, ENTERPRISE, '88.118.8/PUMP-1', access), describe(access));
  }
  t.true(policy().allowsList(identity(ENTERPRISE), '88.118.8', records.lookup));
  // The canonical form decides, not the spelling.
  t.true(allows(records, '300:0.na/88.118.8', '88.118.8/pump-1', CHANGE_VALUES));
});

test('access policy: an enterprise may not touch handles under a sibling prefix that shares its digits', (t) => {
  const records = nodeRecords();
  t.false(allows(records, ENTERPRISE, '88.118.80/NEW', { kind: 'create' }));
  for (const access of [CHANGE_VALUES, CHANGE_ADMINS, { kind: 'read' } as const, { kind: 'delete' } as const]) {
    t.false(allows(records, ENTERPRISE, '88.118.80/VALVE-1', access), describe(access));
  }
  t.false(policy().allowsList(identity(ENTERPRISE), '88.118.80', records.lookup));
  // And the other way round.
  t.false(allows(records, SIBLING, '88.118.8/PUMP-1', { kind: 'delete' }));
  t.false(allows(records, SIBLING, '88.118.8/NEW', { kind: 'create' }));
});

test('access policy: an enterprise may not touch handles under its parent prefix', (t) => {
  const records = nodeRecords();
  t.false(allows(records, ENTERPRISE, '88.118/NEW', { kind: 'create' }));
  for (const access of [CHANGE_VALUES, { kind: 'read' } as const, { kind: 'delete' } as const]) {
    t.false(allows(records, ENTERPRISE, '88.118/NODE-INFO', access), describe(access));
  }
  t.false(policy().allowsList(identity(ENTERPRISE), '88.118', records.lookup));
});

test('access policy: an enterprise may not write under a derived prefix nobody granted it', (t) => {
  const records = nodeRecords();
  t.false(allows(records, ENTERPRISE, '88.118.8.1/X', { kind: 'create' }));
  t.false(policy().allowsList(identity(ENTERPRISE), '88.118.8.1', records.lookup));
});

test('access policy: an enterprise may not create a derived prefix record without ADD_DERIVED_PREFIX', (t) => {
  const records = nodeRecords(ENTERPRISE_BITS);
  t.false(allows(records, ENTERPRISE, '0.NA/88.118.8.1', { kind: 'create' }));
});

test('access policy: ADD_DERIVED_PREFIX granted on 0.NA/88.118.8 allows creating 0.NA/88.118.8.1 and nothing beside it', (t) => {
  const records = nodeRecords(ENTERPRISE_BITS | P.ADD_DERIVED_PREFIX);
  t.true(allows(records, ENTERPRISE, '0.NA/88.118.8.1', { kind: 'create' }));
  t.true(allows(records, ENTERPRISE, '0.NA/88.118.8.ABC', { kind: 'create' }));
  for (const target of ['0.NA/88.118.80', '0.NA/88.118.81', '0.NA/88.118.9', '0.NA/88.118.8.1.2', '0.NA/88.119']) {
    t.false(allows(records, ENTERPRISE, target, { kind: 'create' }), target);
  }
  t.false(allows(records, ENTERPRISE, '0.NA/88.118', CHANGE_VALUES));
  // A sibling holding the digits "88.118.8" as a string prefix gets nothing from that grant.
  t.false(allows(records, SIBLING, '0.NA/88.118.8.1', { kind: 'create' }));
});

test('access policy: ADD_DERIVED_PREFIX counts only for the identity the HS_ADMIN names', (t) => {
  const records = nodeRecords().set('0.NA/88.118.8', [
    admin(100, '0.NA/88.118.8', 300, ENTERPRISE_BITS),
    admin(101, '0.NA/88.118.80', 300, P.ADD_DERIVED_PREFIX),
    seckey(300),
  ]);
  t.false(allows(records, ENTERPRISE, '0.NA/88.118.8.1', { kind: 'create' }));
  t.true(allows(records, SIBLING, '0.NA/88.118.8.1', { kind: 'create' }));
});

test('access policy: an enterprise may change the plain values of its own prefix record', (t) => {
  const records = nodeRecords();
  const before = records.get('0.NA/88.118.8') ?? [];
  const [adminValue] = before as [HandleValue];
  const rotated = [adminValue, seckey(300, 'pbkdf2-hmac-sha1:1000:bmV3c2FsdG5ld3NhbHQ=:a2V5a2V5a2V5a2V5a2V5a2V5a2U=')];
  t.true(allows(records, ENTERPRISE, '0.NA/88.118.8', { kind: 'change', bits: requiredBitsForChange(before, rotated) }));
  const withUrl = [...before, url(1, 'https://enterprise.example.cn/')];
  t.true(allows(records, ENTERPRISE, '0.NA/88.118.8', { kind: 'change', bits: requiredBitsForChange(before, withUrl) }));
  t.false(allows(records, SIBLING, '0.NA/88.118.8', { kind: 'change', bits: requiredBitsForChange(before, rotated) }));
});

test('access policy: an enterprise may not modify, add or remove HS_ADMIN values of its own prefix record without ADMIN bits', (t) => {
  const records = nodeRecords(ENTERPRISE_BITS);
  const before = records.get('0.NA/88.118.8') ?? [];
  const key = before.find((value) => value.type === 'HS_SECKEY') as HandleValue;
  const escalations: [string, HandleValue[]][] = [
    ['modify its HS_ADMIN to all bits', [admin(100, '0.NA/88.118.8', 300, 0xfff), key]],
    ['add an HS_ADMIN granting derived prefixes', [...before, admin(101, '0.NA/88.118.8', 300, P.ADD_DERIVED_PREFIX)]],
    ['remove its HS_ADMIN', [key]],
  ];
  for (const [name, after] of escalations) {
    t.false(allows(records, ENTERPRISE, '0.NA/88.118.8', { kind: 'change', bits: requiredBitsForChange(before, after) }), name);
  }
});

test('access policy: an HS_ADMIN granting ADMIN bits lets a prefix key change its own HS_ADMIN values', (t) => {
  const records = nodeRecords(ENTERPRISE_BITS | P.MODIFY_ADMIN);
  const before = records.get('0.NA/88.118.8') ?? [];
  const key = before.find((value) => value.type === 'HS_SECKEY') as HandleValue;
  const after = [admin(100, '0.NA/88.118.8', 300, ENTERPRISE_BITS | P.MODIFY_ADMIN | P.LIST_HANDLES), key];
  t.true(allows(records, ENTERPRISE, '0.NA/88.118.8', { kind: 'change', bits: requiredBitsForChange(before, after) }));
});

test('access policy: an HS_ADMIN on a handle grants exactly its bits to the identity it names', (t) => {
  const records = nodeRecords().set('88.118.80/SHARED', [url(1, 'https://example.cn/shared'), admin(100, '0.NA/88.118.8', 300, P.MODIFY_VALUE | P.READ_VALUE)]);
  t.true(allows(records, ENTERPRISE, '88.118.80/SHARED', { kind: 'change', bits: P.MODIFY_VALUE }));
  t.true(allows(records, ENTERPRISE, '88.118.80/SHARED', { kind: 'read' }));
  t.false(allows(records, ENTERPRISE, '88.118.80/SHARED', { kind: 'change', bits: P.ADD_VALUE }));
  t.false(allows(records, ENTERPRISE, '88.118.80/SHARED', { kind: 'delete' }));
});

/** `88.118.80/TARGET` grants MODIFY_VALUE to GROUP-1:200, which nests `length` groups deep down to the enterprise. */
function chainRecords(length: number): Records {
  const records = nodeRecords();
  for (let i = 1; i <= length; i += 1) {
    const next: [string, number] = i === length ? ['0.NA/88.118.8', 300] : [`88.118.80/GROUP-${i + 1}`, 200];
    records.set(`88.118.80/GROUP-${i}`, [vlist(200, [next])]);
  }
  return records.set('88.118.80/TARGET', [url(1, 'https://example.cn/t'), admin(100, '88.118.80/GROUP-1', 200, P.MODIFY_VALUE)]);
}

test('access policy: group membership counts up to a bounded depth only', (t) => {
  t.true(allows(chainRecords(2), ENTERPRISE, '88.118.80/TARGET', { kind: 'change', bits: P.MODIFY_VALUE }));
  t.false(allows(chainRecords(10), ENTERPRISE, '88.118.80/TARGET', { kind: 'change', bits: P.MODIFY_VALUE }));
});
