import { DateTimeScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';

export const usersResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    me: (_, __, { users }) => users.me(),
    users: (_, { page, pageSize }, { users }) => users.list(page, pageSize),
  },
  Mutation: {
    register: (_, { input }, { users }) => users.register(input),
    login: (_, { username, password }, { users }) => users.login(username, password),
    refreshSession: (_, { refreshToken }, { users }) => users.refresh(refreshToken),
    logout: (_, __, { sessions }) => sessions.logout(),
    revokeSessions: (_, { userId }, { sessions }) => sessions.revokeAll(userId),
    setUserRole: (_, { userId, role }, { users }) => users.setRole(userId, role),
    setUserActive: (_, { userId, active }, { users }) => users.setActive(userId, active),
  },
  User: {
    __resolveReference: ({ id }, { users }) => users.findById(id),
    id: (user) => String(user.id),
  },
};
