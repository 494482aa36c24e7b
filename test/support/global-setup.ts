/**
 * Jest global setup: the tests use the Postgres server that DATABASE_URL (or PGHOST) points at; with
 * neither set they start an embedded one for the run. Each test file then creates its own databases.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresServerFromEnv } from '../../lib/postgres-server.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../scripts/embedded-postgres.ts';

declare global {
  var embeddedPostgres: EmbeddedPostgresServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (postgresServerFromEnv(process.env) !== undefined) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'pharmacy-test-pg-'));
  globalThis.embeddedPostgres = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    persistent: false,
  });
  // Workers start after global setup and inherit this.
  process.env.DATABASE_URL = globalThis.embeddedPostgres.url;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
