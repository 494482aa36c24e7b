/**
 * The buses an order-saga test runs on: a stack of the four subgraphs and the router whose saga travels
 * the Postgres bus, or the Google Pub/Sub bus (the real emulator; skipped without gcloud unless CI=true,
 * which makes it required). A test file runs its scenarios on each with `describe.each(SAGA_BUSES)`.
 */
import { describe, it } from '@jest/globals';
import type { EventBus } from '../../lib/event-bus/event-bus.ts';
import { PostgresEventBus } from '../../lib/event-bus/postgres-event-bus.ts';
import { PubSubEventBus } from '../../lib/event-bus/pubsub-event-bus.ts';
import { createMigratedDatabase } from './database.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from './pubsub-emulator.ts';
import { silentLogger, startTestStack, type TestStack } from './services.ts';

/** A stack on one bus, and a way to open a test consumer of our own on that same bus. */
export interface RunningBus {
  stack: TestStack;
  openBus(): Promise<EventBus>;
  stop(): Promise<void>;
}

export interface SagaBus {
  name: string;
  start(): Promise<RunningBus>;
}

const postgres: SagaBus = {
  name: 'postgres',
  async start() {
    // Our own bus database (rather than the stack's default) so that the test consumer can join it.
    const busDatabase = await createMigratedDatabase('events');
    const stack = await startTestStack({ busEnv: { EVENT_BUS_DATABASE_URL: busDatabase.url } }).catch(
      async (error: unknown) => {
        await busDatabase.drop();
        throw error;
      },
    );
    return {
      stack,
      openBus: () => PostgresEventBus.start({ url: busDatabase.url, logger: silentLogger }),
      async stop() {
        await stack.stop();
        await busDatabase.drop();
      },
    };
  },
};

const pubsub: SagaBus = {
  name: 'pubsub',
  async start() {
    const emulator = await testPubSubEmulator();
    const { host, projectId } = emulator;
    const stack = await startTestStack({
      busEnv: { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: host, PUBSUB_PROJECT_ID: projectId },
    }).catch(async (error: unknown) => {
      await emulator.stop();
      throw error;
    });
    return {
      stack,
      openBus: async () => new PubSubEventBus({ projectId, emulatorHost: host, logger: silentLogger }),
      async stop() {
        await stack.stop();
        await emulator.stop();
      },
    };
  },
};

export const SAGA_BUSES: readonly SagaBus[] = pubSubTestsEnabled() ? [postgres, pubsub] : [postgres];

/** Says, as a skipped test, that `what` does not run on the Pub/Sub bus here. */
export function reportSkippedPubSub(what: string): void {
  if (pubSubTestsEnabled()) return;
  describe.skip(`${what} on the pubsub bus (gcloud is not on PATH; CI=true would make this a failure)`, () => {
    it('runs the scenarios against the Pub/Sub emulator', () => undefined);
  });
}
