import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client's IP. Behind `trustedProxyHops` proxies (an ingress, a load balancer) it is the address the
 * outermost trusted proxy saw, read from X-Forwarded-For from the right; entries a client wrote itself on
 * the left are never trusted.
 */
export function clientIp(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  trustedProxyHops: number,
): string {
  const socketAddress = remoteAddress ?? 'unknown';
  if (trustedProxyHops === 0) return socketAddress;
  const forwarded = String(headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - trustedProxyHops] ?? forwarded[0] ?? socketAddress;
}
