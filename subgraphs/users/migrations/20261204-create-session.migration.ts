import { Migration } from '../../../lib/database.ts';

/**
 * Login sessions and their rotating refresh tokens. A session is one login (a family of refresh tokens);
 * its role is always its account's (read from app_user, so a role change cannot miss a session). Each refresh token is kept only as its SHA-256 and is used once: a second use
 * ends its session.
 */
export class CreateSession extends Migration {
  override name = '20261204-create-session';

  override up(): void {
    this.addSql(`
      create table user_session (
        id uuid primary key,
        user_id integer not null references app_user (id) on delete cascade,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz null,
        revoked_reason text null
      )`);
    this.addSql('create index user_session_user on user_session (user_id) where revoked_at is null');
    this.addSql(`
      create table refresh_token (
        token_hash bytea primary key,
        session_id uuid not null references user_session (id) on delete cascade,
        issued_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz null
      )`);
    this.addSql('create index refresh_token_session on refresh_token (session_id)');
  }

  override down(): void {
    this.addSql('drop table refresh_token');
    this.addSql('drop table user_session');
  }
}
