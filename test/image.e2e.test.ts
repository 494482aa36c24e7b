/**
 * The image's file set (the Dockerfile's COPY lines minus .dockerignore, with production dependencies only)
 * started through its entry point with the compose environment, against this machine's Postgres, Redis and
 * the real Pub/Sub emulator: the one-shot steps, every service, the demo data and `npm run smoke`, then a
 * SIGTERM drain. The static checks of the deployment layer are in deployment.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../scripts/support/ports.ts';
import type { PubSubEmulator } from '../scripts/support/pubsub-emulator.ts';
import { SUBGRAPH_NAMES } from '../subgraphs/registry.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import {
  composeEnv,
  dockerIgnored,
  runtimeCopies,
  SERVICES,
  type ServiceName,
} from './support/deployment-files.ts';
import {
  killAllServices,
  REPO_ROOT,
  spawnService,
  waitForStatus,
  type ServiceProcess,
} from './support/processes.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from './support/pubsub-emulator.ts';

/**
 * The image's /app: the runtime stage's COPY sources minus .dockerignore, and a node_modules of the
 * production packages only (links to this checkout's copies), as `npm ci --omit=dev` leaves it.
 */
async function assembleImage(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pharmacy-image-'));
  for (const source of runtimeCopies()) {
    await cp(join(REPO_ROOT, source), join(root, source), {
      recursive: true,
      filter: (path) => {
        const relativePath = relative(REPO_ROOT, path).split('\\').join('/');
        return relativePath === '' || !dockerIgnored(relativePath);
      },
    });
  }
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || path.lastIndexOf('node_modules/') !== 0 || entry.dev) continue;
    if (!existsSync(join(REPO_ROOT, path))) continue; // another platform's optional binary
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(join(REPO_ROOT, path), join(root, path));
  }
  return root;
}

const runtimeEnabled = pubSubTestsEnabled();
if (!runtimeEnabled)
  console.warn('gcloud is missing: the entry-point run of test/image.e2e.test.ts is skipped');

(runtimeEnabled ? describe : describe.skip)('the image entry point with the compose environment', () => {
  const STARTUP_MS = 60_000;
  let image: string;
  let emulator: PubSubEmulator;
  const databases = new Map<string, TestDatabase>();
  const ports = new Map<ServiceName, number>();
  /** Each service's /metrics port (compose gives every container 9464; here they share one host). */
  const metricsPorts = new Map<ServiceName, number>();
  let keysDirectory: string;
  const redisPrefix = `test-deployment-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    [image, emulator, keysDirectory] = await Promise.all([
      assembleImage(),
      testPubSubEmulator(),
      mkdtemp(join(tmpdir(), 'pharmacy-keys-')),
    ]);
    for (const subgraph of SUBGRAPH_NAMES)
      databases.set(`pharmacy_${subgraph}`, await createTestDatabase(subgraph));
    for (const service of SERVICES) ports.set(service, await freePort());
    for (const service of SERVICES) metricsPorts.set(service, await freePort());
  }, 60_000);

  afterAll(async () => {
    await killAllServices();
    await emulator?.stop();
    await Promise.all([...databases.values()].map((database) => database.drop()));
    if (image) await rm(image, { recursive: true, force: true });
    if (keysDirectory) await rm(keysDirectory, { recursive: true, force: true });
  });

  /** A compose service's environment, its hosts (postgres, pubsub, redis, the services) pointed at this machine. */
  function adapted(service: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(composeEnv(service))) {
      // No collector runs here: tracing stays off (observability.e2e.test.ts exports to one).
      if (key === 'OTEL_EXPORTER_OTLP_ENDPOINT') continue;
      let result = value;
      if (key === 'METRICS_PORT') {
        const port = metricsPorts.get(service as ServiceName);
        if (port === undefined) continue;
        result = String(port);
      }
      if (/^postgres(ql)?:/.test(value)) {
        const database = databases.get(new URL(value).pathname.slice(1));
        if (!database) throw new Error(`${service}: ${key} names an unknown database`);
        result = database.url;
      } else if (key === 'PUBSUB_EMULATOR_HOST') result = emulator.host;
      else if (key === 'REDIS_URL') result = 'redis://127.0.0.1:6379';
      else if (key === 'JWT_KEYS_FILE') result = join(keysDirectory, posix.basename(value));
      else if (/^https?:/.test(value)) {
        const url = new URL(value);
        const port = ports.get(url.hostname as ServiceName);
        if (port === undefined) throw new Error(`${service}: ${key} names an unknown host`);
        result = `http://127.0.0.1:${port}${url.pathname}`;
      }
      env[key] = result;
    }
    if (SERVICES.includes(service as ServiceName)) {
      env.PORT = String(ports.get(service as ServiceName));
      env.HOST = '127.0.0.1';
    }
    if (service === 'router') env.REDIS_KEY_PREFIX = redisPrefix;
    return env;
  }

  /** `node <image>/scripts/serve.ts` with SERVICE=<service> (the compose `command`), from the image's root. */
  function entryPoint(service: string, env: Record<string, string> = adapted(service)): ServiceProcess {
    return spawnService(join(image, 'scripts/serve.ts'), { ...env, SERVICE: service });
  }

  async function oneShot(service: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const task = entryPoint(service);
    const { code } = await task.waitForExit(STARTUP_MS);
    return { code, stdout: task.stdout(), stderr: task.stderr() };
  }

  it('refuses an unknown service with exit code 64 and the list of services', async () => {
    expect(await oneShot('nonsense')).toEqual({
      code: 64,
      stdout: '',
      stderr:
        'unknown service "nonsense": pass one of router, users, products, orders, inventory, migrate, pubsub-setup, ' +
        'ensure-keys, demo-data, rotate-keys, create-admin, dead-letters, smoke as the argument or in SERVICE\n',
    });
  });

  it('runs the one-shot steps, starts every service healthy and ready, loads the demo data, passes the smoke test and drains on SIGTERM', async () => {
    const keysFile = adapted('ensure-keys').JWT_KEYS_FILE ?? '';
    expect(await oneShot('ensure-keys')).toEqual({
      code: 0,
      stdout: `${keysFile} created with one signing key\n`,
      stderr: '',
    });
    const migrated = await oneShot('migrate');
    expect({ code: migrated.code, stderr: migrated.stderr }).toEqual({ code: 0, stderr: '' });
    expect(migrated.stdout.split('\n').map((line) => line.split(':')[0])).toEqual([...SUBGRAPH_NAMES, '']);
    const setup = await oneShot('pubsub-setup');
    expect({ code: setup.code, stderr: setup.stderr }).toEqual({ code: 0, stderr: '' });
    expect(setup.stdout).toContain('subscription inventory.order-events of order-events');
    expect(setup.stdout).toContain('subscription orders.inventory-events of inventory-events');

    const running = new Map(SERVICES.map((service) => [service, entryPoint(service)]));
    for (const service of SERVICES) {
      const base = `http://127.0.0.1:${ports.get(service)}`;
      await waitForStatus(`${base}/health`, 200, STARTUP_MS);
      await waitForStatus(`${base}/ready`, 200, STARTUP_MS);
    }

    const routerUrl = `http://127.0.0.1:${ports.get('router')}/graphql`;
    const demo = await oneShot('demo-data');
    expect(demo).toEqual({
      code: 0,
      stdout: 'demo data ready: 3 account(s) and 10 product(s) added, stock and orders in place\n',
      stderr: '',
    });
    const smoke = spawnService(join(image, 'scripts/serve.ts'), { SERVICE: 'smoke', SMOKE_URL: routerUrl });
    expect({ exit: await smoke.waitForExit(STARTUP_MS), stderr: smoke.stderr() }).toEqual({
      exit: { code: 0, signal: null },
      stderr: '',
    });
    expect(smoke.stdout()).toMatch(/smoke test passed\n$/);

    const exits = await Promise.all(
      [...running.entries()].map(async ([service, process]) => {
        const { code, signal } = await process.stop('SIGTERM', 30_000);
        return [service, { code, signal }];
      }),
    );
    expect(Object.fromEntries(exits)).toEqual(
      Object.fromEntries(SERVICES.map((service) => [service, { code: 0, signal: null }])),
    );
  }, 240_000);
});
