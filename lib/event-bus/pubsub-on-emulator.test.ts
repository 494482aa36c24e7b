/**
 * The Pub/Sub bus on the emulator, which gets two things wrong that the adapter makes up for (see
 * pubsub-event-bus.ts):
 * - its retry policy loses messages after one late ack of a message whose lease lapsed while it waited for
 *   its backoff. The adapter gives the emulator no retry policy and waits out the backoff in the consumer;
 *   the first test makes that late ack on a subscription the adapter set up (another consumer, starved of
 *   CPU, acks after its lease lapsed) and checks that a failed event still comes back, after its backoff;
 * - it ignores flow control and pushes a whole backlog to a busy consumer. The adapter reads and leases
 *   it all and runs a few handlers at a time; a burst is then handled at its first delivery;
 * - it never notices that a consumer died: the dead stream goes on taking messages until its deadline.
 *   The adapter gives its streams a short one, so a SIGKILLed consumer stops taking messages soon.
 */
import { PubSub, v1 } from '@google-cloud/pubsub';
import { afterAll, expect, it } from '@jest/globals';
import type { PubSubEmulator } from '../../scripts/support/pubsub-emulator.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from '../../test/support/pubsub-emulator.ts';
import { silentLogger } from '../../test/support/services.ts';
import { sleep, waitFor } from '../../test/support/waiting.ts';
import { createEvent } from './event.ts';
import { resolveSubscribeOptions } from './event-bus.ts';
import { EMULATOR_STREAM_SECONDS, PubSubEventBus } from './pubsub-event-bus.ts';
import { killAllServices, spawnService } from '../../test/support/processes.ts';

const TOPIC = 'backoff-test';
const SUBSCRIPTION = 'backoff-test.consumer';
const BURST = 1_000;
const ACK_DEADLINE_SECONDS = 10;
/** Long enough that the late ack falls inside the backoff the emulator would give the lapsed message. */
const RETRY_DELAY_SECONDS = 5;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await killAllServices();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** A consumer of the subscription outside the adapter, pulling one message at a time. */
async function rawConsumer(emulator: PubSubEmulator) {
  const pubsub = new PubSub({
    projectId: emulator.projectId,
    apiEndpoint: emulator.host,
    emulatorMode: true,
    universeDomain: 'googleapis.com',
  });
  const client = new v1.SubscriberClient(
    (await pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );
  cleanups.push(
    () => client.close(),
    () => pubsub.close(),
  );
  const subscription = client.subscriptionPath(emulator.projectId, SUBSCRIPTION);
  return {
    async pull(): Promise<string | undefined> {
      const [response] = await client.pull({ subscription, maxMessages: 1, returnImmediately: true });
      return response.receivedMessages?.[0]?.ackId ?? undefined;
    },
    nack: (ackId: string) =>
      client.modifyAckDeadline({ subscription, ackIds: [ackId], ackDeadlineSeconds: 0 }),
    ack: (ackId: string) => client.acknowledge({ subscription, ackIds: [ackId] }),
  };
}

const onEmulator = pubSubTestsEnabled() ? it.concurrent : it.skip;

async function busOnEmulator(options: { retryDelaySeconds?: number; maxRetryDelaySeconds?: number } = {}) {
  const emulator = await testPubSubEmulator();
  cleanups.push(() => emulator.stop());
  const bus = new PubSubEventBus({
    projectId: emulator.projectId,
    emulatorHost: emulator.host,
    logger: silentLogger,
    ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
    ...options,
  });
  cleanups.push(() => bus.close());
  return { emulator, bus };
}

onEmulator(
  'a late ack of a lapsed message does not stop later failed events from coming back, after their backoff',
  async () => {
    const { emulator, bus } = await busOnEmulator({
      retryDelaySeconds: RETRY_DELAY_SECONDS,
      maxRetryDelaySeconds: RETRY_DELAY_SECONDS,
    });
    await bus.ensureSubscription(TOPIC, SUBSCRIPTION);

    // The emulator delays only messages it has delivered before: the other consumer fails the first
    // delivery, holds the second past its lease, and acks it once the lapse has been seen.
    const other = await rawConsumer(emulator);
    await bus.publish(TOPIC, createEvent('backoff.stray', {}, 'stray'));
    const first = await waitFor('the stray event', () => other.pull(), 10_000);
    await other.nack(first);
    const held = await waitFor('the stray event again', () => other.pull(), 10_000);
    await sleep((ACK_DEADLINE_SECONDS + 1) * 1000);
    const redelivered = await other.pull();
    await other.ack(held);
    if (redelivered !== undefined) await other.ack(redelivered);

    const failing = createEvent('backoff.failing', {}, 'failing');
    const attemptsAt: number[] = [];
    await bus.subscribe(TOPIC, SUBSCRIPTION, async (event, { attempt }) => {
      if (event.id !== failing.id) return;
      attemptsAt.push(performance.now());
      if (attempt < 3) throw new Error(`attempt ${attempt} fails`);
    });
    await bus.publish(TOPIC, failing);
    await waitFor('the third attempt at the failing event', () => attemptsAt.length >= 3, 60_000);

    const [firstAt = 0, secondAt = 0, thirdAt = 0] = attemptsAt;
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(RETRY_DELAY_SECONDS * 1000 - 100);
    expect(thirdAt - secondAt).toBeGreaterThanOrEqual(RETRY_DELAY_SECONDS * 1000 - 100);
    expect(await bus.deadLetters(SUBSCRIPTION)).toEqual([]);
  },
  120_000,
);

onEmulator(
  'a burst to a busy consumer is handled at its first delivery, a few handlers at a time',
  async () => {
    const { bus } = await busOnEmulator();
    const { concurrency } = resolveSubscribeOptions({});
    const attempts = new Map<string, number[]>();
    let running = 0;
    let mostRunning = 0;
    await bus.subscribe('burst-test', 'burst-test.consumer', async (event, { attempt }) => {
      attempts.set(event.id, [...(attempts.get(event.id) ?? []), attempt]);
      running += 1;
      mostRunning = Math.max(mostRunning, running);
      await sleep(20);
      running -= 1;
    });
    await Promise.all(
      Array.from({ length: BURST }, (_, index) =>
        bus.publish('burst-test', createEvent('burst.test', { index }, `burst-${index}`)),
      ),
    );
    await waitFor('every event of the burst handled', () => attempts.size >= BURST, 60_000);
    // Anything lost on the way would come back after the ack deadline, as a second attempt.
    await sleep((ACK_DEADLINE_SECONDS + 1) * 1000);
    const deliveries = [...attempts.values()];
    expect(deliveries.filter((seen) => seen.length !== 1 || seen[0] !== 1)).toEqual([]);
    expect(mostRunning).toBe(concurrency);
  },
  120_000,
);

onEmulator(
  'a consumer that closes starts no handler after its close, and what it had not started comes again',
  async () => {
    const { bus } = await busOnEmulator();
    const handled: string[] = [];
    let closed = false;
    let startedAfterClose = 0;
    const consumer = await bus.subscribe('close-test', 'close-test.consumer', async (event) => {
      if (closed) startedAfterClose += 1;
      await sleep(200);
      handled.push(event.id);
    });
    const events = Array.from({ length: 50 }, (_, index) =>
      createEvent('close.test', { index }, `close-${index}`),
    );
    await Promise.all(events.map((event) => bus.publish('close-test', event)));
    await waitFor('the first handlers', () => handled.length > 0, 30_000);
    closed = true;
    await consumer.close();
    const handledBeforeClose = handled.length;
    expect(handledBeforeClose).toBeLessThan(events.length);

    const next = await bus.subscribe('close-test', 'close-test.consumer', async (event) => {
      handled.push(event.id);
    });
    cleanups.push(() => next.close());
    await waitFor('every event handled', () => events.every(({ id }) => handled.includes(id)), 60_000);
    expect(startedAfterClose).toBe(0);
  },
  120_000,
);

onEmulator(
  "a SIGKILLed consumer's stream takes no message once its short deadline has passed",
  async () => {
    const { emulator, bus } = await busOnEmulator();
    await bus.ensureSubscription('dead-stream-test', 'dead-stream-test.consumer');
    const killed = spawnService('test/support/claiming-consumer.ts', {
      EVENT_BUS: 'pubsub',
      PUBSUB_EMULATOR_HOST: emulator.host,
      PUBSUB_PROJECT_ID: emulator.projectId,
      TEST_TOPIC: 'dead-stream-test',
      TEST_SUBSCRIPTION: 'dead-stream-test.consumer',
    });
    await killed.waitForOutput(/^subscribed$/m, 30_000);
    await sleep(1_000);
    await killed.stop('SIGKILL', 10_000);
    await sleep((EMULATOR_STREAM_SECONDS + 5) * 1000);

    const attempts = new Map<string, number[]>();
    await bus.subscribe('dead-stream-test', 'dead-stream-test.consumer', async (event, { attempt }) => {
      attempts.set(event.id, [...(attempts.get(event.id) ?? []), attempt]);
    });
    const events = Array.from({ length: 100 }, (_, index) =>
      createEvent('dead.stream', { index }, `dead-${index}`),
    );
    // One at a time, so that each is a pull of its own: a dead stream would take about half of them.
    for (const event of events) await bus.publish('dead-stream-test', event);
    await waitFor('every event handled', () => attempts.size >= events.length, 60_000);
    await sleep((ACK_DEADLINE_SECONDS + 1) * 1000);
    expect([...attempts.values()].filter((seen) => seen.length !== 1 || seen[0] !== 1)).toEqual([]);
    expect(killed.stdout()).not.toMatch(/^claimed /m);
  },
  150_000,
);
