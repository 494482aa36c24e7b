/**
 * The migrations of each subgraph's database, run apart from the services: by the Kubernetes migration Job
 * and the compose `migrate` step before the services start with `MIGRATE_ON_START=false`, so that no two
 * replicas race to migrate and no new code serves an old schema.
 *
 * Which databases (`readMigrationTargets`):
 *
 * - `SUBGRAPH=<users|products|orders|inventory>`: that subgraph's database, `DATABASE_URL` (the variable
 *   the subgraph itself reads; `<NAME>_DATABASE_URL` is accepted too);
 * - `SUBGRAPH` unset or `all`: all four, each from `USERS_DATABASE_URL`, `PRODUCTS_DATABASE_URL`,
 *   `ORDERS_DATABASE_URL` and `INVENTORY_DATABASE_URL`, in that order.
 *
 * The entities and migrations are each subgraph module's own (the lists its service runs at start-up), so
 * this can never migrate differently from the services.
 */
import type { Constructor } from '@mikro-orm/core';
import { readConfig, redactUrl, type Env } from '../lib/config.ts';
import {
  isDatabaseUnreachable,
  migrateDatabase,
  openDatabase,
  type DatabaseOptions,
  type Migration,
} from '../lib/database.ts';
import type { Logger } from '../lib/logger.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/index.ts';
import { inventoryModule } from '../subgraphs/inventory/inventory.subgraph.ts';
import { Catalogue } from '../subgraphs/orders/catalogue.ts';
import { ordersModule } from '../subgraphs/orders/orders.subgraph.ts';
import { productsModule } from '../subgraphs/products/products.subgraph.ts';
import { signingKeysFromFile } from '../subgraphs/users/signing-keys.ts';
import { usersModule } from '../subgraphs/users/users.subgraph.ts';

export interface SubgraphDatabase {
  entities: DatabaseOptions['entities'];
  migrations: Constructor<Migration>[];
}

/**
 * Each subgraph's entities and migrations, read from its module. The users and orders modules are built
 * from their runtime collaborators (signing keys, the catalogue client); these are never called here, only
 * the lists are read, so placeholders stand in for them (the key file is never opened).
 */
export const SUBGRAPH_DATABASES: Record<SubgraphName, SubgraphDatabase> = (() => {
  const users = usersModule(signingKeysFromFile('/nonexistent/jwt-keys.json'), {
    issuer: 'migrations',
    audience: 'migrations',
    ttlSeconds: 60,
  });
  const orders = ordersModule(
    new Catalogue({ url: 'http://127.0.0.1:1/graphql', timeoutMs: 100, routerSecret: 'unused' }),
  );
  const tables = (module: SubgraphDatabase): SubgraphDatabase => ({
    entities: module.entities,
    migrations: module.migrations,
  });
  return {
    users: tables(users),
    products: tables(productsModule),
    orders: tables(orders),
    inventory: tables(inventoryModule),
  };
})();

export interface MigrationTarget {
  subgraph: SubgraphName;
  databaseUrl: string;
}

const POSTGRES_URL = ['postgres:', 'postgresql:'] as const;

export function databaseUrlVariable(subgraph: SubgraphName): string {
  return `${subgraph.toUpperCase()}_DATABASE_URL`;
}

/** The databases to migrate, from the environment (throws ConfigError listing every problem). */
export function readMigrationTargets(env: Env): MigrationTarget[] {
  return readConfig(env, (read) => {
    const choice = read.oneOf('SUBGRAPH', ['all', ...SUBGRAPH_NAMES], 'all');
    if (choice === 'all') {
      return SUBGRAPH_NAMES.map((subgraph) => ({
        subgraph,
        databaseUrl: read.url(databaseUrlVariable(subgraph), POSTGRES_URL),
      }));
    }
    const variable =
      read.optionalString('DATABASE_URL') === undefined ? databaseUrlVariable(choice) : 'DATABASE_URL';
    if (read.optionalString(variable) === undefined) {
      read.problem(`DATABASE_URL (or ${databaseUrlVariable(choice)}) is required with SUBGRAPH=${choice}`);
      return [];
    }
    return [{ subgraph: choice, databaseUrl: read.url(variable, POSTGRES_URL) }];
  });
}

export interface MigrationResult {
  subgraph: SubgraphName;
  /** The migrations this run applied, in order (empty: the database was up to date). */
  applied: string[];
}

/** Applies the pending migrations of each target in turn; stops at the first failure (which is thrown). */
export async function migrateSubgraphs(
  targets: readonly MigrationTarget[],
  logger: Logger,
): Promise<MigrationResult[]> {
  const results: MigrationResult[] = [];
  for (const { subgraph, databaseUrl } of targets) {
    const log = logger.child({ subgraph });
    const orm = await openDatabase({
      url: databaseUrl,
      ...SUBGRAPH_DATABASES[subgraph],
      poolMax: 1,
      logger: log,
    }).catch((error: unknown) => {
      throw new Error(`${subgraph}: cannot open ${redactUrl(databaseUrl)}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    try {
      const pending = (await orm.migrator.getPending()).map((migration) => migration.name);
      await migrateDatabase(orm, log);
      results.push({ subgraph, applied: pending });
    } catch (error) {
      const what = isDatabaseUnreachable(error)
        ? `cannot reach ${redactUrl(databaseUrl)}`
        : 'migration failed';
      throw new Error(`${subgraph}: ${what}: ${(error as Error).message}`, { cause: error });
    } finally {
      await orm.close();
    }
  }
  return results;
}
