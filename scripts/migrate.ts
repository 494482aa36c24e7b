/**
 * `npm run migrate`: applies the pending migrations of the subgraphs' databases (see
 * database-migrations.ts for which ones: `SUBGRAPH=<name>` with `DATABASE_URL`, or all four with
 * `USERS_DATABASE_URL` … `INVENTORY_DATABASE_URL`). A database that cannot be reached yet (a server still
 * starting) is tried again every second for MIGRATE_WAIT_SECONDS (60). One line a subgraph on stdout; exit 0 when every
 * database is up to date, 1 when a migration failed (each runs in a transaction: a failed one leaves its
 * database as it was), 78 on a bad configuration.
 */
import { exitOnConfigError, LOG_LEVELS, readConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { migrateSubgraphs, readMigrationTargets } from './database-migrations.ts';

const targets = exitOnConfigError(() => readMigrationTargets(process.env));
const { logLevel, waitSeconds } = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'warn'),
    waitSeconds: read.int('MIGRATE_WAIT_SECONDS', 60, { min: 0, max: 3_600 }),
  })),
);
// Logs go to stderr: stdout is the report.
const logger = createLogger('migrate', { level: logLevel, stream: 'stderr' });
try {
  for (const { subgraph, applied } of await migrateSubgraphs(targets, logger, waitSeconds * 1000)) {
    process.stdout.write(
      applied.length === 0 ? `${subgraph}: up to date\n` : `${subgraph}: applied ${applied.join(', ')}\n`,
    );
  }
} catch (error) {
  process.stderr.write(`migrate failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
