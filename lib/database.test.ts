/** Migrations on a real database: replicas that start together migrate it once, without a crash. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { inventorySubgraph } from '../subgraphs/inventory/inventory.subgraph.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/database.ts';
import { silentLogger } from '../test/support/services.ts';
import { migrateDatabase, openDatabase } from './database.ts';

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
