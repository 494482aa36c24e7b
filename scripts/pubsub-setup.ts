/**
 * `npm run pubsub:setup`: creates the order saga's topics, subscriptions and dead-letter topics on Google
 * Cloud Pub/Sub (or the emulator), exactly as the services do when they connect: through the event bus's
 * own `ensureSubscription`, for every subscription of `SAGA_SUBSCRIPTION_LIST`, with the services'
 * EVENT_MAX_ATTEMPTS and retry delays. The routers' temporary subscriptions hang off `inventory-events`,
 * one of the saga's topics, so it exists too. Existing ones are brought to the current settings, so running
 * it again is harmless. Then it prints what exists, one line each, and exits 0 (1 on a failure, 78 on a bad
 * configuration).
 *
 *   EVENT_BUS=pubsub PUBSUB_PROJECT_ID=my-project npm run pubsub:setup          # GCP (Application Default Credentials)
 *   EVENT_BUS=pubsub PUBSUB_EMULATOR_HOST=127.0.0.1:8085 npm run pubsub:setup   # the emulator
 *
 * It reads the same bus variables as the services; with EVENT_BUS=postgres it creates the same queues
 * in the Postgres bus. Dead-lettering on GCP also needs the Pub/Sub service agent to publish to each
 * dead-letter topic and subscribe to each subscription (docs/deployment.md has the commands).
 */
import { PubSub } from '@google-cloud/pubsub';
import { exitOnConfigError, readConfig } from '../lib/config.ts';
import { openEventBus, readEventBusConfig, type EventBusConfig } from '../lib/event-bus/bus-config.ts';
import { deadLetterName, isTemporarySubscription } from '../lib/event-bus/event-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { INVENTORY_EVENTS_TOPIC } from '../subgraphs/contracts/inventory-events.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../subgraphs/contracts/saga-subscriptions.ts';

const config = exitOnConfigError(() => readConfig(process.env, (read) => readEventBusConfig(read)));
// Logs go to stderr: stdout is the report.
const logger = createLogger('pubsub-setup', { level: 'warn', stream: 'stderr' });

if (!SAGA_SUBSCRIPTION_LIST.some(({ topic }) => topic === INVENTORY_EVENTS_TOPIC)) {
  throw new Error(`no subscription of the saga creates ${INVENTORY_EVENTS_TOPIC}, which the routers need`);
}

const shortName = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/** What exists in the project: topics, then subscriptions with their topic and policies. */
async function describePubSub(pubSubConfig: Extract<EventBusConfig, { kind: 'pubsub' }>): Promise<string[]> {
  const { projectId, emulatorHost, redelivery } = pubSubConfig;
  const pubsub = new PubSub({
    projectId,
    ...(emulatorHost === undefined
      ? {}
      : { apiEndpoint: emulatorHost, emulatorMode: true, universeDomain: 'googleapis.com' }),
  });
  try {
    const [topics] = await pubsub.getTopics();
    const [subscriptions] = await pubsub.getSubscriptions();
    const lines = topics.map((topic) => `topic ${shortName(topic.name)}`).sort();
    const described = await Promise.all(
      subscriptions
        .filter((subscription) => !isTemporarySubscription(shortName(subscription.name)))
        .map(async (subscription) => {
          const [metadata] = await subscription.getMetadata();
          const parts = [
            `subscription ${shortName(subscription.name)} of ${shortName(metadata.topic ?? '')}`,
          ];
          const deadLetter = metadata.deadLetterPolicy;
          if (deadLetter?.deadLetterTopic) {
            parts.push(
              `dead letters to ${shortName(deadLetter.deadLetterTopic)} after ${deadLetter.maxDeliveryAttempts} attempts`,
            );
          }
          const retry = metadata.retryPolicy;
          if (retry?.minimumBackoff && retry.maximumBackoff) {
            parts.push(
              `retry after ${Number(retry.minimumBackoff.seconds)}s to ${Number(retry.maximumBackoff.seconds)}s`,
            );
          } else if (
            deadLetter?.deadLetterTopic &&
            emulatorHost !== undefined &&
            redelivery.retryDelaySeconds > 0
          ) {
            // The adapter gives the emulator no retry policy (it loses messages); its consumers wait instead.
            parts.push(
              `retry after ${redelivery.retryDelaySeconds}s to ${redelivery.maxRetryDelaySeconds}s, waited out by the consumers`,
            );
          }
          return parts.join(', ');
        }),
    );
    const temporary = subscriptions.filter((subscription) =>
      isTemporarySubscription(shortName(subscription.name)),
    ).length;
    return [
      ...lines,
      ...described.sort(),
      ...(temporary > 0 ? [`(${temporary} temporary subscription(s) of running routers not listed)`] : []),
    ];
  } finally {
    await pubsub.close();
  }
}

const bus = await openEventBus(config, logger);
try {
  for (const { topic, subscription } of SAGA_SUBSCRIPTION_LIST) {
    await bus.ensureSubscription(topic, subscription, { maxAttempts: config.maxAttempts });
  }
} catch (error) {
  process.stderr.write(`pubsub:setup failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await bus.close();
}

if (process.exitCode !== 1) {
  const where =
    config.kind === 'pubsub'
      ? `Pub/Sub project ${config.projectId}${config.emulatorHost === undefined ? '' : ` (emulator at ${config.emulatorHost})`}`
      : 'the Postgres event bus';
  process.stdout.write(`ensured in ${where}:\n`);
  const lines =
    config.kind === 'pubsub'
      ? await describePubSub(config)
      : SAGA_SUBSCRIPTION_LIST.flatMap(({ topic, subscription }) => [
          `subscription ${subscription} of ${topic}, dead letters to ${deadLetterName(subscription)}`,
        ]);
  for (const line of lines) process.stdout.write(`  ${line}\n`);
}
