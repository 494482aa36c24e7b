/**
 * `npm run migrate` (scripts/migrate.ts) as the migration Job runs it: a child process on fresh databases,
 * all four subgraphs at once or one by SUBGRAPH, again with nothing to do, and failing with exit 1 on a
 * database it cannot reach.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SUBGRAPH_NAMES } from '../subgraphs/registry.ts';
import { createTestDatabase, sqlAt, type TestDatabase } from '../test/support/database.ts';
import { startTcpProxy } from '../test/support/network.ts';
import { killAllServices, spawnService } from '../test/support/processes.ts';

const ALL_APPLIED = [
  'users: applied 20261125-create-user, 20261204-create-session',
  'products: applied 20261125-create-product, 20261127-product-max-quantity-per-order, 20261205-product-search-text, 20261207-catalogue-version',
  'orders: applied 20261125-create-order, 20261125-create-outbox-event, 20261126-create-processed-event, 20261126-create-order-line, 20261127-prescription-review-lots-audit, 20261205-stale-order-sweep',
  'inventory: applied 20261125-create-inventory-item, 20261125-create-stock-movement, 20261125-create-outbox-event, 20261126-create-processed-event, 20261126-create-reservation, 20261126-create-low-stock-alert, 20261127-create-lot, 20261127-record-movement-causes',
  '',
].join('\n');

let databases: TestDatabase[] = [];
let env: Record<string, string>;

async function migrate(extra: Record<string, string>) {
  const task = spawnService('scripts/migrate.ts', extra);
  const { code } = await task.waitForExit(60_000);
  return { code, stdout: task.stdout(), stderr: task.stderr() };
}

async function tables(url: string): Promise<string[]> {
  const rows = await sqlAt<{ table_name: string }>(
    url,
    "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
  );
  return rows.map((row) => row.table_name);
}

beforeAll(async () => {
  databases = await Promise.all(SUBGRAPH_NAMES.map((name) => createTestDatabase(`migrate_${name}`)));
  env = Object.fromEntries(
    SUBGRAPH_NAMES.map((name, index) => [`${name.toUpperCase()}_DATABASE_URL`, databases[index]?.url ?? '']),
  );
});

afterAll(async () => {
  await killAllServices();
  await Promise.all(databases.map((database) => database.drop()));
});

describe('npm run migrate', () => {
  it('migrates all four fresh databases, reporting each migration, then finds them up to date', async () => {
    expect(await migrate(env)).toEqual({ code: 0, stdout: ALL_APPLIED, stderr: '' });
    expect(await tables(databases[3]?.url ?? '')).toEqual([
      'inventory_item',
      'lot',
      'low_stock_alert',
      'mikro_orm_migrations',
      'outbox_event',
      'processed_event',
      'reservation',
      'reservation_line',
      'reservation_lot',
      'stock_movement',
    ]);
    expect(await migrate(env)).toEqual({
      code: 0,
      stdout: SUBGRAPH_NAMES.map((name) => `${name}: up to date\n`).join(''),
      stderr: '',
    });
  });

  it('migrates only the subgraph SUBGRAPH names, from DATABASE_URL', async () => {
    const fresh = await createTestDatabase('migrate_single');
    try {
      expect(await migrate({ SUBGRAPH: 'products', DATABASE_URL: fresh.url })).toEqual({
        code: 0,
        stdout:
          'products: applied 20261125-create-product, 20261127-product-max-quantity-per-order, 20261205-product-search-text, 20261207-catalogue-version\n',
        stderr: '',
      });
      expect(await tables(fresh.url)).toEqual(['catalogue_version', 'mikro_orm_migrations', 'product']);
    } finally {
      await fresh.drop();
    }
  });

  it('waits for a database server still starting (compose, a Job next to a restarting instance)', async () => {
    const fresh = await createTestDatabase('migrate_waiting');
    const server = new URL(fresh.url);
    const proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    try {
      await proxy.cut();
      server.host = `${proxy.host}:${proxy.port}`;
      const task = spawnService('scripts/migrate.ts', {
        SUBGRAPH: 'products',
        DATABASE_URL: server.toString(),
      });
      // The server "comes up" once the task has found it down: trying again each second, it then migrates.
      const givenUpAt = Date.now() + 30_000;
      while (!task.stderr().includes('database unreachable: trying again in 1 s')) {
        if (Date.now() > givenUpAt)
          throw new Error(`the task never found the database down: ${task.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      proxy.restore();
      const { code } = await task.waitForExit(30_000);
      expect({ code, stdout: task.stdout() }).toEqual({
        code: 0,
        stdout:
          'products: applied 20261125-create-product, 20261127-product-max-quantity-per-order, 20261205-product-search-text, 20261207-catalogue-version\n',
      });
    } finally {
      await proxy.close();
      await fresh.drop();
    }
  });

  it('exits 1 naming the subgraph when its database cannot be reached, and 78 listing missing variables', async () => {
    const unreachable = await migrate({
      SUBGRAPH: 'users',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      // Seconds to go on trying: none here, so it fails at once.
      MIGRATE_WAIT_SECONDS: '0',
    });
    expect({ code: unreachable.code, stdout: unreachable.stdout }).toEqual({ code: 1, stdout: '' });
    expect(unreachable.stderr).toMatch(
      /^migrate failed: users: cannot reach postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere/,
    );
    expect(await migrate({})).toEqual({
      code: 78,
      stdout: '',
      stderr: `Invalid configuration:\n${SUBGRAPH_NAMES.map((name) => `  - ${name.toUpperCase()}_DATABASE_URL is required\n`).join('')}`,
    });
  });
});
