import { fileURLToPath } from 'node:url';
import { readConfig } from '../../lib/config.ts';
import { sendJson } from '../../lib/http-server.ts';
import type { RequestScope } from '../../lib/request-scope.ts';
import { readSubgraphSettings, type SubgraphConfig, type SubgraphDefinition } from '../../lib/subgraph.ts';
import { SUBGRAPHS } from '../registry.ts';
import type { TokenSettings } from './access-token.ts';
import { CreateUser } from './migrations/20261125-create-user.migration.ts';
import { CreateSession } from './migrations/20261204-create-session.migration.ts';
import { usersResolvers } from './resolvers.ts';
import { sessionStatusRoute, SESSION_STATUS_PATH } from './session-status.route.ts';
import { forgetEndedSessions, SessionService, type SessionSettings } from './session.service.ts';
import { ensureSigningKeys, signingKeysFromFile } from './signing-keys.ts';
import { User } from './user.entity.ts';
import { UserService } from './user.service.ts';

export interface UsersContext extends RequestScope {
  users: UserService;
  sessions: SessionService;
}

export interface UsersConfig extends SubgraphConfig {
  /** The signing keys (see signing-keys.ts); created on first start outside production. */
  jwtKeysFile: string;
  tokens: TokenSettings;
  sessions: SessionSettings;
}

export const DEVELOPMENT_KEYS_FILE = fileURLToPath(new URL('../../.data/jwt-keys.json', import.meta.url));

export const usersSubgraph: SubgraphDefinition<UsersConfig, UsersContext> = {
  registration: SUBGRAPHS.users,
  resolvers: usersResolvers,
  entities: [User],
  migrations: [CreateUser, CreateSession],
  readConfig: (env) =>
    readConfig(env, (read) => {
      const settings = readSubgraphSettings(read, SUBGRAPHS.users.defaultPort);
      return {
        ...settings,
        jwtKeysFile: read.string('JWT_KEYS_FILE', settings.production ? undefined : DEVELOPMENT_KEYS_FILE),
        tokens: {
          issuer: read.string('JWT_ISSUER', 'pharmacy-users'),
          audience: read.string('JWT_AUDIENCE', 'pharmacy-api'),
          // Short: a stolen access token is good for minutes; the refresh token renews it.
          ttlSeconds: read.int('ACCESS_TOKEN_TTL_SECONDS', 600, { min: 60, max: 86_400 }),
        },
        sessions: {
          refreshTtlSeconds: read.int('REFRESH_TOKEN_TTL_SECONDS', 14 * 86_400, {
            min: 60,
            max: 365 * 86_400,
          }),
          maxAgeSeconds: read.int('SESSION_MAX_AGE_SECONDS', 30 * 86_400, { min: 60, max: 365 * 86_400 }),
          sweepIntervalMs: read.int('SESSION_SWEEP_INTERVAL_MS', 3_600_000, { min: 100, max: 86_400_000 }),
        },
      };
    }),
  async assemble(config, { orm, logger }) {
    if (!config.production) await ensureSigningKeys(config.jwtKeysFile);
    const keys = signingKeysFromFile(config.jwtKeysFile);
    await keys.current(); // a missing or malformed key file stops the start, not the first login
    const issuer = { keys, settings: config.tokens, sessions: config.sessions };
    const sweep = setInterval(() => {
      forgetEndedSessions(orm.em.fork()).then(
        (forgotten) => forgotten > 0 && logger.info({ forgotten }, 'ended sessions forgotten'),
        (error: unknown) =>
          logger.warn({ err: error }, 'forgetting ended sessions failed: tried again later'),
      );
    }, config.sessions.sweepIntervalMs);
    sweep.unref();
    return {
      stop: async () => clearInterval(sweep),
      createContext: (scope) => {
        const sessions = new SessionService(scope, issuer);
        return { ...scope, sessions, users: new UserService(scope, sessions) };
      },
      routes: {
        [SESSION_STATUS_PATH]: sessionStatusRoute(
          config.routerSecret,
          ({ requestId, logger }) =>
            new SessionService({ em: orm.em.fork(), viewer: null, requestId, logger }, issuer),
        ),
        // Public keys only; the router fetches them to verify access tokens.
        '/.well-known/jwks.json': async (res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          sendJson(res, 200, await keys.publicJwks());
        },
      },
    };
  },
};
