/**
 * Accounts for development only (`npm start`): admin / admin123456, a pharmacist and a customer. Production
 * never gets a default password: its first administrator is made with `npm run create-admin`.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { raw } from '@mikro-orm/core';
import type { Role } from '../../lib/viewer.ts';
import { hashPassword } from './password.ts';
import { User } from './user.entity.ts';
import { validateRegistration } from './user.rules.ts';

export interface AccountSpec {
  username: string;
  email: string;
  password: string;
  fullName: string | null;
  role: Role;
}

const DEMO_ACCOUNTS: readonly AccountSpec[] = [
  {
    username: 'admin',
    email: 'admin@pharmacy.example',
    password: 'admin123456',
    fullName: 'Demo Administrator',
    role: 'ADMIN',
  },
  {
    username: 'pharmacist',
    email: 'pharmacist@pharmacy.example',
    password: 'pharmacist123',
    fullName: 'Demo Pharmacist',
    role: 'PHARMACIST',
  },
  {
    username: 'customer',
    email: 'customer@pharmacy.example',
    password: 'customer123',
    fullName: 'Demo Customer',
    role: 'CUSTOMER',
  },
];

/** Creates the account unless its username exists; returns whether it did. The same rules as register. */
export async function ensureAccount(orm: MikroORM, spec: AccountSpec): Promise<boolean> {
  const em = orm.em.fork();
  const registration = validateRegistration(spec);
  if (await em.count(User, { [raw('lower(username)')]: registration.username.toLowerCase() })) return false;
  em.create(User, {
    email: registration.email,
    username: registration.username,
    fullName: registration.fullName,
    passwordHash: await hashPassword(registration.password),
    role: spec.role,
  });
  await em.flush();
  return true;
}

/** Returns how many demo accounts it added. */
export async function seedDemoUsers(orm: MikroORM): Promise<number> {
  let added = 0;
  for (const account of DEMO_ACCOUNTS) if (await ensureAccount(orm, account)) added += 1;
  return added;
}
