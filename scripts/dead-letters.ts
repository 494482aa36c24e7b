/**
 * `npm run dead-letters`: what the saga's consumers gave up on. For each subscription of the saga, the
 * events that failed all their attempts (EVENT_MAX_ATTEMPTS) and were moved aside, oldest first, one JSON
 * object a line: the subscription and the event (id, type, correlationId to find its logs, payload).
 *
 * It reads the same bus variables as the services (EVENT_BUS, EVENT_BUS_DATABASE_URL or PUBSUB_*). Nothing
 * is removed: an operator fixes the cause, then republishes an event by hand (its consumers deduplicate on
 * the event id, so a republished event that had in fact been applied changes nothing).
 */
import { exitOnConfigError, readConfig } from '../lib/config.ts';
import { openEventBus, readEventBusConfig } from '../lib/event-bus/bus-config.ts';
import { createLogger } from '../lib/logger.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../subgraphs/contracts/saga-subscriptions.ts';

const config = exitOnConfigError(() => readConfig(process.env, (read) => readEventBusConfig(read)));
// Logs go to stderr: stdout is the listing.
const bus = await openEventBus(config, createLogger('dead-letters', { level: 'warn', stream: 'stderr' }));
try {
  let total = 0;
  for (const { subscription } of SAGA_SUBSCRIPTION_LIST) {
    for (const event of await bus.deadLetters(subscription)) {
      process.stdout.write(`${JSON.stringify({ subscription, event })}\n`);
      total += 1;
    }
  }
  process.stderr.write(`${total} dead letter(s) in ${SAGA_SUBSCRIPTION_LIST.length} subscriptions\n`);
} finally {
  await bus.close();
}
