/**
 * `npm start` and `npm test` on a machine with no Postgres: the embedded server starts, serves a subgraph
 * (its migrations need the pg_trgm extension, so the bundled contrib modules must be there) and stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { databaseUrl, ensureDatabase } from '../lib/database.ts';
import { createSubgraph } from '../lib/subgraph.ts';
import { productsSubgraph } from '../subgraphs/products/products.subgraph.ts';
import { seedDemoProducts } from '../subgraphs/products/demo-products.ts';
import { freePort } from './support/ports.ts';
import { TEST_ROUTER_SECRET } from '../test/support/services.ts';
import { subgraphClient } from '../test/support/subgraph-client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './embedded-postgres.ts';

describe('embedded Postgres', () => {
  let server: EmbeddedPostgresServer | undefined;
  let dataDir = '';

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the products subgraph with its migrations and demo data, and keeps data across restarts', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pharmacy-embedded-'));
    const port = await freePort();
    server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    await ensureDatabase(server.url, 'pharmacy_products');
    const config = productsSubgraph.readConfig({
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl(server.url, 'pharmacy_products'),
      ROUTER_SECRET: TEST_ROUTER_SECRET,
    });
    const products = await createSubgraph(productsSubgraph, config);
    expect(await seedDemoProducts(products.orm)).toBe(10);
    try {
      const { url } = await products.listen();
      const body = await subgraphClient(url).request<{ products: { totalCount: number } }>(
        '{ products(filter: { search: "aspirin" }) { totalCount } }',
      );
      expect(body).toEqual({ data: { products: { totalCount: 1 } } });
    } finally {
      await products.close();
    }

    // The dev stack reuses the data folder on its next start.
    await server.stop();
    server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    const again = await createSubgraph(productsSubgraph, {
      ...config,
      databaseUrl: databaseUrl(server.url, 'pharmacy_products'),
    });
    expect(await seedDemoProducts(again.orm)).toBe(0);
    await again.close();
  });
});
