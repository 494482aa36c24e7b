/**
 * The four subgraphs as data: name, default port and SDL file. The router, the scripts and the tests read
 * this; it imports no subgraph code, so reading a port or a schema loads nothing of a subgraph.
 */
export const SUBGRAPH_NAMES = ['users', 'products', 'orders', 'inventory'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export interface SubgraphRegistration {
  name: SubgraphName;
  /** Where it listens unless PORT says otherwise. */
  defaultPort: number;
  /** Its URL on this machine, composed into the supergraph; deployments override it (`USERS_URL`, …). */
  defaultUrl: string;
  /** Its SDL, `subgraphs/<name>/schema.graphql`. */
  schemaUrl: URL;
}

const register = (name: SubgraphName, defaultPort: number): SubgraphRegistration => ({
  name,
  defaultPort,
  defaultUrl: `http://localhost:${defaultPort}/graphql`,
  schemaUrl: new URL(`./${name}/schema.graphql`, import.meta.url),
});

/** In start-up order: orders prices its lines from products, started before it. */
export const SUBGRAPHS: Readonly<Record<SubgraphName, SubgraphRegistration>> = {
  users: register('users', 4001),
  products: register('products', 4002),
  orders: register('orders', 4003),
  inventory: register('inventory', 4004),
};

export const ROUTER_DEFAULT_PORT = 4000;
