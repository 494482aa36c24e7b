/**
 * Each subgraph owns one Postgres database. This opens it through MikroORM, runs its migrations, and
 * creates or drops whole databases for the dev stack and the tests.
 */
import { ConnectionException, type Constructor } from '@mikro-orm/core';
import { Migration, Migrator } from '@mikro-orm/migrations';
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { redactUrl } from './config.ts';
import type { Logger } from './logger.ts';

export type { EntityManager };
export { Migration };

export interface DatabaseOptions {
  url: string;
  entities: NonNullable<Options['entities']>;
  migrations: Constructor<Migration>[];
  poolMax: number;
  /** How long a request waits for a connection before the database counts as unreachable (DB_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  logger: Logger;
}

/** What DB_CONNECT_TIMEOUT_MS defaults to. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;

export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const log = options.logger.child({ component: 'mikro-orm' });
  return MikroORM.init({
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
    pool: { min: 0, max: options.poolMax, idleTimeoutMillis: 30_000 },
    driverOptions: {
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      onPoolCreated: discardDeadConnections,
    },
    // The forked EntityManager of each request is the only one used, so no global identity map can leak.
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    // SQL is logged at debug level only (tests count statements with it).
    debug: log.isLevelEnabled('debug') ? ['query'] : false,
    logger: (message) => log.debug(message),
  });
}

/**
 * Frees the pool slot of a connection that Postgres drops (restart, pg_terminate_backend) while a request holds
 * it. Kysely releases a transaction's connection only after its rollback succeeds, which it never does on a
 * dead connection: without this, each such transaction kept a slot for good (and `orm.close()` waited on it).
 * pg-pool itself discards dead idle connections.
 */
function discardDeadConnections(pool: pg.Pool): void {
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      if (!checkedOut.has(client)) return;
      const release = client.release;
      // The holder's own release, if it ever comes, must not release it twice (pg-pool throws then).
      client.release = () => {};
      release(error);
    });
  });
}

/** The advisory lock that lets one process at a time migrate a database (replicas start together). */
const MIGRATION_LOCK = 'pharmacy-migrations';

/**
 * Applies the pending migrations. Replicas starting at once queue on an advisory lock, so only one
 * applies each migration and the others find nothing left to do.
 */
export async function migrateDatabase(orm: MikroORM, logger: Logger): Promise<void> {
  const lock = new pg.Client({
    connectionString: orm.config.get('clientUrl'),
    connectionTimeoutMillis: orm.config.get('driverOptions').connectionTimeoutMillis as number,
  });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    const applied = await orm.migrator.up();
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrated');
  } finally {
    // Ending the session releases the lock.
    await lock.end();
  }
}

/** Throws when the database does not answer a trivial query in time; `/ready` uses it. */
export async function checkDatabase(orm: MikroORM): Promise<void> {
  await orm.em.getConnection().execute('select 1');
}

/**
 * Whether an error means "the database cannot be reached" rather than "the query was wrong". SQLSTATE class 08
 * is connection trouble, except 08P01 (protocol violation), which a malformed statement also causes.
 * pg's own errors for a connection it lost or could not open carry no code: matched by their message.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' &&
      (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH)$/.test(code) ||
        /^(08(?!P01)|57P)/.test(code))) ||
    /timeout exceeded when trying to connect|Connection terminated|encountered a connection error/i.test(
      error.message,
    )
  );
}

/** The URL of database `name` on the server that `serverUrl` points at. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withMaintenanceConnection<T>(
  serverUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: databaseUrl(serverUrl, 'postgres'),
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to Postgres at ${redactUrl(serverUrl)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const SAFE_DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function quoteDatabaseName(name: string): string {
  if (!SAFE_DATABASE_NAME.test(name)) throw new Error(`unsafe database name "${name}"`);
  return `"${name}"`;
}

/** Creates database `name` unless it exists (safe when several processes race to create it). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  await withMaintenanceConnection(serverUrl, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    try {
      await client.query(`create database ${quoteDatabaseName(name)}`);
    } catch (error) {
      // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
      if (!['42P04', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  });
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withMaintenanceConnection(serverUrl, async (client) => {
    await client.query(`drop database if exists ${quoteDatabaseName(name)} with (force)`);
  });
}
