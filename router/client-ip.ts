import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client's IP. Behind `trustedProxyHops` proxies (an ingress, a load balancer) it is the address the
 * outermost trusted proxy saw, read from X-Forwarded-For from the right; entries a client wrote itself on
 * the left are never trusted. A header with fewer entries than trusted hops did not come through all the
 * proxies: its entries may all be the client's own, so the socket's address is used instead.
 */
export function clientIp(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  trustedProxyHops: number,
): string {
  const socketAddress = unmapped(remoteAddress ?? 'unknown');
  if (trustedProxyHops === 0) return socketAddress;
  const forwarded = String(headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const seen = forwarded[forwarded.length - trustedProxyHops];
  return seen === undefined ? socketAddress : unmapped(seen);
}

/** `::ffff:203.0.113.7` (an IPv4 client on a dual-stack socket) as `203.0.113.7`. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * A client's address as limits count it: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber's network: a host picks any address in it), anything else as it is.
 */
export function addressKey(address: string): string {
  if (isIPv4(address)) return address;
  const bare = address.split('%', 1)[0] ?? address;
  if (!isIPv6(bare)) return address;
  return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const fromIpv4 = (part: string) => {
    const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
    return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  const expand = (groups: string[]) =>
    groups.flatMap((group) => (group.includes('.') ? fromIpv4(group) : [group]));
  const [leftGroups, rightGroups] = [expand(left), expand(right)];
  const zeros = Array<string>(8 - leftGroups.length - rightGroups.length).fill('0');
  return [...leftGroups, ...(tail === undefined ? [] : zeros), ...rightGroups].map((group) =>
    parseInt(group, 16).toString(16),
  );
}
