/**
 * A session for a user that has not logged in, written straight into the users database: how the tests
 * and the bench hold tokens for many users without a login each. The account is created when missing (no
 * password can log into it) and given the viewer's role, since a session's role is always its account's.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Viewer } from '../../lib/viewer.ts';

export async function seedSession(
  databaseUrl: string,
  viewer: Viewer,
  maxAgeSeconds = 86_400,
): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const sessionId = randomUUID();
    await client.query('begin');
    await client.query(
      `insert into app_user (id, email, username, password_hash, role, is_active, created_at)
       values ($1, $2, $3, 'no password: seeded', $4, true, now())
       on conflict (id) do update set role = excluded.role`,
      [viewer.userId, `seeded-${viewer.userId}@example.com`, `seeded-${viewer.userId}`, viewer.role],
    );
    // Registrations after a seeded id must not be handed that id.
    await client.query(
      `select setval(pg_get_serial_sequence('app_user', 'id'), greatest((select max(id) from app_user), 1))`,
    );
    await client.query(
      `insert into user_session (id, user_id, created_at, expires_at)
       values ($1, $2, now(), now() + make_interval(secs => $3))`,
      [sessionId, viewer.userId, maxAgeSeconds],
    );
    await client.query('commit');
    return sessionId;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
