/**
 * The migrations of each subgraph's database, run apart from the services: by the Kubernetes migration Job
 * and the compose `migrate` step before the services start with `MIGRATE_ON_START=false`, so that no two
 * replicas race to migrate and no new code serves an old schema.
 *
 * Which databases (`readMigrationTargets`):
 *
 * - `SUBGRAPH=<users|products|orders|inventory>`: that subgraph's database, `DATABASE_URL` (the variable
 *   the subgraph itself reads; `<NAME>_DATABASE_URL` is accepted too);
 * - `SUBGRAPH` unset or `all`: all four, each from `USERS_DATABASE_URL`, `PRODUCTS_DATABASE_URL`,
 *   `ORDERS_DATABASE_URL` and `INVENTORY_DATABASE_URL`, in that order.
 *
 * The entities and migrations are each subgraph definition's own (the lists its service runs at start-up), so
 * this can never migrate differently from the services.
 */
import type { Constructor } from '@mikro-orm/core';
import { readConfig, redactUrl, type Env } from '../lib/config.ts';
import {
  isDatabaseUnreachable,
  migrateDatabase,
  openDatabase,
  type DatabaseOptions,
  type Migration,
} from '../lib/database.ts';
import type { Logger } from '../lib/logger.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/registry.ts';
import { SUBGRAPH_DEFINITIONS } from '../subgraphs/index.ts';

export interface SubgraphDatabase {
  entities: DatabaseOptions['entities'];
  migrations: Constructor<Migration>[];
}

/** Each subgraph's entities and migrations, from its definition. */
export const SUBGRAPH_DATABASES: Record<SubgraphName, SubgraphDatabase> = SUBGRAPH_DEFINITIONS;

export interface MigrationTarget {
  subgraph: SubgraphName;
  databaseUrl: string;
}

const POSTGRES_URL = ['postgres:', 'postgresql:'] as const;

export function databaseUrlVariable(subgraph: SubgraphName): string {
  return `${subgraph.toUpperCase()}_DATABASE_URL`;
}

/** The databases to migrate, from the environment (throws ConfigError listing every problem). */
export function readMigrationTargets(env: Env): MigrationTarget[] {
  return readConfig(env, (read) => {
    const choice = read.oneOf('SUBGRAPH', ['all', ...SUBGRAPH_NAMES], 'all');
    if (choice === 'all') {
      return SUBGRAPH_NAMES.map((subgraph) => ({
        subgraph,
        databaseUrl: read.url(databaseUrlVariable(subgraph), POSTGRES_URL),
      }));
    }
    const variable =
      read.optionalString('DATABASE_URL') === undefined ? databaseUrlVariable(choice) : 'DATABASE_URL';
    if (read.optionalString(variable) === undefined) {
      read.problem(`DATABASE_URL (or ${databaseUrlVariable(choice)}) is required with SUBGRAPH=${choice}`);
      return [];
    }
    return [{ subgraph: choice, databaseUrl: read.url(variable, POSTGRES_URL) }];
  });
}

export interface MigrationResult {
  subgraph: SubgraphName;
  /** The migrations this run applied, in order (empty: the database was up to date). */
  applied: string[];
}

/** Applies the pending migrations of each target in turn; stops at the first failure (which is thrown). */
export async function migrateSubgraphs(
  targets: readonly MigrationTarget[],
  logger: Logger,
  /** How long to keep trying a database that cannot be reached yet (a server still starting). */
  waitMs = 0,
): Promise<MigrationResult[]> {
  const results: MigrationResult[] = [];
  const deadline = Date.now() + waitMs;
  for (const target of targets) {
    for (;;) {
      try {
        results.push(await migrateSubgraph(target, logger));
        break;
      } catch (error) {
        if (!isDatabaseUnreachable(error) || Date.now() >= deadline) throw describe(target, error);
        logger.warn({ subgraph: target.subgraph, err: error }, 'database unreachable: trying again in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }
  return results;
}

async function migrateSubgraph(
  { subgraph, databaseUrl }: MigrationTarget,
  logger: Logger,
): Promise<MigrationResult> {
  const log = logger.child({ subgraph });
  const orm = await openDatabase({
    url: databaseUrl,
    ...SUBGRAPH_DATABASES[subgraph],
    poolMax: 1,
    logger: log,
  });
  try {
    const pending = (await orm.migrator.getPending()).map((migration) => migration.name);
    await migrateDatabase(orm, log);
    return { subgraph, applied: pending };
  } finally {
    await orm.close();
  }
}

/** The error of a subgraph's migration, saying which database and whether it could be reached. */
function describe({ subgraph, databaseUrl }: MigrationTarget, error: unknown): Error {
  const what = isDatabaseUnreachable(error) ? `cannot reach ${redactUrl(databaseUrl)}` : 'migration failed';
  return new Error(`${subgraph}: ${what}: ${(error as Error).message}`, { cause: error });
}
