/**
 * A bare @apollo/gateway: Apollo Server and the gateway on a supergraph, nothing else (no token check, no
 * rate or operation limits, no logging). The contender the router's security is measured against.
 *
 *   SUPERGRAPH_PATH=… PORT=… node scripts/bench/bare-gateway.ts
 *
 * `SUBGRAPH_URLS` (JSON, name → URL) overrides the URLs composed into the supergraph. With `ROUTER_SECRET`
 * it signs each subgraph request as the router does (anonymously), which the pharmacy subgraphs require.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Fetcher } from '@apollo/utils.fetcher';
import { signRouterRequest } from '../../lib/router-proof.ts';

const { SUPERGRAPH_PATH, PORT = '4000', SUBGRAPH_URLS = '{}', ROUTER_SECRET } = process.env;
if (!SUPERGRAPH_PATH) throw new Error('SUPERGRAPH_PATH is required');
const urls = JSON.parse(SUBGRAPH_URLS) as Record<string, string>;

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
  buildService: ({ name, url }) => {
    const target = urls[name] ?? url;
    return new RemoteGraphQLDataSource({
      url: target,
      ...(ROUTER_SECRET ? { fetcher: signedFetch(ROUTER_SECRET) } : {}),
    });
  },
});
/** The gateway's own fetch, signing each request's body as the router does (anonymously). */
function signedFetch(secret: string): Fetcher {
  const send = (input: string, init: RequestInit = {}) => {
    const body = typeof init.body === 'string' ? init.body : '';
    const headers = { ...(init.headers as Record<string, string>), ...signRouterRequest(secret, body, null) };
    return fetch(input, { ...init, headers });
  };
  return send as unknown as Fetcher;
}

const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(PORT) } });
process.stdout.write(`listening ${url}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
