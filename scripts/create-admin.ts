/**
 * `npm run create-admin`: the first administrator of a deployment (no default password ever exists).
 *
 *   DATABASE_URL=postgres://…/pharmacy_users ADMIN_USERNAME=alice ADMIN_EMAIL=alice@example.com \
 *   ADMIN_PASSWORD='a long secret' npm run create-admin
 *
 * Runs the users migrations if needed; refuses to overwrite an existing account.
 */
import { exitOnConfigError, readConfig } from '../lib/config.ts';
import { migrateDatabase, openDatabase } from '../lib/database.ts';
import { DomainError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { ensureAccount } from '../subgraphs/users/demo-users.ts';
import { CreateUser } from '../subgraphs/users/migrations/20261125-create-user.migration.ts';
import { User } from '../subgraphs/users/user.entity.ts';

const config = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    username: read.string('ADMIN_USERNAME'),
    email: read.string('ADMIN_EMAIL'),
    password: read.string('ADMIN_PASSWORD'),
    fullName: read.optionalString('ADMIN_FULL_NAME') ?? null,
  })),
);
const logger = createLogger('create-admin', { level: 'warn' });
const orm = await openDatabase({
  url: config.databaseUrl,
  entities: [User],
  migrations: [CreateUser],
  poolMax: 1,
  logger,
});
try {
  await migrateDatabase(orm, logger);
  const created = await ensureAccount(orm, { ...config, role: 'ADMIN' });
  process.stdout.write(
    created
      ? `administrator ${config.username} created\n`
      : `an account named ${config.username} already exists: nothing changed\n`,
  );
  process.exitCode = created ? 0 : 1;
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
} finally {
  await orm.close();
}
