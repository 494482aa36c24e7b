/** A fresh database per test file, on the server the run uses (see global-setup.ts). */
import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase } from '../../lib/database.ts';
import { postgresServerFromEnv } from '../../lib/postgres-server.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export function testPostgresServer(): string {
  const server = postgresServerFromEnv(process.env);
  if (server === undefined) throw new Error('no Postgres server: global setup should have started one');
  return server;
}

/** Creates an empty database named after `label` (e.g. the subgraph) with a random suffix. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const server = testPostgresServer();
  const name = `test_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(server, name);
  return { url: databaseUrl(server, name), drop: () => dropDatabase(server, name) };
}
