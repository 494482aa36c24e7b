/**
 * A connection to the event bus made in the background and retried while the bus is unreachable, so
 * that a service starts and serves without it and catches up when it comes. `setUp` runs on the fresh
 * bus (subscribing, starting a relay); what it returns runs before the bus is closed.
 */
import type { Logger } from '../logger.ts';
import { openEventBus, type EventBusConfig } from './bus-config.ts';
import type { EventBus } from './event-bus.ts';

export type BusSetUp = (bus: EventBus) => Promise<(() => Promise<void>) | undefined>;

/** The wait after a failed connection, doubling from the first to the last. */
const CONNECT_RETRY_MS = { first: 500, max: 30_000 };

export class BusConnection {
  readonly #config: EventBusConfig;
  readonly #logger: Logger;
  readonly #setUp: BusSetUp;
  readonly #connecting: Promise<void>;
  #bus: EventBus | undefined;
  #tearDown: (() => Promise<void>) | undefined;
  #stopping = false;
  #connected = false;
  #wake: (() => void) | undefined;

  private constructor(config: EventBusConfig, logger: Logger, setUp: BusSetUp) {
    this.#config = config;
    this.#logger = logger.child({ component: 'event-bus', bus: config.kind });
    this.#setUp = setUp;
    this.#connecting = this.#connect();
  }

  /** Starts connecting at once; never throws (failures are logged and retried). */
  static open(config: EventBusConfig, logger: Logger, setUp: BusSetUp): BusConnection {
    return new BusConnection(config, logger, setUp);
  }

  /** Whether the bus was reached and `setUp` succeeded (the adapters reconnect by themselves after). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Resolves once connected and set up, or once closed before that; never rejects. */
  whenConnected(): Promise<void> {
    return this.#connecting;
  }

  /** Stops retrying, runs what `setUp` returned, and closes the bus (draining its consumers). */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#connected = false;
    this.#wake?.();
    await this.#connecting;
    await this.#tearDown?.();
    await this.#bus?.close();
  }

  async #connect(): Promise<void> {
    for (let failures = 0; !this.#stopping; failures++) {
      try {
        this.#bus = await openEventBus(this.#config, this.#logger);
        this.#tearDown = await this.#setUp(this.#bus);
        this.#connected = true;
        this.#logger.info({ failures }, 'event bus connected');
        return;
      } catch (error) {
        const delay = Math.min(CONNECT_RETRY_MS.first * 2 ** failures, CONNECT_RETRY_MS.max);
        this.#logger.warn({ err: error, retryInMs: delay }, 'event bus unreachable; retrying');
        await this.#bus?.close().catch(() => undefined);
        this.#bus = undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
