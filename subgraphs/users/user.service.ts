/** Accounts: registration, login, and who may read or change which account. One instance per request. */
import { raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts';
import { parseRowId } from '../../lib/ids.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { createRowLoader, loadReference } from '../../lib/row-loader.ts';
import { STAFF_ROLES, type Role, type Viewer } from '../../lib/viewer.ts';
import { issueAccessToken, type TokenSettings } from './access-token.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { SigningKeys } from './signing-keys.ts';
import { User } from './user.entity.ts';
import { validateRegistration, type RegisterInputFields } from './user.rules.ts';

export interface AuthPayload {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export interface TokenIssuer {
  keys: SigningKeys;
  settings: TokenSettings;
}

export class UserService {
  readonly #em: EntityManager;
  readonly #viewer: Viewer | null;
  readonly #tokens: TokenIssuer;
  readonly #byId;

  constructor(em: EntityManager, viewer: Viewer | null, tokens: TokenIssuer) {
    this.#em = em;
    this.#viewer = viewer;
    this.#tokens = tokens;
    this.#byId = createRowLoader(em, User);
  }

  async register(input: RegisterInputFields): Promise<User> {
    const registration = validateRegistration(input);
    const user = this.#em.create(User, {
      email: registration.email,
      username: registration.username,
      fullName: registration.fullName,
      passwordHash: await hashPassword(registration.password),
      role: 'CUSTOMER',
    });
    try {
      await this.#em.flush();
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const field = error.message.includes('app_user_email_unique') ? 'email' : 'username';
      throw new ConflictError(`an account with this ${field} already exists`, `input.${field}`);
    }
    return user;
  }

  /** Wrong username and wrong password fail alike, in similar time. */
  async login(username: string, password: string): Promise<AuthPayload> {
    const user = await this.#em.findOne(User, { [raw('lower(username)')]: username.trim().toLowerCase() });
    const valid = await verifyPassword(user?.passwordHash, password);
    if (!user || !valid || !user.isActive) throw new UnauthenticatedError('invalid username or password');
    const { settings, keys } = this.#tokens;
    const accessToken = await issueAccessToken({ userId: user.id, role: user.role }, keys, settings);
    return { accessToken, tokenType: 'Bearer', expiresIn: settings.ttlSeconds, user };
  }

  async me(): Promise<User> {
    const viewer = this.#requireViewer();
    const user = await this.#byId.load(viewer.userId);
    if (!user) throw new UnauthenticatedError('the account of this access token no longer exists');
    return user;
  }

  async list(page?: number | null, pageSize?: number | null): Promise<Page<User>> {
    const request = pageRequest(page, pageSize);
    const [items, totalCount] = await this.#em.findAndCount(
      User,
      {},
      { orderBy: { id: 'asc' }, limit: request.pageSize, offset: request.offset },
    );
    return toPage(items, totalCount, request);
  }

  async setRole(userId: string, role: Role): Promise<User> {
    const viewer = this.#requireViewer();
    const id = parseRowId(userId, 'userId');
    if (id === viewer.userId)
      throw new ConflictError('an administrator cannot change their own role', 'userId');
    const user = await this.#byId.load(id);
    if (!user) throw new NotFoundError('User', userId);
    user.role = role;
    await this.#em.flush();
    return user;
  }

  /** For federation: staff read any account, a customer only their own. */
  async findById(id: string): Promise<User | null> {
    const viewer = this.#requireViewer();
    if (!STAFF_ROLES.includes(viewer.role) && id !== String(viewer.userId)) {
      throw new ForbiddenError('a customer can read only their own account');
    }
    return loadReference(this.#byId, id);
  }

  #requireViewer(): Viewer {
    if (!this.#viewer) throw new UnauthenticatedError();
    return this.#viewer;
  }
}
