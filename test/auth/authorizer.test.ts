// HS_ADMIN evaluation: direct references, HS_VLIST groups, index 0, and the bounded group walk.

import test from 'ava';
import { Authorizer } from '../../src/auth/authorizer.js';
import { ADMIN_PERMISSION as P } from '../../src/identifier/admin-permissions.js';
import { handleKeyOf } from '../../src/identifier/handle.js';
import type { HandleValue } from '../../src/identifier/value.js';
import { admin, ENTERPRISE_BITS, identity, nodeRecords, Records, RULE, seckey, url, vlist } from './records.js';

const authorizer = (): Authorizer => new Authorizer(handleKeyOf('0.NA/88.118', RULE), RULE);
const ENTERPRISE = '300:0.NA/88.118.8';

test('authorizer: the node prefix key and members of its admin group are node administrators', (t) => {
  const records = nodeRecords();
  const a = authorizer();
  t.true(a.isNodeAdmin(identity('300:0.NA/88.118'), records.lookup));
  t.true(a.isNodeAdmin(identity('300:0.na/88.118'), records.lookup), 'compared by canonical key');
  t.true(a.isNodeAdmin(identity('300:88.118/OPERATOR-1'), records.lookup), 'through HS_VLIST 200');
  t.false(a.isNodeAdmin(identity('301:0.NA/88.118'), records.lookup));
  t.false(a.isNodeAdmin(identity('301:88.118/OPERATOR-1'), records.lookup));
  t.false(a.isNodeAdmin(identity(ENTERPRISE), records.lookup));
  t.false(a.isNodeAdmin(identity('300:0.NA/88.1180'), records.lookup));
});

test('authorizer: grantedBits ORs the bits of every HS_ADMIN that designates the identity', (t) => {
  const records = new Records();
  const values = [
    admin(100, '0.NA/88.118.8', 300, P.ADD_VALUE),
    admin(101, '0.NA/88.118.8', 300, P.DELETE_HANDLE),
    admin(102, '0.NA/88.118.8', 301, P.ADD_ADMIN), // another index of the same handle
    admin(103, '0.NA/88.118.80', 300, P.REMOVE_ADMIN), // another handle
    url(1, 'https://example.cn/'),
  ];
  t.is(authorizer().grantedBits(identity(ENTERPRISE), values, records.lookup), P.ADD_VALUE | P.DELETE_HANDLE);
  t.is(authorizer().grantedBits(identity('301:0.NA/88.118.8'), values, records.lookup), P.ADD_ADMIN);
  t.is(authorizer().grantedBits(identity(ENTERPRISE), undefined, records.lookup), 0);
  t.is(authorizer().grantedBits(identity('300:0.NA/88.118.9'), values, records.lookup), 0);
});

test('authorizer: an HS_ADMIN naming index 0 designates every index of that handle', (t) => {
  const values = [admin(100, '0.NA/88.118.8', 0, P.MODIFY_VALUE)];
  const records = new Records();
  t.is(authorizer().grantedBits(identity(ENTERPRISE), values, records.lookup), P.MODIFY_VALUE);
  t.is(authorizer().grantedBits(identity('7:0.NA/88.118.8'), values, records.lookup), P.MODIFY_VALUE);
  t.is(authorizer().grantedBits(identity('7:0.NA/88.118.80'), values, records.lookup), 0);
});

test('authorizer: a group grants through the HS_VLIST at the referenced index only', (t) => {
  const records = new Records()
    .set('88.118.80/GROUP', [vlist(200, [['0.NA/88.118.9', 300]]), vlist(201, [['0.NA/88.118.8', 300]]), seckey(300)]);
  const values = [admin(100, '88.118.80/GROUP', 200, P.MODIFY_VALUE)];
  t.is(authorizer().grantedBits(identity('300:0.NA/88.118.9'), values, records.lookup), P.MODIFY_VALUE);
  t.is(authorizer().grantedBits(identity(ENTERPRISE), values, records.lookup), 0);
});

test('authorizer: HS_ADMIN and HS_VLIST values kept as opaque bytes grant nothing', (t) => {
  const opaque = (index: number, type: string): HandleValue => ({ ...url(index, '300:0.NA/88.118.8'), type });
  const records = new Records().set('88.118.80/GROUP', [opaque(200, 'HS_VLIST'), vlist(201, [['0.NA/88.118.8', 300]])]);
  t.is(authorizer().grantedBits(identity(ENTERPRISE), [opaque(100, 'HS_ADMIN')], records.lookup), 0);
  t.is(authorizer().grantedBits(identity(ENTERPRISE), [admin(100, '88.118.80/GROUP', 200, P.MODIFY_VALUE)], records.lookup), 0);
  t.is(authorizer().grantedBits(identity(ENTERPRISE), [admin(100, '88.118.80/GROUP', 201, P.MODIFY_VALUE)], records.lookup), P.MODIFY_VALUE);
});

/** `88.118.80/TARGET` with an HS_ADMIN → GROUP-1:200 → GROUP-2:200 → … → GROUP-n:200 → ENTERPRISE. */
function groupChain(length: number): Records {
  const records = new Records();
  for (let i = 1; i <= length; i += 1) {
    const next: [string, number] = i === length ? ['0.NA/88.118.8', 300] : [`88.118.80/GROUP-${i + 1}`, 200];
    records.set(`88.118.80/GROUP-${i}`, [vlist(200, [next])]);
  }
  return records.set('88.118.80/TARGET', [admin(100, '88.118.80/GROUP-1', 200, P.MODIFY_VALUE)]);
}

test('authorizer: membership through a short chain of groups is honoured', (t) => {
  for (const length of [1, 2, 3]) {
    const records = groupChain(length);
    t.is(authorizer().grantedBits(identity(ENTERPRISE), records.get('88.118.80/TARGET'), records.lookup), P.MODIFY_VALUE, `${length} groups`);
  }
});

test('authorizer: membership nested deeper than the group depth bound is not honoured', (t) => {
  for (const length of [8, 20]) {
    const records = groupChain(length);
    t.is(authorizer().grantedBits(identity(ENTERPRISE), records.get('88.118.80/TARGET'), records.lookup), 0, `${length} groups`);
    t.true(records.lookups < length, `${records.lookups} lookups for ${length} groups`);
  }
});

test('authorizer: a cycle of groups ends, denies, and costs a bounded number of lookups', (t) => {
  const records = new Records()
    .set('88.118.80/GROUP-A', [vlist(200, [['88.118.80/GROUP-B', 200]])])
    .set('88.118.80/GROUP-B', [vlist(200, [['88.118.80/GROUP-A', 200]])]);
  const values = [admin(100, '88.118.80/GROUP-A', 200, 0xfff)];
  t.is(authorizer().grantedBits(identity(ENTERPRISE), values, records.lookup), 0);
  t.true(records.lookups <= 32, `${records.lookups} lookups`);
});

test('authorizer: a wide group graph costs a bounded number of lookups', (t) => {
  const records = new Records();
  const members = (from: number): [string, number][] => Array.from({ length: 50 }, (_, i) => [`88.118.80/G-${(from + i) % 200}`, 200]);
  for (let g = 0; g < 200; g += 1) records.set(`88.118.80/G-${g}`, [vlist(200, members(g + 1))]);
  records.set('0.NA/88.118', [vlist(200, [['88.118.80/G-0', 200]]), vlist(300, [['88.118.80/G-50', 200]])]);
  const values = [admin(100, '88.118.80/G-0', 200, 0xfff), admin(101, '88.118.80/G-100', 200, 0xfff)];
  t.is(authorizer().grantedBits(identity(ENTERPRISE), values, records.lookup), 0);
  t.true(records.lookups <= 32, `${records.lookups} lookups`);
  records.lookups = 0;
  t.false(authorizer().isNodeAdmin(identity(ENTERPRISE), records.lookup));
  t.true(records.lookups <= 32, `${records.lookups} lookups for isNodeAdmin`);
});

test('authorizer: the node prefix record in the fixture grants all bits to its admin group', (t) => {
  const records = nodeRecords();
  t.is(authorizer().grantedBits(identity('300:88.118/OPERATOR-1'), records.get('0.NA/88.118'), records.lookup), 0xfff);
  t.is(authorizer().grantedBits(identity(ENTERPRISE), records.get('0.NA/88.118.8'), records.lookup), ENTERPRISE_BITS);
});
