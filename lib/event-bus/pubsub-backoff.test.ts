/**
 * The Pub/Sub bus's backoff on the emulator, whose own retry policy loses messages: after one late ack of
 * a message whose lease lapsed while it waited for its backoff, the emulator never redelivers a failed
 * message of that subscription again (see pubsub-event-bus.ts). The adapter gives the emulator no retry
 * policy and waits out the backoff in the consumer. This file makes that late ack on a subscription the
 * adapter set up (another consumer, starved of CPU, acks after its lease lapsed) and checks that a failed
 * event still comes back to the adapter's consumer, after its backoff.
 */
import { PubSub, v1 } from '@google-cloud/pubsub';
import { afterAll, expect, it } from '@jest/globals';
import type { PubSubEmulator } from '../../scripts/support/pubsub-emulator.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from '../../test/support/pubsub-emulator.ts';
import { silentLogger } from '../../test/support/services.ts';
import { sleep, waitFor } from '../../test/support/waiting.ts';
import { createEvent } from './event.ts';
import { PubSubEventBus } from './pubsub-event-bus.ts';

const TOPIC = 'backoff-test';
const SUBSCRIPTION = 'backoff-test.consumer';
const ACK_DEADLINE_SECONDS = 10;
/** Long enough that the late ack falls inside the backoff the emulator would give the lapsed message. */
const RETRY_DELAY_SECONDS = 5;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
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

(pubSubTestsEnabled() ? it : it.skip)(
  'a late ack of a lapsed message does not stop later failed events from coming back, after their backoff',
  async () => {
    const emulator = await testPubSubEmulator();
    cleanups.push(() => emulator.stop());
    const bus = new PubSubEventBus({
      projectId: emulator.projectId,
      emulatorHost: emulator.host,
      logger: silentLogger,
      ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
      retryDelaySeconds: RETRY_DELAY_SECONDS,
      maxRetryDelaySeconds: RETRY_DELAY_SECONDS,
    });
    cleanups.push(() => bus.close());
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
