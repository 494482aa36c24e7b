import { afterEach, expect, it } from '@jest/globals';
import { inheritedEnv } from './child-env.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

it('hands a service PATH, HOME and the compile cache, and nothing else of the parent', () => {
  process.env = {
    PATH: '/usr/bin',
    HOME: '/home/pharmacist',
    NODE_COMPILE_CACHE: '/tmp/compile-cache',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    JWT_KEYS_FILE: '/tmp/keys.json',
  };
  expect(inheritedEnv()).toEqual({
    PATH: '/usr/bin',
    HOME: '/home/pharmacist',
    NODE_COMPILE_CACHE: '/tmp/compile-cache',
  });
});

it('sets no compile cache where the parent has none', () => {
  process.env = { PATH: '/usr/bin', HOME: '/root' };
  expect(inheritedEnv()).toEqual({ PATH: '/usr/bin', HOME: '/root' });
});
