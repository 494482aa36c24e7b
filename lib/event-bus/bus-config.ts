/**
 * Which event bus a service uses, read from the environment once at start-up:
 *
 * - `EVENT_BUS=postgres` (the default): queues in the database `EVENT_BUS_DATABASE_URL` names. Every
 *   service of the saga must name the same one, or their events never meet. `EVENT_BUS_POOL_MAX` (5) is
 *   the bus's own connections; `EVENT_BUS_CLAIM_TIMEOUT_SECONDS` (5) how soon a killed consumer's events
 *   go back to the queue.
 * - `EVENT_BUS=pubsub`: Google Cloud Pub/Sub in project `PUBSUB_PROJECT_ID`, or the emulator at
 *   `PUBSUB_EMULATOR_HOST` (`host:port`, the variable Google's clients read); `PUBSUB_ACK_DEADLINE_SECONDS`
 *   (10) how soon a killed consumer's messages are redelivered.
 *
 * Both: `EVENT_BUS_DRAIN_TIMEOUT_SECONDS` (20), how long closing waits for handlers in flight, which must
 * fit in the pod's termination grace period beside the preStop pause.
 */
import type { EnvReader } from '../config.ts';
import { checkUrlPassword } from '../secrets.ts';
import type { Logger } from '../logger.ts';
import type { EventBus, RedeliveryOptions } from './event-bus.ts';

const EVENT_BUS_KINDS = ['postgres', 'pubsub'] as const;

export type EventBusConfig = (
  | { kind: 'postgres'; databaseUrl: string; poolMax: number; claimTimeoutSeconds: number }
  | { kind: 'pubsub'; projectId: string; emulatorHost: string | undefined; ackDeadlineSeconds: number }
) & {
  /** How long closing the bus waits for handlers in flight. */
  drainTimeoutSeconds: number;
  redelivery: Required<RedeliveryOptions>;
  /** Deliveries of an event before it goes to the subscription's dead letters. */
  maxAttempts: number;
};

/** The project used with the emulator when none is named: the emulator accepts any. */
const EMULATOR_PROJECT = 'pharmacy-local';
const HOST_PORT = /^[\w.-]+:\d{1,5}$/;

export function readEventBusConfig(read: EnvReader, production = false): EventBusConfig {
  const kind = read.oneOf('EVENT_BUS', EVENT_BUS_KINDS, 'postgres');
  const common = {
    maxAttempts: read.int('EVENT_MAX_ATTEMPTS', 5, { min: 1, max: 100 }),
    drainTimeoutSeconds: read.int('EVENT_BUS_DRAIN_TIMEOUT_SECONDS', 20, { min: 1, max: 600 }),
    redelivery: {
      retryDelaySeconds: read.int('EVENT_RETRY_DELAY_SECONDS', 1, { min: 0, max: 600 }),
      maxRetryDelaySeconds: read.int('EVENT_MAX_RETRY_DELAY_SECONDS', 60, { min: 0, max: 600 }),
    },
  };
  if (common.redelivery.maxRetryDelaySeconds < common.redelivery.retryDelaySeconds) {
    read.problem('EVENT_MAX_RETRY_DELAY_SECONDS must not be below EVENT_RETRY_DELAY_SECONDS');
  }
  if (kind === 'postgres') {
    const databaseUrl = read.url('EVENT_BUS_DATABASE_URL', ['postgres:', 'postgresql:']);
    checkUrlPassword(read, 'EVENT_BUS_DATABASE_URL', databaseUrl, production);
    return {
      kind,
      databaseUrl,
      poolMax: read.int('EVENT_BUS_POOL_MAX', 5, { min: 1, max: 100 }),
      // At least 2 s: heartbeats go three times per timeout, and pg-boss's timers tick no finer than that.
      claimTimeoutSeconds: read.int('EVENT_BUS_CLAIM_TIMEOUT_SECONDS', 5, { min: 2, max: 600 }),
      ...common,
    };
  }
  const emulatorHost = read.optionalString('PUBSUB_EMULATOR_HOST');
  if (emulatorHost !== undefined && !HOST_PORT.test(emulatorHost)) {
    read.problem(`PUBSUB_EMULATOR_HOST must be host:port such as 127.0.0.1:8085, got "${emulatorHost}"`);
  }
  const projectId =
    emulatorHost === undefined
      ? read.string('PUBSUB_PROJECT_ID')
      : read.string('PUBSUB_PROJECT_ID', EMULATOR_PROJECT);
  // Pub/Sub's own bounds for an ack deadline.
  const ackDeadlineSeconds = read.int('PUBSUB_ACK_DEADLINE_SECONDS', 10, { min: 10, max: 600 });
  return { kind, projectId, emulatorHost, ackDeadlineSeconds, ...common };
}

/**
 * Connects to the configured bus (the Postgres bus creates its schema here). Each adapter is loaded when
 * used, so a process on one bus never loads the other's client (pg-boss, or Google's gRPC stack).
 */
export async function openEventBus(config: EventBusConfig, logger: Logger): Promise<EventBus> {
  if (config.kind === 'postgres') {
    const { PostgresEventBus } = await import('./postgres-event-bus.ts');
    return PostgresEventBus.start({
      url: config.databaseUrl,
      poolMax: config.poolMax,
      claimTimeoutSeconds: config.claimTimeoutSeconds,
      drainTimeoutSeconds: config.drainTimeoutSeconds,
      logger,
      ...config.redelivery,
    });
  }
  const { PubSubEventBus } = await import('./pubsub-event-bus.ts');
  return new PubSubEventBus({
    projectId: config.projectId,
    emulatorHost: config.emulatorHost,
    ackDeadlineSeconds: config.ackDeadlineSeconds,
    drainTimeoutSeconds: config.drainTimeoutSeconds,
    logger,
    ...config.redelivery,
  });
}
