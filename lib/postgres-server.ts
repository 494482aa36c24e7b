import type { Env } from './config.ts';

/**
 * The Postgres server the environment points at: `DATABASE_URL`, else `PGHOST` (with `PGPORT`, `PGUSER`,
 * `PGPASSWORD`, over TCP). Undefined when neither is set: the dev stack and the tests then start an
 * embedded server.
 */
export function postgresServerFromEnv(env: Env): string | undefined {
  if (env.DATABASE_URL?.trim()) return env.DATABASE_URL.trim();
  const host = env.PGHOST?.trim();
  if (!host) return undefined;
  if (host.startsWith('/')) {
    throw new Error(
      'PGHOST is a Unix socket directory; set DATABASE_URL to a postgres://host:port URL instead',
    );
  }
  const url = new URL('postgres://localhost');
  url.hostname = host;
  url.port = env.PGPORT?.trim() || '5432';
  url.username = env.PGUSER?.trim() || 'postgres';
  url.password = env.PGPASSWORD ?? '';
  url.pathname = `/${env.PGDATABASE?.trim() || 'postgres'}`;
  return url.toString();
}
