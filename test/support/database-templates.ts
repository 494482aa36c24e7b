/**
 * Migrated template databases, made by global setup and cloned by every test file (`CREATE DATABASE …
 * TEMPLATE`, see database.ts): one per subgraph, with its migrations applied, and one for the Postgres
 * event bus, with pg-boss's schema installed. The saga's subgraphs also keep a bus in their own database
 * when they run alone, so their templates have that schema too.
 *
 * A template's name carries a hash of what it was made from (each migration's name and source, pg-boss's
 * schema), so a change makes a new template and an old one is never cloned by mistake. Templates stay
 * between runs (a run that finds its own reuses them) and refuse connections, which would stop them being
 * cloned. Each run notes in the template's comment when it last used it; a template that no run has used
 * for a day is dropped.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { getConstructionPlans } from 'pg-boss';
import { databaseUrl, migrateDatabase, openDatabase } from '../../lib/database.ts';
import { PostgresEventBus } from '../../lib/event-bus/postgres-event-bus.ts';
import { SUBGRAPH_DEFINITIONS } from '../../subgraphs/index.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/registry.ts';
import { silentLogger } from './services.ts';

/** What a test database can be cloned from: a subgraph's migrated database, or the bus's. */
export type TemplateKind = SubgraphName | 'events';

export type TemplateNames = Record<TemplateKind, string>;

const PREFIX = 'test_template_';
const UNUSED_FOR_MS = 24 * 60 * 60_000;
const LAST_USED = /^pharmacy test template, last used (\S+)$/;

/** The migrated templates of this checkout on `server`, made where missing; old ones are dropped. */
export async function prepareTemplates(server: string): Promise<TemplateNames> {
  const kinds: TemplateKind[] = [...SUBGRAPH_NAMES, 'events'];
  const names = Object.fromEntries(kinds.map((kind) => [kind, templateName(kind)])) as TemplateNames;
  await withServer(server, (client) => dropUnusedTemplates(client, new Set(Object.values(names))));
  await Promise.all(kinds.map((kind) => ensureTemplate(server, kind, names[kind])));
  return names;
}

function templateName(kind: TemplateKind): string {
  const hash = createHash('sha256');
  if (kind !== 'events') {
    for (const migration of SUBGRAPH_DEFINITIONS[kind].migrations) {
      hash.update(`${migration.name}\n${migration.toString()}\n`);
    }
  }
  if (hasBus(kind)) hash.update(getConstructionPlans('event_bus'));
  return `${PREFIX}${kind}_${hash.digest('hex').slice(0, 12)}`;
}

/** The bus's own database, and the saga's subgraphs, which keep their bus in their database when alone. */
function hasBus(kind: TemplateKind): boolean {
  return kind === 'events' || SUBGRAPH_DEFINITIONS[kind].events !== undefined;
}

async function ensureTemplate(server: string, kind: TemplateKind, name: string): Promise<void> {
  const exists = await withServer(server, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    return rowCount === 1;
  });
  if (exists) await withServer(server, (client) => noteUse(client, name));
  else await makeTemplate(server, kind, name);
}

async function noteUse(client: pg.Client, name: string): Promise<void> {
  await client.query(
    `comment on database ${name} is 'pharmacy test template, last used ${new Date().toISOString()}'`,
  );
}

/**
 * Migrates a database of its own, then renames it to `name`: another run making the same template at the
 * same time loses the rename and drops its copy.
 */
async function makeTemplate(server: string, kind: TemplateKind, name: string): Promise<void> {
  const draft = `${name}_draft_${randomBytes(4).toString('hex')}`;
  await withServer(server, async (client) => {
    await client.query(`create database ${draft}`);
    await noteUse(client, draft);
  });
  try {
    const url = databaseUrl(server, draft);
    if (kind !== 'events') {
      const orm = await openDatabase({
        url,
        entities: [],
        migrations: SUBGRAPH_DEFINITIONS[kind].migrations,
        poolMax: 1,
        logger: silentLogger,
      });
      await migrateDatabase(orm, silentLogger).finally(() => orm.close());
    }
    if (hasBus(kind)) await (await PostgresEventBus.start({ url, poolMax: 1, logger: silentLogger })).close();
    await withServer(server, async (client) => {
      // A closed client's server process may take a moment to end: a rename needs none left.
      await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [
        draft,
      ]);
      await client.query(`alter database ${draft} with allow_connections false is_template true`);
      await client.query(`alter database ${draft} rename to ${name}`);
    });
  } catch (error) {
    await withServer(server, (client) => dropTemplate(client, draft));
    // Another run made it first.
    if ((error as { code?: string }).code !== '42P04') throw error;
  }
}

async function dropUnusedTemplates(client: pg.Client, current: Set<string>): Promise<void> {
  const { rows } = await client.query<{ name: string; comment: string | null }>(
    `select datname as name, shobj_description(oid, 'pg_database') as comment
       from pg_database where datname like $1`,
    [`${PREFIX}%`],
  );
  for (const { name, comment } of rows) {
    if (current.has(name)) continue;
    const lastUsed = Date.parse(LAST_USED.exec(comment ?? '')?.[1] ?? '');
    if (Number.isNaN(lastUsed) || Date.now() - lastUsed < UNUSED_FOR_MS) continue;
    await dropTemplate(client, name);
  }
}

async function dropTemplate(client: pg.Client, name: string): Promise<void> {
  await client.query(`alter database ${name} with is_template false`).catch(() => undefined);
  await client.query(`drop database if exists ${name} with (force)`);
}

async function withServer<T>(server: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(server, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
