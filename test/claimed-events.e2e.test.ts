/**
 * A consumer process killed (SIGKILL) while it holds claimed events: a new consumer of the same
 * subscription gets them within seconds (the Postgres bus's claim timeout, Pub/Sub's ack deadline), not
 * after pg-boss's minute of heartbeat expiry and supervision. On the Postgres bus the crash does not spend
 * one of the events' delivery attempts; Pub/Sub counts it, which its attempts budget allows for.
 *
 * Time bounds are loose on purpose: the point is seconds rather than a minute, on a loaded machine.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createEvent, type EventEnvelope } from '../lib/event-bus/event.ts';
import type { EventBus } from '../lib/event-bus/event-bus.ts';
import { PostgresEventBus } from '../lib/event-bus/postgres-event-bus.ts';
import { PubSubEventBus } from '../lib/event-bus/pubsub-event-bus.ts';
import { createMigratedDatabase } from './support/database.ts';
import { killAllServices, spawnService } from './support/processes.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from './support/pubsub-emulator.ts';
import { silentLogger } from './support/services.ts';
import { waitFor } from './support/waiting.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await killAllServices();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const TOPIC = 'claims-test';
const SUBSCRIPTION = 'claims-test.consumer';
const EVENTS = 3;

interface BusUnderTest {
  name: string;
  enabled: boolean;
  /** The consumer process's bus variables, and a bus of the test's own on the same place. */
  start(): Promise<{ env: Record<string, string>; open(): Promise<EventBus> }>;
  /** The subscription's attempts before the dead letters. */
  maxAttempts: number;
  /** The highest attempt a redelivered event may carry after the crash. */
  highestAttemptAfterCrash: number;
  /** How long the events may take to come back (the times they took are printed). */
  backWithinMs: number;
}

const BUSES: BusUnderTest[] = [
  {
    name: 'postgres',
    enabled: true,
    async start() {
      const database = await createMigratedDatabase('events', 'events_claims');
      cleanups.push(() => database.drop());
      return {
        env: { EVENT_BUS_DATABASE_URL: database.url, EVENT_BUS_CLAIM_TIMEOUT_SECONDS: '5' },
        open: () =>
          PostgresEventBus.start({ url: database.url, logger: silentLogger, claimTimeoutSeconds: 5 }),
      };
    },
    maxAttempts: 5,
    // The crash is not an attempt: the event comes back as it was.
    highestAttemptAfterCrash: 1,
    // Well above the 5 s claim timeout, well below pg-boss's own minute.
    backWithinMs: 40_000,
  },
  {
    name: 'pubsub',
    enabled: pubSubTestsEnabled(),
    async start() {
      const emulator = await testPubSubEmulator();
      cleanups.push(() => emulator.stop());
      return {
        env: {
          EVENT_BUS: 'pubsub',
          PUBSUB_EMULATOR_HOST: emulator.host,
          PUBSUB_PROJECT_ID: emulator.projectId,
          PUBSUB_ACK_DEADLINE_SECONDS: '10',
        },
        open: async () =>
          new PubSubEventBus({
            projectId: emulator.projectId,
            emulatorHost: emulator.host,
            logger: silentLogger,
          }),
      };
    },
    // Pub/Sub counts the lost delivery as an attempt. On the emulator a SIGKILLed consumer's stream goes on
    // taking messages until its deadline (30 s from the adapter there: pubsub-event-bus.ts), and each one
    // taken comes back after another ack deadline, one attempt further: 10 s, 20 s, 30 s seen, and room
    // for that in the attempts. GCP hands them to the next consumer after one deadline.
    maxAttempts: 20,
    highestAttemptAfterCrash: 19,
    backWithinMs: 150_000,
  },
];

// The buses run at once: most of each is waiting for the claim to lapse.
describe('a killed consumer’s claimed events', () => {
  it.concurrent.each(BUSES.filter(({ enabled }) => enabled))(
    'on the $name bus go to the next consumer within seconds, with no delivery attempt lost to the crash on the Postgres bus',
    async (bus) => {
      const { env, open } = await bus.start();
      const ours = await open();
      cleanups.push(() => ours.close());
      await ours.ensureSubscription(TOPIC, SUBSCRIPTION, { maxAttempts: bus.maxAttempts });
      // Published before the consumer starts, so that it claims them all in one batch (pg-boss fetches the
      // next batch only once the last one is settled).
      const published: EventEnvelope[] = [];
      for (let index = 0; index < EVENTS; index += 1) {
        const event = createEvent('claims.test', { index }, `claims-${index}`);
        await ours.publish(TOPIC, event);
        published.push(event);
      }

      const first = spawnService('test/support/claiming-consumer.ts', {
        ...env,
        TEST_TOPIC: TOPIC,
        TEST_SUBSCRIPTION: SUBSCRIPTION,
        EVENT_MAX_ATTEMPTS: String(bus.maxAttempts),
        EVENT_RETRY_DELAY_SECONDS: '0',
        EVENT_MAX_RETRY_DELAY_SECONDS: '0',
      });
      await first.waitForOutput(/^subscribed$/m, 30_000);
      await waitFor(
        'every event claimed by the first consumer',
        async () => {
          const claimed = new Set([...first.stdout().matchAll(/^claimed (\S+) /gm)].map((match) => match[1]));
          return published.every(({ id }) => claimed.has(id)) ? true : undefined;
        },
        30_000,
      ).catch((error: unknown) => {
        throw new Error(
          `${(error as Error).message}; stdout:\n${first.stdout()}\nstderr:\n${first.stderr()}`,
        );
      });

      await first.stop('SIGKILL', 10_000);
      const killedAt = performance.now();
      const handled = new Map<string, { attempt: number; afterMs: number }>();
      const consume = () =>
        ours.subscribe(
          TOPIC,
          SUBSCRIPTION,
          async (event, { attempt }) => {
            if (!handled.has(event.id))
              handled.set(event.id, { attempt, afterMs: performance.now() - killedAt });
          },
          { maxAttempts: bus.maxAttempts },
        );
      const allBack = () => (published.every(({ id }) => handled.has(id)) ? true : undefined);
      const next = await consume();
      await waitFor('every event handled by the next consumer', allBack, bus.backWithinMs);
      await next.close();
      const outcomes = published.flatMap(({ id }) => handled.get(id) ?? []);
      process.stdout.write(
        `${bus.name}: claimed events back after ${outcomes.map(({ afterMs, attempt }) => `${Math.round(afterMs)} ms (attempt ${attempt})`).join(', ')}\n`,
      );
      for (const { attempt } of outcomes) expect(attempt).toBeLessThanOrEqual(bus.highestAttemptAfterCrash);
      expect(await ours.deadLetters(SUBSCRIPTION)).toEqual([]);
    },
    200_000,
  );
});
