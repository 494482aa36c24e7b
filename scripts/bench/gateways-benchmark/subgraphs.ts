/**
 * The four subgraphs of the public federation gateway benchmark (accounts, inventory, products, reviews),
 * written with @apollo/subgraph. They answer as the benchmark's own subgraphs do, field for field, so the
 * benchmark's TestQuery gets the same response from any gateway in front of them.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { parse, type DocumentNode } from 'graphql';
import { ACCOUNTS, PRODUCTS, REVIEWS, STOCK, type Review } from './data.ts';

export interface BenchmarkSubgraph {
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<unknown>;
}

const FEDERATION = (imports: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ${JSON.stringify(imports)})`;

/** Their reviews subgraph gives every author the first two reviews (it has no authorship data). */
const AUTHOR_REVIEWS = REVIEWS.slice(0, 2);

const byKey = <T, K extends keyof T>(rows: readonly T[], key: K) =>
  new Map(rows.map((row) => [row[key], row]));
const accounts = byKey(ACCOUNTS, 'id');
const products = byKey(PRODUCTS, 'upc');
const stock = byKey(STOCK, 'upc');
const reviews = byKey(REVIEWS, 'id');

export const BENCHMARK_SUBGRAPHS = {
  accounts: {
    typeDefs: parse(`
      ${FEDERATION(['@key', '@shareable'])}
      type User @key(fields: "id") {
        id: ID!
        name: String
        "Shareable: the reviews subgraph provides it with each review's author."
        username: String @shareable
        birthday: Int
      }
      type Query {
        me: User
        user(id: ID!): User
        users: [User]
      }
    `),
    resolvers: {
      Query: {
        me: () => ACCOUNTS[0],
        user: (_: unknown, { id }: { id: string }) => accounts.get(id) ?? null,
        users: () => ACCOUNTS,
      },
      User: { __resolveReference: ({ id }: { id: string }) => accounts.get(id) },
    },
  },
  inventory: {
    typeDefs: parse(`
      ${FEDERATION(['@key', '@external', '@requires'])}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }
    `),
    resolvers: {
      Product: {
        // As theirs: the stored record, not the representation, so price and weight stay unknown here.
        __resolveReference: ({ upc }: { upc: string }) => stock.get(upc),
        shippingEstimate: (product: { price?: number; weight?: number }) => {
          if (product.price === undefined) return null;
          if (product.price > 1000) return 0;
          return product.weight === undefined ? null : Math.floor(product.weight / 2);
        },
      },
    },
  },
  products: {
    typeDefs: parse(`
      ${FEDERATION(['@key'])}
      type Product @key(fields: "upc") {
        upc: String!
        name: String
        price: Int
        weight: Int
      }
      type Query {
        topProducts(first: Int = 5): [Product]
      }
    `),
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => products.get(upc) },
    },
  },
  reviews: {
    typeDefs: parse(`
      ${FEDERATION(['@key', '@external', '@provides'])}
      type Review @key(fields: "id") {
        id: ID!
        body: String
        product: Product
        author: User @provides(fields: "username")
      }
      type User @key(fields: "id") {
        id: ID!
        username: String @external
        reviews: [Review]
      }
      type Product @key(fields: "upc") {
        upc: String!
        reviews: [Review]
      }
    `),
    resolvers: {
      Review: {
        __resolveReference: ({ id }: { id: string }) => reviews.get(id),
        product: (review: Review) => ({ upc: review.productUpc }),
        author: () => ({ id: '1', username: 'urigo' }),
      },
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user' }),
        reviews: () => AUTHOR_REVIEWS,
      },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        reviews: ({ upc }: { upc: string }) => REVIEWS.filter((review) => review.productUpc === upc),
      },
    },
  },
} satisfies Record<string, BenchmarkSubgraph>;

export type BenchmarkSubgraphName = keyof typeof BENCHMARK_SUBGRAPHS;
export const BENCHMARK_SUBGRAPH_NAMES = Object.keys(BENCHMARK_SUBGRAPHS) as BenchmarkSubgraphName[];
