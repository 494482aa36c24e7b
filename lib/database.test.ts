/**
 * A subgraph's database on a real Postgres: replicas that start together migrate it once, without a crash; and
 * its connection pool recovers when Postgres drops its connections (a restart, pg_terminate_backend).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { inventorySubgraph } from '../subgraphs/inventory/inventory.subgraph.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/database.ts';
import { silentLogger } from '../test/support/services.ts';
import { waitFor } from '../test/support/waiting.ts';
import { isDatabaseUnreachable, migrateDatabase, openDatabase } from './database.ts';

let database: TestDatabase;
const orms: MikroORM[] = [];

beforeAll(async () => {
  database = await createTestDatabase('migrations');
});

afterAll(async () => {
  await Promise.all(orms.map((orm) => orm.close()));
  await database?.drop();
});

describe('migrateDatabase', () => {
  it('lets four replicas migrate a fresh database at once: each migration applied once, none fails', async () => {
    for (let replica = 0; replica < 4; replica++) {
      orms.push(
        await openDatabase({
          url: database.url,
          entities: inventorySubgraph.entities,
          migrations: inventorySubgraph.migrations,
          poolMax: 2,
          logger: silentLogger,
        }),
      );
    }
    await Promise.all(orms.map((orm) => migrateDatabase(orm, silentLogger)));

    const [first] = orms;
    if (!first) throw new Error('no replica');
    const applied = await first.em
      .fork()
      .execute<{ name: string }[]>('select name from mikro_orm_migrations order by id');
    const names = applied.map(({ name }) => name);
    expect(names).toHaveLength(inventorySubgraph.migrations.length);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('the connection pool when Postgres drops its connections', () => {
  const POOL_MAX = 3;
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openDatabase({
      url: database.url,
      entities: inventorySubgraph.entities,
      migrations: inventorySubgraph.migrations,
      poolMax: POOL_MAX,
      connectTimeoutMs: 2_000,
      logger: silentLogger,
    });
    orms.push(orm);
  });

  /** What a restart does to the pool: every other session on the database ends (waiting until each has). */
  async function terminateBackends(): Promise<number> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rowCount } = await client.query(
        `select pg_terminate_backend(pid, 5000) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()`,
      );
      return rowCount ?? 0;
    } finally {
      await client.end();
    }
  }

  /** The backends of `count` queries run at once, each holding its connection a moment. */
  async function backendsAtOnce(count: number): Promise<Set<number>> {
    const rows = await Promise.all(
      Array.from({ length: count }, () =>
        orm.em.fork().execute<{ pid: number }[]>('select pg_backend_pid() as pid from pg_sleep(0.2)'),
      ),
    );
    return new Set(rows.flat().map(({ pid }) => pid));
  }

  /** 'ok' or the error of each. */
  async function outcomes(work: Promise<unknown>[]): Promise<string[]> {
    const results = await Promise.allSettled(work);
    return results.map((result) => (result.status === 'fulfilled' ? 'ok' : String(result.reason)));
  }

  async function transactionalBackend(): Promise<number | undefined> {
    return orm.em.fork().transactional(async (em) => {
      const [row] = await em.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
      return row?.pid;
    });
  }

  it('reconnects after its idle connections were terminated: later queries and transactions succeed', async () => {
    const before = await backendsAtOnce(POOL_MAX);
    expect(before.size).toBe(POOL_MAX);
    expect(await terminateBackends()).toBeGreaterThanOrEqual(POOL_MAX);

    expect(
      await outcomes([backendsAtOnce(POOL_MAX * 2), transactionalBackend(), transactionalBackend()]),
    ).toEqual(['ok', 'ok', 'ok']);
    // All its slots are usable: as many queries at once get as many new sessions.
    const after = await backendsAtOnce(POOL_MAX);
    expect(after.size).toBe(POOL_MAX);
    expect([...after].filter((pid) => before.has(pid))).toEqual([]);
  });

  it('keeps all its slots when a connection is terminated while a transaction holds it', async () => {
    // The others idle meanwhile.
    expect((await backendsAtOnce(POOL_MAX)).size).toBe(POOL_MAX);
    const failed = orm.em.fork().transactional(async (em) => {
      await em.execute('select 1');
      await terminateBackends();
      await em.execute('select 1');
    });
    const error = await failed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(String(error)).toMatch(/terminat|not queryable/);
    // Reported as the database being unreachable (a subgraph names its database), not as a wrong query.
    expect(isDatabaseUnreachable(error)).toBe(true);
    // Its rollback failed too, and nothing holds the dead connection any more: it must not keep a slot.
    const pool = await orm.em.getConnection().getNativeClient();
    await waitFor('the dead connection to leave the pool', () => pool.totalCount === pool.idleCount, 2_000);

    expect(await outcomes([backendsAtOnce(POOL_MAX * 2), transactionalBackend()])).toEqual(['ok', 'ok']);
    expect((await backendsAtOnce(POOL_MAX)).size).toBe(POOL_MAX);
  });
});
