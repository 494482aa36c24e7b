import { fileURLToPath } from 'node:url';
import { readConfig, type Env } from '../../lib/config.ts';
import { sendJson } from '../../lib/http-server.ts';
import {
  createSubgraph,
  loadTypeDefs,
  readSubgraphSettings,
  type Subgraph,
  type SubgraphConfig,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import type { TokenSettings } from './access-token.ts';
import { CreateUser } from './migrations/20261125-create-user.migration.ts';
import { usersResolvers } from './resolvers.ts';
import { ensureSigningKeys, signingKeysFromFile, type SigningKeys } from './signing-keys.ts';
import { User } from './user.entity.ts';
import { UserService } from './user.service.ts';

export interface UsersContext extends SubgraphContext {
  users: UserService;
}

export interface UsersConfig extends SubgraphConfig {
  /** The signing keys (see signing-keys.ts); created on first start outside production. */
  jwtKeysFile: string;
  tokens: TokenSettings;
}

export const DEVELOPMENT_KEYS_FILE = fileURLToPath(new URL('../../.data/jwt-keys.json', import.meta.url));

export function readUsersConfig(env: Env, defaultPort: number): UsersConfig {
  return readConfig(env, (read) => {
    const settings = readSubgraphSettings(read, defaultPort);
    return {
      ...settings,
      jwtKeysFile: read.string('JWT_KEYS_FILE', settings.production ? undefined : DEVELOPMENT_KEYS_FILE),
      tokens: {
        issuer: read.string('JWT_ISSUER', 'pharmacy-users'),
        audience: read.string('JWT_AUDIENCE', 'pharmacy-api'),
        ttlSeconds: read.int('ACCESS_TOKEN_TTL_SECONDS', 3_600, { min: 60, max: 86_400 }),
      },
    };
  });
}

export const usersTypeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));

export function usersModule(keys: SigningKeys, tokens: TokenSettings): SubgraphModule<UsersContext> {
  return {
    name: 'users',
    typeDefs: usersTypeDefs,
    resolvers: usersResolvers,
    entities: [User],
    migrations: [CreateUser],
    createContext: (base) => ({
      ...base,
      users: new UserService(base.em, base.viewer, { keys, settings: tokens }),
    }),
    routes: {
      // Public keys only; the router fetches them to verify access tokens.
      '/.well-known/jwks.json': async (res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        sendJson(res, 200, await keys.publicJwks());
      },
    },
  };
}

export async function createUsersSubgraph(config: UsersConfig): Promise<Subgraph> {
  if (!config.production) await ensureSigningKeys(config.jwtKeysFile);
  const keys = signingKeysFromFile(config.jwtKeysFile);
  await keys.current(); // a missing or malformed key file stops the start, not the first login
  return createSubgraph(usersModule(keys, config.tokens), config);
}
