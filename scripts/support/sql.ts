/** One query on a database over a connection of its own: for scripts and tests that look at a database from outside. */
import pg from 'pg';

/** Runs `work` on a connection of its own to the database at `url`, closed afterwards. */
export async function withConnection<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Rows of `query` (`$1` placeholders) on the database at `url`, over a connection of its own. */
export async function sqlAt<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withConnection(url, async (client) => (await client.query<T>(query, params)).rows);
}
