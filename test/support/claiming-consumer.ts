/**
 * A consumer process for test/claimed-events.e2e.test.ts: it subscribes to TEST_TOPIC through
 * TEST_SUBSCRIPTION on the bus the usual variables name (EVENT_BUS, EVENT_BUS_DATABASE_URL, PUBSUB_*,
 * EVENT_MAX_ATTEMPTS),
 * prints `claimed <event id> <attempt>` for each event it is handed, and never finishes one, so the events
 * stay claimed by it until it is killed.
 */
import { exitOnConfigError, readConfig } from '../../lib/config.ts';
import { openEventBus, readEventBusConfig } from '../../lib/event-bus/bus-config.ts';
import { createLogger } from '../../lib/logger.ts';

const {
  bus: config,
  topic,
  subscription,
} = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    bus: readEventBusConfig(read),
    topic: read.string('TEST_TOPIC'),
    subscription: read.string('TEST_SUBSCRIPTION'),
  })),
);
const bus = await openEventBus(
  config,
  createLogger('claiming-consumer', { level: 'warn', stream: 'stderr' }),
);
await bus.subscribe(
  topic,
  subscription,
  async (event, { attempt }) => {
    process.stdout.write(`claimed ${event.id} ${attempt}\n`);
    await new Promise(() => undefined);
  },
  { maxAttempts: config.maxAttempts },
);
process.stdout.write('subscribed\n');
