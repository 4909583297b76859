import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address.js';

describe('clientAddressKey', () => {
  it('counts an IPv4 address on its own, also when it arrives IPv4-mapped', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of an IPv6 /64 together, however it is written', () => {
    const key = '2001:db8:0:12::/64';
    for (const ip of [
      '2001:db8:0:12::1',
      '2001:db8::12:aaaa:bbbb:cccc:dddd',
      '2001:0DB8:0000:0012:ffff:ffff:ffff:ffff',
      '2001:db8:0:12:0:0:0:9',
      '2001:db8:0:12::7%eth0',
    ])
      expect(clientAddressKey(ip), ip).toBe(key);
    expect(clientAddressKey('2001:db8:0:13::1')).toBe('2001:db8:0:13::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientAddressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});
