import type { EntityManager } from '../../lib/database.ts';
import { createRowLoader, loadReference } from '../../lib/row-loader.ts';
import { Order } from './order.entity.ts';

/** Orders, one instance per request. */
export class OrderService {
  readonly #byId;

  constructor(em: EntityManager) {
    this.#byId = createRowLoader(em, Order);
  }

  /** For federation: an order referenced by another subgraph, or null when the id names none. */
  findById(id: string): Promise<Order | null> {
    return loadReference(this.#byId, id);
  }
}
