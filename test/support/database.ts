/**
 * Fresh databases per test file on the server the run uses (see global-setup.ts): empty, or copies of the
 * run's migrated templates (see database-templates.ts). And SQL on them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, dropDatabase, ensureDatabase } from '../../lib/database.ts';
import { postgresServerFromEnv } from '../../lib/postgres-server.ts';
import type { TemplateKind, TemplateNames } from './database-templates.ts';
import type { TestSubgraph } from './services.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Where global setup leaves the names of the run's templates for the workers. */
export const TEMPLATES_VARIABLE = 'TEST_DATABASE_TEMPLATES';

export function testPostgresServer(): string {
  const server = postgresServerFromEnv(process.env);
  if (server === undefined) throw new Error('no Postgres server: global setup should have started one');
  return server;
}

function newDatabaseName(label: string): string {
  return `test_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

/** Creates an empty database named after `label` with a random suffix (for what migrates it itself). */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const server = testPostgresServer();
  const name = newDatabaseName(label);
  await ensureDatabase(server, name);
  return { url: databaseUrl(server, name), drop: () => dropDatabase(server, name) };
}

/**
 * A copy of the run's template of `kind`: a subgraph's database with its migrations applied, or the
 * event bus's with its schema installed. Named after `label` (the kind unless given).
 */
export async function createMigratedDatabase(
  kind: TemplateKind,
  label: string = kind,
): Promise<TestDatabase> {
  const templates = process.env[TEMPLATES_VARIABLE];
  const template = templates === undefined ? undefined : (JSON.parse(templates) as TemplateNames)[kind];
  if (template === undefined) throw new Error(`no ${kind} template: global setup should have made one`);
  const server = testPostgresServer();
  const name = newDatabaseName(label);
  const client = new pg.Client({ connectionString: databaseUrl(server, 'postgres') });
  await client.connect();
  try {
    await client.query(`create database ${name} template ${template}`);
  } finally {
    await client.end();
  }
  return { url: databaseUrl(server, name), drop: () => dropDatabase(server, name) };
}

/** Rows of `query` (`?` placeholders) on the database of a subgraph running in this process. */
export function sql<T = Record<string, unknown>>(
  service: TestSubgraph,
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  return service.subgraph.orm.em.fork().getConnection().execute<T[]>(query, params);
}

export { sqlAt } from '../../scripts/support/sql.ts';
