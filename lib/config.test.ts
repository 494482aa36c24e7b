import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig, redactUrl } from './config.ts';
import { readSubgraphConfig } from './subgraph.ts';

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

describe('router configuration', () => {
  it('parses rate limits and refuses malformed ones', async () => {
    const { readRouterConfig } = await import('../router/config.ts');
    expect(readRouterConfig({ RATE_LIMIT_LOGIN: '3/30' }).rateLimits.login).toEqual({
      max: 3,
      windowMs: 30_000,
    });
    expect(readRouterConfig({}).rateLimits).toEqual({
      login: { max: 5, windowMs: 60_000 },
      mutation: { max: 60, windowMs: 60_000 },
      query: { max: 600, windowMs: 60_000 },
    });
    expect(() => readRouterConfig({ RATE_LIMIT_QUERIES: 'lots' })).toThrow(
      'RATE_LIMIT_QUERIES must be "<calls>/<seconds>" such as "600/60", got "lots"',
    );
  });

  it('requires a real ROUTER_SECRET in production', async () => {
    const { readRouterConfig } = await import('../router/config.ts');
    expect(() => readRouterConfig({ NODE_ENV: 'production' })).toThrow('ROUTER_SECRET is required');
    expect(() => readRouterConfig({ NODE_ENV: 'production', ROUTER_SECRET: 'short' })).toThrow(
      'ROUTER_SECRET must be at least 32 characters',
    );
    expect(readRouterConfig({ NODE_ENV: 'production', ROUTER_SECRET: 'x'.repeat(32) }).routerSecret).toBe(
      'x'.repeat(32),
    );
  });
});
