import { describe, expect, it } from '@jest/globals';
import { addressKey, clientIp } from './client-ip.ts';

const SOCKET = '10.0.0.9';

describe('clientIp', () => {
  it('uses the socket address and ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(clientIp({}, SOCKET, 0)).toBe(SOCKET);
    expect(clientIp({ 'x-forwarded-for': '6.6.6.6' }, SOCKET, 0)).toBe(SOCKET);
    expect(clientIp({ 'x-forwarded-for': '6.6.6.6, 7.7.7.7' }, SOCKET, 0)).toBe(SOCKET);
  });

  it('says unknown when there is no socket address', () => {
    expect(clientIp({}, undefined, 0)).toBe('unknown');
    expect(clientIp({}, undefined, 1)).toBe('unknown');
  });

  it('behind one trusted proxy takes the rightmost entry, whatever the client wrote before it', () => {
    expect(clientIp({ 'x-forwarded-for': '203.0.113.7' }, SOCKET, 1)).toBe('203.0.113.7');
    // The client sent "X-Forwarded-For: 1.1.1.1, 2.2.2.2"; the proxy appended the address it saw.
    expect(clientIp({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 203.0.113.7' }, SOCKET, 1)).toBe('203.0.113.7');
  });

  it('behind two trusted proxies takes the address the outer proxy saw', () => {
    // client-written, the client's address (added by the outer proxy), the outer proxy (added by the inner one)
    expect(clientIp({ 'x-forwarded-for': '1.1.1.1, 203.0.113.7, 10.1.0.2' }, SOCKET, 2)).toBe('203.0.113.7');
    expect(clientIp({ 'x-forwarded-for': '203.0.113.7,10.1.0.2' }, SOCKET, 2)).toBe('203.0.113.7');
  });

  it('trims blanks and skips empty entries', () => {
    expect(clientIp({ 'x-forwarded-for': ' 1.1.1.1 ,, 203.0.113.7 , ' }, SOCKET, 1)).toBe('203.0.113.7');
    expect(clientIp({ 'x-forwarded-for': '2001:db8::1' }, SOCKET, 1)).toBe('2001:db8::1');
  });

  it('falls back to the socket address, never to a client-written entry, with fewer entries than trusted hops', () => {
    // Two trusted proxies add two entries: one entry alone was written by the client (or a single proxy).
    expect(clientIp({ 'x-forwarded-for': '203.0.113.7' }, SOCKET, 3)).toBe(SOCKET);
    expect(clientIp({ 'x-forwarded-for': '6.6.6.6' }, SOCKET, 2)).toBe(SOCKET);
    expect(clientIp({}, SOCKET, 1)).toBe(SOCKET);
    expect(clientIp({ 'x-forwarded-for': ' , ' }, SOCKET, 1)).toBe(SOCKET);
  });
});

describe('addressKey', () => {
  it('keeps an IPv4 address whole, and an IPv4 client on a dual-stack socket is that IPv4 address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientIp({}, '::ffff:203.0.113.7', 0)).toBe('203.0.113.7');
    expect(clientIp({ 'x-forwarded-for': '::ffff:198.51.100.2' }, SOCKET, 1)).toBe('198.51.100.2');
  });

  it('counts an IPv6 client by its /64, however the address is written', () => {
    const key = '2001:db8:85a3:8d3::/64';
    expect(addressKey('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe(key);
    expect(addressKey('2001:0DB8:85A3:08D3:ffff:ffff:ffff:ffff')).toBe(key);
    expect(addressKey('2001:db8:85a3:8d3::1')).toBe(key);
    expect(addressKey('2001:db8:85a3:8d4::1')).toBe('2001:db8:85a3:8d4::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps what is not an address as it is', () => {
    expect(addressKey('unknown')).toBe('unknown');
  });
});
