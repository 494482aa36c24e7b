/**
 * The client's address in every request's context: the rate-limit identity of anonymous callers. Behind
 * `trustedProxyHops` proxies it is read from X-Forwarded-For (router/client-ip.ts).
 */
import { clientIp } from '../client-ip.ts';
import type { RouterFeature } from '../router-feature.ts';

export interface ClientAddressOptions {
  /** Proxies in front of the router whose X-Forwarded-For entries are trusted (TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
}

export function useClientAddress({ trustedProxyHops }: ClientAddressOptions): RouterFeature {
  return {
    name: 'client address',
    extendContext: async ({ headers, remoteAddress }) => ({
      clientIp: clientIp(headers, remoteAddress, trustedProxyHops),
    }),
  };
}
