/** One query on a database over a connection of its own: for scripts and tests that look at a database from outside. */
import pg from 'pg';

/** Rows of `query` (`$1` placeholders) on the database at `url`, over a connection of its own. */
export async function sqlAt<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(query, params)).rows;
  } finally {
    await client.end();
  }
}
