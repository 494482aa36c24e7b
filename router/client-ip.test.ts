import { describe, expect, it } from '@jest/globals';
import { clientIp } from './client-ip.ts';

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

  it('falls back to the first entry with fewer entries than trusted hops, and to the socket without any', () => {
    expect(clientIp({ 'x-forwarded-for': '203.0.113.7' }, SOCKET, 3)).toBe('203.0.113.7');
    expect(clientIp({}, SOCKET, 1)).toBe(SOCKET);
    expect(clientIp({ 'x-forwarded-for': ' , ' }, SOCKET, 1)).toBe(SOCKET);
  });
});
