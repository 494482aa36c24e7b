/**
 * Jest global setup: the tests use the Postgres server that DATABASE_URL (or PGHOST) points at; with
 * neither set they start an embedded one for the run. On it, the migrated templates every test file
 * clones its databases from (see database-templates.ts). And, where gcloud is installed, one Pub/Sub
 * emulator for the run, which the test files share (see pubsub-emulator.ts): it is not awaited here, so
 * that its Java server starts while the first files run. And a compile cache the services share.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresServerFromEnv } from '../../lib/postgres-server.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../scripts/embedded-postgres.ts';
import { freePort } from '../../scripts/support/ports.ts';
import {
  gcloudAvailable,
  spawnPubSubEmulator,
  type PubSubEmulatorProcess,
} from '../../scripts/support/pubsub-emulator.ts';
import { TEMPLATES_VARIABLE } from './database.ts';
import { prepareTemplates } from './database-templates.ts';
import { SHARED_EMULATOR_VARIABLE } from './pubsub-emulator.ts';

declare global {
  var embeddedPostgres: EmbeddedPostgresServer | undefined;
  var sharedPubSubEmulator: PubSubEmulatorProcess | undefined;
}

// Workers start after global setup and inherit the variables it sets.
export default async function globalSetup(): Promise<void> {
  // Every test file starts services, each compiling the same modules: they share Node's compile cache
  // (scripts/support/child-env.ts). In the checkout, so it goes with it (and with `npm ci`); an entry is
  // used only while its file's contents are the same.
  process.env.NODE_COMPILE_CACHE ??= fileURLToPath(
    new URL('../../node_modules/.cache/node-compile-cache', import.meta.url),
  );
  if (gcloudAvailable()) {
    globalThis.sharedPubSubEmulator = await spawnPubSubEmulator();
    process.env[SHARED_EMULATOR_VARIABLE] = globalThis.sharedPubSubEmulator.host;
  }
  let server = postgresServerFromEnv(process.env);
  if (server === undefined) {
    const dataDir = await mkdtemp(join(tmpdir(), 'pharmacy-test-pg-'));
    globalThis.embeddedPostgres = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      persistent: false,
    });
    server = globalThis.embeddedPostgres.url;
    process.env.DATABASE_URL = server;
  }
  process.env[TEMPLATES_VARIABLE] = JSON.stringify(await prepareTemplates(server));
}
