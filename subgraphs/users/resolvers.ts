import { DateTimeScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';

export const usersResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  User: {
    __resolveReference: ({ id }, { users }) => users.findById(id),
    id: (user) => String(user.id),
  },
};
