import type { EntityManager } from '../../lib/database.ts';
import { createRowLoader, loadReference } from '../../lib/row-loader.ts';
import { User } from './user.entity.ts';

/** Accounts, one instance per request. */
export class UserService {
  readonly #byId;

  constructor(em: EntityManager) {
    this.#byId = createRowLoader(em, User);
  }

  /** For federation: a user referenced by another subgraph, or null when the id names none. */
  findById(id: string): Promise<User | null> {
    return loadReference(this.#byId, id);
  }
}
