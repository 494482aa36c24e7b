/**
 * `node scripts/serve.ts demo-data`: the demo data of `npm start` for a deployed stack (docker compose):
 * the demo accounts (admin / admin123456, pharmacist / pharmacist123, customer / customer123) and the ten
 * products, written to the users and products databases, then stock and the demo orders through the
 * router, like any client. Idempotent: a second run adds nothing. It runs only with DEMO_DATA=true, and
 * in production (NODE_ENV=production) only with ALLOW_DEMO_DATA_IN_PRODUCTION=true too: the demo
 * accounts' passwords are public.
 *
 * USERS_DATABASE_URL, PRODUCTS_DATABASE_URL and ROUTER_URL (the router's GraphQL URL) configure it.
 */
import { exitOnConfigError, readConfig, readDemoData } from '../lib/config.ts';
import { openDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { seedDemoProducts } from '../subgraphs/products/demo-products.ts';
import { seedDemoUsers } from '../subgraphs/users/demo-users.ts';
import { SUBGRAPH_DATABASES } from './database-migrations.ts';
import { seedDemoStockAndOrders } from './demo-orders.ts';

const config = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    usersDatabaseUrl: read.url('USERS_DATABASE_URL', ['postgres:', 'postgresql:']),
    productsDatabaseUrl: read.url('PRODUCTS_DATABASE_URL', ['postgres:', 'postgresql:']),
    routerUrl: read.url('ROUTER_URL', ['http:', 'https:']),
    demoData: readDemoData(read, false),
  })),
);
if (!config.demoData) {
  process.stderr.write('demo-data loads public demo accounts: set DEMO_DATA=true to load them\n');
  process.exit(64); // EX_USAGE
}
const logger = createLogger('demo-data', { level: 'warn', stream: 'stderr' });

async function seed(subgraph: 'users' | 'products', url: string): Promise<number> {
  const orm = await openDatabase({ url, ...SUBGRAPH_DATABASES[subgraph], poolMax: 1, logger });
  try {
    return subgraph === 'users' ? await seedDemoUsers(orm) : await seedDemoProducts(orm);
  } finally {
    await orm.close();
  }
}

const accounts = await seed('users', config.usersDatabaseUrl);
const products = await seed('products', config.productsDatabaseUrl);
await seedDemoStockAndOrders(config.routerUrl, logger);
process.stdout.write(
  `demo data ready: ${accounts} account(s) and ${products} product(s) added, stock and orders in place\n`,
);
