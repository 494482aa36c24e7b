/** Production refuses weak secrets and every secret committed to this repository; development takes them. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig, readDemoData } from './config.ts';
import { checkUrlPassword, COMMITTED_SECRETS, productionSecretProblem, readSecret } from './secrets.ts';

const ROOT = new URL('..', import.meta.url).pathname;

const problemsOf = (read: () => unknown): readonly string[] => {
  try {
    read();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

const secret = (env: Record<string, string>, production: boolean) =>
  problemsOf(() => readConfig(env, (read) => readSecret(read, 'ROUTER_SECRET', production, 'x'.repeat(40))));

describe('a secret in production', () => {
  it('takes 32 random bytes or more, written as base64, base64url or hex', () => {
    for (const value of [
      randomBytes(48).toString('base64'),
      randomBytes(32).toString('base64url'),
      randomBytes(32).toString('hex'),
    ]) {
      expect(secret({ ROUTER_SECRET: value }, true)).toEqual([]);
    }
  });

  it('refuses fewer bytes, text that is not an encoding, and a missing value', () => {
    const short = randomBytes(24).toString('base64');
    const weak = 'correct horse battery staple, quite long indeed!';
    for (const value of [short, weak]) {
      expect(secret({ ROUTER_SECRET: value }, true)).toEqual([
        'ROUTER_SECRET must be at least 32 random bytes written as hex or base64 (openssl rand -base64 48)',
      ]);
    }
    expect(secret({}, true)).toEqual(['ROUTER_SECRET is required']);
  });

  it.each([...COMMITTED_SECRETS])('refuses the committed value %s', (value) => {
    expect(productionSecretProblem('ROUTER_SECRET', value)).toBe(
      'ROUTER_SECRET is a value committed to this repository, public to anyone: generate one (openssl rand -base64 48)',
    );
  });

  it('refuses a connection URL whose password is committed here, and takes one of its own', () => {
    const check = (url: string, production: boolean) =>
      problemsOf(() => readConfig({}, (read) => checkUrlPassword(read, 'DATABASE_URL', url, production)));
    expect(check('postgres://pharmacy:pharmacy-dev-only@db:5432/pharmacy_users', true)).toEqual([
      'DATABASE_URL uses a password committed to this repository, public to anyone: use a secret of your own',
    ]);
    expect(check('postgres://pharmacy:REPLACE-ME@10.0.0.3:5432/pharmacy_users', true)).toHaveLength(1);
    expect(check(`postgres://pharmacy:${randomBytes(16).toString('hex')}@db/users`, true)).toEqual([]);
    expect(check('postgres://pharmacy:pharmacy-dev-only@db:5432/pharmacy_users', false)).toEqual([]);
  });
});

describe('a secret in development', () => {
  it('takes the development default and any value of 32 characters', () => {
    expect(secret({}, false)).toEqual([]);
    expect(secret({ ROUTER_SECRET: 'compose-dev-only-router-secret-not-for-production' }, false)).toEqual([]);
    expect(secret({ ROUTER_SECRET: 'too-short' }, false)).toEqual([
      'ROUTER_SECRET must be at least 32 characters',
    ]);
  });
});

describe('demo data', () => {
  const demo = (env: Record<string, string>, fallback: boolean) =>
    problemsOf(() => readConfig(env, (read) => readDemoData(read, fallback)));

  it('loads in production only with ALLOW_DEMO_DATA_IN_PRODUCTION=true', () => {
    expect(demo({ NODE_ENV: 'production', DEMO_DATA: 'true' }, false)).toEqual([
      'DEMO_DATA=true in production would create accounts whose passwords are public: set ALLOW_DEMO_DATA_IN_PRODUCTION=true if that is meant',
    ]);
    expect(demo({ NODE_ENV: 'production' }, true)).toHaveLength(1);
    expect(
      demo({ NODE_ENV: 'production', DEMO_DATA: 'true', ALLOW_DEMO_DATA_IN_PRODUCTION: 'true' }, false),
    ).toEqual([]);
    expect(demo({ NODE_ENV: 'production', DEMO_DATA: 'false' }, true)).toEqual([]);
    expect(demo({ DEMO_DATA: 'true' }, false)).toEqual([]);
  });
});

/** Every file git would commit here that may hold a secret (config, manifests, scripts, tests). */
function committedFiles(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', '.git', '.data', 'dist', '__generated__'].includes(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return committedFiles(path);
    return /\.(ya?ml|ts|js|json|sh|env|md)$|^Dockerfile$/.test(name) && name !== 'package-lock.json'
      ? [path]
      : [];
  });
}

describe('COMMITTED_SECRETS', () => {
  it('lists every ROUTER_SECRET and every database or Redis password committed to this repository', () => {
    const found = new Map<string, string>();
    for (const file of committedFiles()) {
      const where = relative(ROOT, file);
      // This file's own examples are what production must refuse, not configuration.
      if (where === 'lib/secrets.test.ts') continue;
      const text = readFileSync(file, 'utf8');
      const literals = file.endsWith('.ts')
        ? text.matchAll(/_SECRET\s*[:=]\s*'([^']+)'/g)
        : text.matchAll(/ROUTER_SECRET[:=]\s*['"]?([\w.+/=-]+)/g);
      for (const [, value] of literals) if (value) found.set(value, where);
      for (const [, value] of text.matchAll(/(?:postgres(?:ql)?|rediss?):\/\/[^:/@\s]+:([\w.~%-]{4,})@/g)) {
        if (value) found.set(decodeURIComponent(value), where);
      }
    }
    expect(found.size).toBeGreaterThan(4);
    const missing = [...found].filter(([value]) => !COMMITTED_SECRETS.has(value));
    expect(missing).toEqual([]);
  });
});
