/** The machine's Redis as the tests use it: each file writes under a prefix of its own and removes it after. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file or run shares: `test:<label>:<uuid>:`. */
export function testRedisPrefix(label: string): string {
  return `test:${label}:${randomUUID()}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/**
 * A router's settings for counting in the tests' Redis under `prefix`. On a loaded machine a command may
 * take longer than production's 500 ms, which would fail the counters over to memory and change the
 * counts the tests assert; the failover itself is tested apart (rate-limit-failover.e2e.test.ts).
 */
export function routerRedisEnv(prefix: string): Record<string, string> {
  return { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, REDIS_COMMAND_TIMEOUT_MS: '5000' };
}
