import {
  createSubgraph,
  loadTypeDefs,
  type Subgraph,
  type SubgraphConfig,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import { CreateUser } from './migrations/20261125-create-user.migration.ts';
import { usersResolvers } from './resolvers.ts';
import { User } from './user.entity.ts';
import { UserService } from './user.service.ts';

export interface UsersContext extends SubgraphContext {
  users: UserService;
}

export const usersModule: SubgraphModule<UsersContext> = {
  name: 'users',
  typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers: usersResolvers,
  entities: [User],
  migrations: [CreateUser],
  createContext: (base) => ({ ...base, users: new UserService(base.em) }),
};

export function createUsersSubgraph(config: SubgraphConfig): Promise<Subgraph> {
  return createSubgraph(usersModule, config);
}
