/**
 * Federation entity resolution: the router asks for many products in one `_entities` call, and the
 * subgraph must answer it with ONE select on the product table (a DataLoader batches the references).
 * SQL is counted from MikroORM's debug log, which goes through the subgraph's pino logger.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSubgraph, type Subgraph } from '../../lib/subgraph.ts';
import { startTestSubgraph, TEST_ROUTER_SECRET, type TestSubgraph } from '../../test/support/services.ts';
import type { GraphQLReply } from '../../test/support/graphql.ts';
import { sqlLog } from '../../test/support/sql-log.ts';
import { subgraphClient } from '../../test/support/subgraph-client.ts';
import { Product } from './product.entity.ts';
import { productsSubgraph, type ProductsContext } from './products.subgraph.ts';
import { productsResolvers } from './resolvers.ts';

/** The SQL the subgraph runs. */
const { logger: captureLogger, statementsDuring: sqlDuring } = sqlLog();

const productSelects = (statements: string[]) =>
  statements.filter((statement) => /^select\b/i.test(statement) && statement.includes('from "product"'));

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id sku name price isActive } }
}`;

interface EntityView {
  id: string;
  sku: string;
  name: string;
  price: string;
  isActive: boolean;
}

let service: TestSubgraph;
const ids: string[] = [];

beforeAll(async () => {
  service = await startTestSubgraph('products', { LOG_LEVEL: 'debug' }, captureLogger);
  const em = service.subgraph.orm.em.fork();
  for (let i = 1; i <= 20; i++) {
    em.create(Product, {
      sku: `REF-${String(i).padStart(2, '0')}`,
      name: `Referenced ${i}`,
      description: null,
      priceMinor: 100 * i + 5,
      currency: 'USD',
      category: 'Federation',
      manufacturer: null,
      requiresPrescription: false,
    });
  }
  await em.flush();
  const rows = await em.getConnection().execute<{ id: number }[]>('select id from product order by sku');
  ids.push(...rows.map((row) => String(row.id)));
  // A discontinued product still resolves: orders keep pointing at it.
  await em.getConnection().execute('update product set is_active = false where sku = ?', ['REF-20']);
});

afterAll(async () => {
  await service?.stop();
});

function representations(list: string[]) {
  return list.map((id) => ({ __typename: 'Product', id }));
}

describe('Product entity references', () => {
  it('the SQL log is captured (debug level through the subgraph logger)', async () => {
    const statements = await sqlDuring(() =>
      subgraphClient(service).request(
        '{ a: productBySku(sku: "REF-01") { id } b: productBySku(sku: "REF-02") { id } }',
      ),
    );
    // productBySku is not batched: two lookups, two selects. This proves the counter sees each statement.
    expect(productSelects(statements)).toHaveLength(2);
  });

  it('resolves 20 references, an unknown and a malformed id with ONE select on product', async () => {
    expect(ids).toHaveLength(20);
    const requested = [...ids.slice(10), '999999', ...ids.slice(0, 10), 'abc'];
    let reply: GraphQLReply<{ _entities: (EntityView | null)[] }> | undefined;
    const statements = await sqlDuring(async () => {
      reply = await subgraphClient(service).request<{ _entities: (EntityView | null)[] }>(ENTITIES, {
        representations: representations(requested),
      });
    });

    expect(reply?.errors).toBeUndefined();
    const entities = reply?.data?._entities ?? [];
    expect(entities).toHaveLength(22);
    expect(entities.map((entity) => entity?.id ?? null)).toEqual([
      ...ids.slice(10),
      null,
      ...ids.slice(0, 10),
      null,
    ]);
    expect(entities[0]).toEqual({
      id: ids[10],
      sku: 'REF-11',
      name: 'Referenced 11',
      price: '11.05',
      isActive: true,
    });
    expect(entities[9]).toEqual({
      id: ids[19],
      sku: 'REF-20',
      name: 'Referenced 20',
      price: '20.05',
      isActive: false,
    });
    expect(entities[11]).toEqual({
      id: ids[0],
      sku: 'REF-01',
      name: 'Referenced 1',
      price: '1.05',
      isActive: true,
    });

    const selects = productSelects(statements);
    expect(selects).toHaveLength(1);
    expect(selects[0]).toMatch(/ in \(/);
  });

  it('would count one select per reference if they were loaded one by one', async () => {
    // The same module with a naive __resolveReference, on the same database: the counter must see 20 selects.
    const naive = {
      ...productsSubgraph,
      resolvers: {
        ...productsResolvers,
        Product: {
          ...productsResolvers.Product,
          __resolveReference: ({ id }: { id: string }, { em }: ProductsContext) =>
            em.findOne(Product, { id: Number(id) }),
        },
      },
    } as typeof productsSubgraph;
    const config = productsSubgraph.readConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      DATABASE_URL: service.database.url,
      MIGRATE_ON_START: 'false',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
    });
    const subgraph: Subgraph = await createSubgraph(naive, config, captureLogger);
    try {
      const server = await subgraph.listen();
      const statements = await sqlDuring(() =>
        subgraphClient(server.url).request(ENTITIES, { representations: representations(ids) }),
      );
      expect(productSelects(statements)).toHaveLength(20);
    } finally {
      await subgraph.close();
    }
  });
});
