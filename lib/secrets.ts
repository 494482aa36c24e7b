/**
 * Secrets read from the environment. In production a secret must be strong and must not be one of the
 * values committed to this repository (the development defaults, the templates' placeholders, the compose
 * and local-cluster files, the tests): those are public. `lib/secrets.test.ts` scans the repository and
 * fails when a committed secret is missing from COMMITTED_SECRETS.
 */
import type { EnvReader } from './config.ts';

/** Every secret value committed to this repository, so production can refuse them. */
export const COMMITTED_SECRETS: ReadonlySet<string> = new Set([
  'development-router-secret-do-not-use-in-production',
  'REPLACE-ME-with-at-least-32-random-characters',
  'REPLACE-ME',
  'compose-dev-only-router-secret-not-for-production',
  'local-cluster-dev-only-router-secret-not-for-production',
  'pharmacy-dev-only',
  'postgres',
  // Examples in the documentation and the tests.
  'pass',
  'hunter2',
  's3cret',
]);

/** The bytes a strong secret must hold: 256 bits. */
const MIN_SECRET_BYTES = 32;

/** The bytes a secret written as hex, base64 or base64url holds; undefined for anything else. */
function decodedBytes(secret: string): number | undefined {
  if (/^(?:[0-9a-f]{2})+$/i.test(secret)) return secret.length / 2;
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret)) return Buffer.from(secret, 'base64url').length;
  return undefined;
}

/**
 * Why `secret` may not be used in production (undefined when it may): not hex or base64 of at least 32
 * bytes, or one of the values committed here.
 */
export function productionSecretProblem(name: string, secret: string): string | undefined {
  if (COMMITTED_SECRETS.has(secret)) {
    return `${name} is a value committed to this repository, public to anyone: generate one (openssl rand -base64 48)`;
  }
  const bytes = decodedBytes(secret);
  if (bytes === undefined || bytes < MIN_SECRET_BYTES) {
    return `${name} must be at least ${MIN_SECRET_BYTES} random bytes written as hex or base64 (openssl rand -base64 48)`;
  }
  return undefined;
}

/** A secret variable: required in production and strong there; `developmentDefault` elsewhere. */
export function readSecret(
  read: EnvReader,
  name: string,
  production: boolean,
  developmentDefault: string,
): string {
  const secret = read.string(name, production ? undefined : developmentDefault);
  if (secret === '') return secret; // required: read.string has said so
  const problem = production
    ? productionSecretProblem(name, secret)
    : secret.length < MIN_SECRET_BYTES
      ? `${name} must be at least ${MIN_SECRET_BYTES} characters`
      : undefined;
  if (problem) read.problem(problem);
  return secret;
}

/** In production, a connection URL whose password is one committed here is refused. */
export function checkUrlPassword(
  read: EnvReader,
  name: string,
  url: string | undefined,
  production: boolean,
): void {
  if (!production || !url || !URL.canParse(url)) return;
  const password = decodeURIComponent(new URL(url).password);
  if (password !== '' && COMMITTED_SECRETS.has(password)) {
    read.problem(
      `${name} uses a password committed to this repository, public to anyone: use a secret of your own`,
    );
  }
}
