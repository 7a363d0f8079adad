// Addresses as the node judges them: one form for IPv4-mapped addresses, sets of CIDR blocks, client networks.

import test from 'ava';
import { addressSet, clientNetwork, isLoopback, plainAddress } from '../../src/network/addresses.js';

const NETWORKS: readonly [string, string][] = [
  ['203.0.113.7', '203.0.113.0/24'],
  ['203.0.113.250', '203.0.113.0/24'],
  ['::ffff:203.0.113.7', '203.0.113.0/24'],
  ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
  ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
  ['2001:db8::1', '2001:db8:0:0::/64'],
  ['::1', '0:0:0:0::/64'],
  ['not-an-address', 'not-an-address'],
];

for (const [address, network] of NETWORKS) {
  test(`addresses: ${address} belongs to client network ${network}`, (t) => {
    t.is(clientNetwork(address), network);
  });
}

test('addresses: an IPv4-mapped address is its IPv4 address; others are unchanged', (t) => {
  t.is(plainAddress('::ffff:198.51.100.7'), '198.51.100.7');
  t.is(plainAddress('::ffff:zz'), '::ffff:zz');
  t.is(plainAddress('2001:db8::1'), '2001:db8::1');
});

test('addresses: loopback in either form, and nothing else', (t) => {
  for (const address of ['127.0.0.1', '127.9.9.9', '::ffff:127.0.0.1', '::1']) t.true(isLoopback(address), address);
  for (const address of ['10.0.0.1', '::2', '128.0.0.1', '']) t.false(isLoopback(address), address);
});

test('addresses: a set matches its addresses and blocks in either form, never what is not an address', (t) => {
  const inSet = addressSet(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
  for (const address of ['10.1.2.3', '::ffff:10.1.2.3', '192.0.2.7', 'fd12::1']) t.true(inSet(address), address);
  for (const address of ['11.0.0.1', '192.0.2.8', 'fe80::1', 'localhost', '']) t.false(inSet(address), address);
  t.false(addressSet([])('10.1.2.3'), 'the empty set holds nothing');
});
