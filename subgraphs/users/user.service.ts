/** Accounts: registration, login, and who may read or change which account. One instance per request. */
import { LockMode, raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts';
import { requireViewer, type RequestScope } from '../../lib/request-scope.ts';
import { parseRowId } from '../../lib/ids.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { createRowLoader, loadReference } from '../../lib/row-loader.ts';
import { STAFF_ROLES, type Role } from '../../lib/viewer.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { AuthPayload, SessionService } from './session.service.ts';
import { User } from './user.entity.ts';
import { validateLogin, validateRegistration, type RegisterInputFields } from './user.rules.ts';

export class UserService {
  readonly #em: EntityManager;
  readonly #scope: RequestScope;
  readonly #sessions: SessionService;
  readonly #byId;

  constructor(scope: RequestScope, sessions: SessionService) {
    this.#em = scope.em;
    this.#scope = scope;
    this.#sessions = sessions;
    this.#byId = createRowLoader(scope.em, User);
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

  /**
   * Starts a session. Wrong username and wrong password fail alike, in similar time (a deactivated account
   * too); a username or password no account could have is refused as bad input, without a lookup.
   */
  async login(usernameText: string, passwordText: string): Promise<AuthPayload> {
    const { username, password } = validateLogin(usernameText, passwordText);
    const user = await this.#em.findOne(User, { [raw('lower(username)')]: username.toLowerCase() });
    const valid = await verifyPassword(user?.passwordHash, password);
    if (!user || !valid || !user.isActive) throw new UnauthenticatedError('invalid username or password');
    return this.#sessions.start(user);
  }

  /** refreshSession: a new pair, with the account's role as it is now. */
  refresh(refreshToken: string): Promise<AuthPayload> {
    return this.#sessions.refresh(refreshToken, (id) => this.#em.findOne(User, { id }, { refresh: true }));
  }

  async me(): Promise<User> {
    const viewer = requireViewer(this.#scope);
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
    const admin = await this.#currentAdmin('setUserRole');
    const id = parseRowId(userId, 'userId');
    if (id === admin.id) throw new ConflictError('an administrator cannot change their own role', 'userId');
    return this.#em.transactional(async (em) => {
      const user = await em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user) throw new NotFoundError('User', userId);
      user.role = role;
      await em.flush();
      return user;
    });
  }

  /**
   * setUserActive: deactivating an account ends its sessions and refuses its logins; activating it lets
   * it log in again. An administrator cannot deactivate their own account.
   */
  async setActive(userId: string, active: boolean): Promise<User> {
    const admin = await this.#currentAdmin('setUserActive');
    const id = parseRowId(userId, 'userId');
    if (id === admin.id && !active) {
      throw new ConflictError('an administrator cannot deactivate their own account', 'userId');
    }
    return this.#em.transactional(async (em) => {
      const user = await em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user) throw new NotFoundError('User', userId);
      user.isActive = active;
      await em.flush();
      if (!active) await this.#sessions.revokeAllOf(em, id, 'account deactivated');
      return user;
    });
  }

  /**
   * The caller, read from the database now: an administrator demoted since their token was issued is no
   * longer one, whatever the token says.
   */
  async #currentAdmin(field: string): Promise<User> {
    const viewer = requireViewer(this.#scope);
    const caller = await this.#em.findOne(User, { id: viewer.userId }, { refresh: true });
    if (!caller || !caller.isActive || caller.role !== 'ADMIN') {
      throw new ForbiddenError(`${field} requires the role ADMIN`);
    }
    return caller;
  }

  /** For federation: staff read any account, a customer only their own. */
  async findById(id: string): Promise<User | null> {
    const viewer = requireViewer(this.#scope);
    if (!STAFF_ROLES.includes(viewer.role) && id !== String(viewer.userId)) {
      throw new ForbiddenError('a customer can read only their own account');
    }
    return loadReference(this.#byId, id);
  }
}
