import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig, redactUrl } from './config.ts';
import { readSubgraphSettings } from './subgraph.ts';

const readSubgraphConfig = (env: Record<string, string>, defaultPort: number) =>
  readConfig(env, (read) => readSubgraphSettings(read, defaultPort));

describe('readConfig', () => {
  it('applies defaults and parses typed values', () => {
    const config = readConfig({ PORT: '4100', FLAG: 'yes' }, (read) => ({
      port: read.int('PORT', 1),
      flag: read.boolean('FLAG', false),
      mode: read.oneOf('MODE', ['a', 'b'], 'a'),
    }));
    expect(config).toEqual({ port: 4100, flag: true, mode: 'a' });
  });

  it('lists every problem at once, naming each variable and hiding passwords', () => {
    const attempt = () =>
      readSubgraphConfig(
        { PORT: 'abc', NODE_ENV: 'staging', DATABASE_URL: 'mysql://u:secret@h/db', DB_POOL_MAX: '0' },
        4002,
      );
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const { problems, message } = error as ConfigError;
      expect(problems).toEqual([
        'PORT must be an integer between 0 and 65535, got "abc"',
        'NODE_ENV must be one of development, test, production, got "staging"',
        'DATABASE_URL must be a postgres: or postgresql: URL, got "mysql://u:***@h/db"',
        'DB_POOL_MAX must be an integer between 1 and 200, got "0"',
      ]);
      expect(message).not.toContain('secret');
    }
  });

  it('requires DATABASE_URL for a subgraph', () => {
    expect(() => readSubgraphConfig({}, 4002)).toThrow('DATABASE_URL is required');
  });

  it('redacts the password of a connection URL', () => {
    expect(redactUrl('postgres://app:hunter2@db:5432/products')).toBe('postgres://app:***@db:5432/products');
  });
});

/** The one variable every router needs beyond its defaults: where its alert feed's bus is. */
const BUS = { EVENT_BUS_DATABASE_URL: 'postgres://postgres@localhost:5432/events' };

describe('router configuration', () => {
  it('parses rate limits and refuses malformed ones', async () => {
    const { readRouterConfig } = await import('../router/config.ts');
    expect(readRouterConfig({ ...BUS, RATE_LIMIT_LOGIN: '3/30' }).rateLimits.login).toEqual({
      max: 3,
      windowMs: 30_000,
    });
    const perMinute = (max: number) => ({ max, windowMs: 60_000 });
    // Development: generous enough for demos and suites that register and log in dozens of users a minute.
    expect(readRouterConfig(BUS).rateLimits).toEqual({
      login: perMinute(5),
      loginPerAddress: perMinute(300),
      loginPerAccount: perMinute(100),
      registration: perMinute(100),
      mutation: perMinute(60),
      query: perMinute(600),
    });
    // Production: strict.
    const strong = { ROUTER_SECRET: randomBytes(32).toString('base64url') };
    expect(readRouterConfig({ ...BUS, ...strong, NODE_ENV: 'production' }).rateLimits).toEqual({
      login: perMinute(5),
      loginPerAddress: perMinute(20),
      loginPerAccount: perMinute(10),
      registration: { max: 5, windowMs: 3_600_000 },
      mutation: perMinute(60),
      query: perMinute(600),
    });
    expect(() => readRouterConfig({ ...BUS, RATE_LIMIT_QUERIES: 'lots' })).toThrow(
      'RATE_LIMIT_QUERIES must be "<calls>/<seconds>" such as "600/60", got "lots"',
    );
  });

  it('requires a strong ROUTER_SECRET of its own in production', async () => {
    const { readRouterConfig } = await import('../router/config.ts');
    const production = (secret?: string) => ({
      ...BUS,
      NODE_ENV: 'production',
      ...(secret === undefined ? {} : { ROUTER_SECRET: secret }),
    });
    expect(() => readRouterConfig(production())).toThrow('ROUTER_SECRET is required');
    expect(() => readRouterConfig(production('x'.repeat(40)))).toThrow(
      'ROUTER_SECRET must be at least 32 random bytes written as hex or base64 (openssl rand -base64 48)',
    );
    expect(() => readRouterConfig(production('compose-dev-only-router-secret-not-for-production'))).toThrow(
      'ROUTER_SECRET is a value committed to this repository, public to anyone',
    );
    const strong = randomBytes(32).toString('base64url');
    expect(readRouterConfig(production(strong)).routerSecret).toBe(strong);
  });

  it('keeps a role change within a minute of every subscription: the two check intervals together', async () => {
    const { readRouterConfig } = await import('../router/config.ts');
    const intervals = (session: number, subscription: number) => ({
      ...BUS,
      SESSION_CHECK_INTERVAL_MS: String(session),
      SUBSCRIPTION_RECHECK_MS: String(subscription),
    });
    const config = readRouterConfig(intervals(45_000, 15_000));
    expect([config.sessions.checkIntervalMs, config.subscriptions.recheckMs]).toEqual([45_000, 15_000]);
    expect(() => readRouterConfig(intervals(50_000, 15_000))).toThrow(
      'SESSION_CHECK_INTERVAL_MS + SUBSCRIPTION_RECHECK_MS must be at most 60000 ms (a role change takes effect everywhere within it), got 65000',
    );
  });
});

describe('event bus configuration', () => {
  const readBus = async (env: Record<string, string>) => {
    const { readEventBusConfig } = await import('./event-bus/bus-config.ts');
    return readConfig(env, readEventBusConfig);
  };

  it('defaults to the Postgres bus, which needs its database named', async () => {
    await expect(readBus({})).rejects.toThrow('EVENT_BUS_DATABASE_URL is required');
    expect(await readBus(BUS)).toEqual({
      kind: 'postgres',
      databaseUrl: BUS.EVENT_BUS_DATABASE_URL,
      poolMax: 5,
      claimTimeoutSeconds: 5,
      drainTimeoutSeconds: 20,
      maxAttempts: 5,
      redelivery: { retryDelaySeconds: 1, maxRetryDelaySeconds: 60 },
    });
    expect(await readBus({ ...BUS, EVENT_BUS_POOL_MAX: '2' })).toMatchObject({ poolMax: 2 });
    await expect(readBus({ ...BUS, EVENT_BUS_POOL_MAX: '0' })).rejects.toThrow('EVENT_BUS_POOL_MAX');
  });

  it('bounds how long a killed consumer keeps its events and how long closing waits for handlers', async () => {
    expect(
      await readBus({ ...BUS, EVENT_BUS_CLAIM_TIMEOUT_SECONDS: '8', EVENT_BUS_DRAIN_TIMEOUT_SECONDS: '15' }),
    ).toMatchObject({ claimTimeoutSeconds: 8, drainTimeoutSeconds: 15 });
    await expect(readBus({ ...BUS, EVENT_BUS_CLAIM_TIMEOUT_SECONDS: '1' })).rejects.toThrow(
      'EVENT_BUS_CLAIM_TIMEOUT_SECONDS',
    );
    await expect(readBus({ ...BUS, EVENT_BUS_DRAIN_TIMEOUT_SECONDS: '0' })).rejects.toThrow(
      'EVENT_BUS_DRAIN_TIMEOUT_SECONDS',
    );
    const pubsub = { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: '127.0.0.1:8085' };
    expect(await readBus(pubsub)).toMatchObject({ ackDeadlineSeconds: 10, drainTimeoutSeconds: 20 });
    expect(await readBus({ ...pubsub, PUBSUB_ACK_DEADLINE_SECONDS: '30' })).toMatchObject({
      ackDeadlineSeconds: 30,
    });
    // Pub/Sub's own least is 10 s.
    await expect(readBus({ ...pubsub, PUBSUB_ACK_DEADLINE_SECONDS: '5' })).rejects.toThrow(
      'PUBSUB_ACK_DEADLINE_SECONDS',
    );
  });

  it('takes Pub/Sub with a project, or the emulator with a default project', async () => {
    await expect(readBus({ EVENT_BUS: 'pubsub' })).rejects.toThrow('PUBSUB_PROJECT_ID is required');
    expect(await readBus({ EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: '127.0.0.1:8085' })).toMatchObject({
      kind: 'pubsub',
      projectId: 'pharmacy-local',
      emulatorHost: '127.0.0.1:8085',
    });
    expect(await readBus({ EVENT_BUS: 'pubsub', PUBSUB_PROJECT_ID: 'acme-prod' })).toMatchObject({
      projectId: 'acme-prod',
      emulatorHost: undefined,
    });
  });

  it('refuses a malformed emulator host, an unknown bus and inverted backoffs, naming each', async () => {
    await expect(readBus({ EVENT_BUS: 'kafka', ...BUS })).rejects.toThrow(
      'EVENT_BUS must be one of postgres, pubsub, got "kafka"',
    );
    await expect(readBus({ EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: 'http://x' })).rejects.toThrow(
      'PUBSUB_EMULATOR_HOST must be host:port such as 127.0.0.1:8085, got "http://x"',
    );
    await expect(
      readBus({ ...BUS, EVENT_RETRY_DELAY_SECONDS: '30', EVENT_MAX_RETRY_DELAY_SECONDS: '10' }),
    ).rejects.toThrow('EVENT_MAX_RETRY_DELAY_SECONDS must not be below EVENT_RETRY_DELAY_SECONDS');
  });
});
