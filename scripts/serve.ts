/**
 * The container image's entry point: runs one service or one-shot task, named by the first argument or
 * by `SERVICE` (the argument wins):
 *
 *   node scripts/serve.ts router            # or SERVICE=router node scripts/serve.ts
 *
 * Long-running: router, users, products, orders, inventory. One-shot: migrate, pubsub-setup,
 * ensure-keys, demo-data, rotate-keys, create-admin, dead-letters, smoke. The task runs in this process
 * (imported, not spawned), so SIGTERM reaches the service's own drain handler; in the image tini is PID 1
 * and forwards signals to it. An unknown name exits 64 with the list.
 */
const ENTRIES = {
  router: '../router/main.ts',
  users: '../subgraphs/users/main.ts',
  products: '../subgraphs/products/main.ts',
  orders: '../subgraphs/orders/main.ts',
  inventory: '../subgraphs/inventory/main.ts',
  migrate: './migrate.ts',
  'pubsub-setup': './pubsub-setup.ts',
  'ensure-keys': './ensure-keys.ts',
  'demo-data': './demo-data.ts',
  'rotate-keys': './rotate-keys.ts',
  'create-admin': './create-admin.ts',
  'dead-letters': './dead-letters.ts',
  smoke: './smoke.ts',
} as const satisfies Record<string, string>;

type ServiceName = keyof typeof ENTRIES;
const SERVICE_NAMES = Object.keys(ENTRIES) as ServiceName[];

function isServiceName(name: string | undefined): name is ServiceName {
  return name !== undefined && Object.hasOwn(ENTRIES, name);
}

const name = process.argv[2] ?? process.env.SERVICE;
if (!isServiceName(name)) {
  process.stderr.write(
    `${name === undefined ? 'no service named' : `unknown service "${name}"`}: ` +
      `pass one of ${SERVICE_NAMES.join(', ')} as the argument or in SERVICE\n`,
  );
  process.exit(64); // EX_USAGE
}
await import(new URL(ENTRIES[name], import.meta.url).href);
