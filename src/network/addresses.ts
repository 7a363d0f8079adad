// IP addresses as the node judges them: one form (IPv4-mapped unwrapped), sets of addresses and CIDR blocks, client networks.

import { BlockList, isIP } from 'node:net';

/** The address in one form: an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) as its IPv4 address. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** True for 127.0.0.0/8 and ::1, in either form. */
export function isLoopback(address: string): boolean {
  const plain = plainAddress(address);
  return plain.startsWith('127.') || plain === '::1';
}

/**
 * A membership test for a list of addresses and CIDR blocks (already validated, as config.ts does), matching either
 * form of an address; anything that is not an IP address is outside every set.
 */
export function addressSet(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  return [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
}

/**
 * The network a client address belongs to, the unit of rate limits and failed-login counts: its /24 for IPv4 (also
 * IPv4-mapped IPv6), its /64 for IPv6. Anything else is its own network.
 */
export function clientNetwork(address: string): string {
  const plain = plainAddress(address);
  if (isIP(plain) === 4) return `${plain.slice(0, plain.lastIndexOf('.'))}.0/24`;
  if (isIP(plain) === 6) return `${expandIPv6(plain.split('%')[0] ?? plain).slice(0, 4).map((h) => h.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
  return address;
}
