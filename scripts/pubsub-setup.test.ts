/**
 * `npm run pubsub:setup` against the real Pub/Sub emulator: it creates the saga's topics, subscriptions and
 * dead-letter topics as the services declare them, prints them, can be run again (bringing settings up to
 * date), and what it creates keeps events published before any consumer ran.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../lib/event-bus/event.ts';
import { PubSubEventBus } from '../lib/event-bus/pubsub-event-bus.ts';
import { SAGA_SUBSCRIPTIONS } from '../subgraphs/contracts/saga-subscriptions.ts';
import { killAllServices, spawnService } from '../test/support/processes.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from '../test/support/pubsub-emulator.ts';
import type { PubSubEmulator } from './support/pubsub-emulator.ts';
import { silentLogger } from '../test/support/services.ts';

const listing = (emulator: PubSubEmulator, attempts: number) =>
  [
    `ensured in Pub/Sub project ${emulator.projectId} (emulator at ${emulator.host}):`,
    '  topic inventory-events',
    '  topic inventory.order-events.dead-letter',
    '  topic order-events',
    '  topic orders.inventory-events.dead-letter',
    `  subscription inventory.order-events of order-events, dead letters to inventory.order-events.dead-letter after ${attempts} attempts, retry after 1s to 60s, waited out by the consumers`,
    '  subscription inventory.order-events.dead-letter of inventory.order-events.dead-letter',
    `  subscription orders.inventory-events of inventory-events, dead letters to orders.inventory-events.dead-letter after ${attempts} attempts, retry after 1s to 60s, waited out by the consumers`,
    '  subscription orders.inventory-events.dead-letter of orders.inventory-events.dead-letter',
    '',
  ].join('\n');

(pubSubTestsEnabled() ? describe : describe.skip)('npm run pubsub:setup', () => {
  let emulator: PubSubEmulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await testPubSubEmulator();
    env = { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: emulator.host, PUBSUB_PROJECT_ID: emulator.projectId };
  });

  afterAll(async () => {
    await killAllServices();
    await emulator?.stop();
  });

  async function setup(extra: Record<string, string> = {}) {
    const task = spawnService('scripts/pubsub-setup.ts', { ...env, ...extra });
    const { code } = await task.waitForExit(60_000);
    return { code, stdout: task.stdout(), stderr: task.stderr() };
  }

  it('creates every topic, subscription and dead-letter topic of the saga and prints them', async () => {
    expect(await setup()).toEqual({ code: 0, stdout: listing(emulator, 5), stderr: '' });
  });

  it('runs again without harm, bringing the dead-letter policy to EVENT_MAX_ATTEMPTS', async () => {
    expect(await setup({ EVENT_MAX_ATTEMPTS: '8' })).toEqual({
      code: 0,
      stdout: listing(emulator, 8),
      stderr: '',
    });
  });

  it('keeps an event published before any consumer started, for the subscription it created', async () => {
    const bus = new PubSubEventBus({
      projectId: emulator.projectId,
      emulatorHost: emulator.host,
      logger: silentLogger,
    });
    try {
      const event: EventEnvelope = {
        id: randomUUID(),
        type: 'order.placed',
        version: 1,
        occurredAt: new Date().toISOString(),
        correlationId: randomUUID(),
        payload: { orderId: 1 },
      };
      const { topic, subscription } = SAGA_SUBSCRIPTIONS.inventoryOrders;
      await bus.publish(topic, event);
      const received = await new Promise<EventEnvelope>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no event within 30 s')), 30_000);
        void bus.subscribe(topic, subscription, async (delivered) => {
          clearTimeout(timer);
          resolve(delivered);
        });
      });
      expect(received).toEqual(event);
    } finally {
      await bus.close();
    }
  });

  it('refuses EVENT_BUS=pubsub without a project or an emulator, with exit code 78', async () => {
    const task = spawnService('scripts/pubsub-setup.ts', { EVENT_BUS: 'pubsub' });
    expect({ exit: await task.waitForExit(30_000), stderr: task.stderr() }).toEqual({
      exit: { code: 78, signal: null },
      stderr: 'Invalid configuration:\n  - PUBSUB_PROJECT_ID is required\n',
    });
  });
});
