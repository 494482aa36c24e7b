import { defineEntity, p } from '@mikro-orm/postgresql';
import { ROLES } from '../../lib/viewer.ts';

/** An account. The password is kept only as an argon2id hash. */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: p.integer().primary().autoincrement(),
    email: p.string().length(254),
    username: p.string().length(64),
    passwordHash: p.string().hidden(),
    fullName: p.string().length(200).nullable(),
    role: p.enum(ROLES),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);
