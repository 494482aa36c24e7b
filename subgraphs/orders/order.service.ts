/**
 * Orders, one instance per request: placing them (a PENDING order and its `order.placed` event in one
 * transaction), reading them with their owner's or staff's rights, and moving them through the state
 * machine. Inventory's replies confirm or reject them (stock-replies.consumer.ts).
 */
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { EntityManager } from '../../lib/database.ts';
import { NotFoundError, ConflictError, ForbiddenError, UnauthenticatedError } from '../../lib/errors.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import { isRowId, parseRowId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { STAFF_ROLES, type Viewer } from '../../lib/viewer.ts';
import type { Catalogue } from './catalogue.ts';
import { OrderLine } from './order-line.entity.ts';
import { Order, type OrderStatus } from './order.entity.ts';
import { ORDER_EVENTS_TOPIC, orderEvent, type OrderEvent } from './order-events.ts';
import {
  assertStatusChange,
  isCancellable,
  priceLines,
  requestFingerprint,
  validatePlaceOrder,
} from './order.rules.ts';

export interface OrderRequest {
  viewer: Viewer | null;
  requestId: string;
  logger: Logger;
  catalogue: Catalogue;
}

export interface PlaceOrderInput {
  lines: readonly { productId: string; quantity: number }[];
  shippingAddress: string;
  notes?: string | null;
  idempotencyKey?: string | null;
}

export interface OrderFilter {
  status?: OrderStatus | null;
  userId?: string | null;
}

function isStaff(viewer: Viewer): boolean {
  return STAFF_ROLES.includes(viewer.role);
}

/** Newest first: the order of every list of orders. */
const NEWEST_FIRST = { createdAt: 'desc', id: 'desc' } as const;

export class OrderService {
  readonly #em: EntityManager;
  readonly #request: OrderRequest;
  readonly #lines: DataLoader<number, OrderLine[]>;

  constructor(em: EntityManager, request: OrderRequest) {
    this.#em = em;
    this.#request = request;
    // Every order's lines that one request needs, in one query.
    this.#lines = new DataLoader(async (orderIds) => {
      const lines = await em.find(OrderLine, { orderId: { $in: [...orderIds] } }, { orderBy: { id: 'asc' } });
      const byOrder = Map.groupBy(lines, (line) => line.orderId);
      return orderIds.map((orderId) => byOrder.get(orderId) ?? []);
    });
  }

  /**
   * placeOrder: prices the lines from the catalogue and writes the order PENDING with its `order.placed`
   * event. The same idempotency key again returns the order it first created.
   */
  async place(input: PlaceOrderInput): Promise<Order> {
    const viewer = this.#viewer();
    const request = validatePlaceOrder(input);
    const { idempotencyKey } = request;
    const fingerprint = idempotencyKey === null ? null : requestFingerprint(request);
    if (idempotencyKey !== null) {
      const earlier = await this.#byIdempotencyKey(viewer.userId, idempotencyKey, fingerprint);
      if (earlier) return earlier;
    }
    const catalogue = await this.#request.catalogue.products(
      request.lines.map(({ productId }) => productId),
      { requestId: this.#request.requestId, viewer, logger: this.#request.logger },
    );
    const priced = priceLines(request.lines, catalogue);
    try {
      return await this.#em.transactional(async (em) => {
        const order = em.create(Order, {
          userId: viewer.userId,
          status: 'PENDING',
          totalMinor: priced.totalMinor,
          currency: priced.currency,
          shippingAddress: request.shippingAddress,
          notes: request.notes,
          rejectionReason: null,
          idempotencyKey,
          requestFingerprint: fingerprint,
        });
        await em.flush();
        for (const line of priced.lines) em.create(OrderLine, { orderId: order.id, ...line });
        await this.#announce(em, {
          type: 'order.placed',
          payload: {
            orderId: order.id,
            userId: viewer.userId,
            lines: priced.lines.map(({ productId, quantity }) => ({ productId, quantity })),
          },
        });
        await em.flush();
        return order;
      });
    } catch (error) {
      // The same key placed concurrently: the other request's order stands.
      if (idempotencyKey === null || !(error instanceof UniqueConstraintViolationException)) throw error;
      const earlier = await this.#byIdempotencyKey(viewer.userId, idempotencyKey, fingerprint);
      if (!earlier) throw error;
      return earlier;
    }
  }

  /** An order its owner or staff may see; null for any other (its existence is not disclosed). */
  async find(id: string): Promise<Order | null> {
    const viewer = this.#viewer();
    if (!isRowId(id)) return null;
    const order = await this.#em.findOne(Order, { id: Number(id) });
    return order && this.#canSee(viewer, order) ? order : null;
  }

  /** For federation: an order another subgraph references, under the same rule as `find`. */
  findReference(id: string): Promise<Order | null> {
    return this.#request.viewer ? this.find(id) : Promise.resolve(null);
  }

  /** myOrders: the viewer's orders, newest first. */
  mine(page?: number | null, pageSize?: number | null): Promise<Page<Order>> {
    return this.#page({ userId: this.#viewer().userId }, page, pageSize);
  }

  /** User.orders: a user's orders, for that user or staff. */
  ofUser(userId: string, page?: number | null, pageSize?: number | null): Promise<Page<Order>> {
    const viewer = this.#viewer();
    if (!isStaff(viewer) && String(viewer.userId) !== userId) {
      throw new ForbiddenError("only staff can read another user's orders");
    }
    return this.#page({ userId: parseRowId(userId, 'id') }, page, pageSize);
  }

  /** orders (staff): every order, optionally of one status or one customer. */
  list(filter: OrderFilter | null | undefined, page?: number | null, pageSize?: number | null) {
    return this.#page(
      {
        ...(filter?.status ? { status: filter.status } : {}),
        ...(filter?.userId ? { userId: parseRowId(filter.userId, 'filter.userId') } : {}),
      },
      page,
      pageSize,
    );
  }

  linesOf(order: Order): Promise<OrderLine[]> {
    return this.#lines.load(order.id);
  }

  /** cancelOrder: the owner or staff cancel an order that has not shipped; inventory releases its stock. */
  cancel(id: string): Promise<Order> {
    return this.#changeStatus(id, 'CANCELLED', (order) => {
      if (!isCancellable(order.status)) {
        throw new ConflictError(`a ${order.status} order cannot be cancelled`, 'id');
      }
    });
  }

  /** updateOrderStatus (staff): the moves of the state machine that staff make. */
  updateStatus(id: string, status: OrderStatus): Promise<Order> {
    return this.#changeStatus(id, status, (order) => assertStatusChange(order.status, status));
  }

  async #changeStatus(id: string, to: OrderStatus, check: (order: Order) => void): Promise<Order> {
    const viewer = this.#viewer();
    const orderId = parseRowId(id, 'id');
    return this.#em.transactional(async (em) => {
      // Locked, so a reply from inventory and a change by hand cannot both act on the same old status.
      const order = await em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!order || !this.#canSee(viewer, order)) throw new NotFoundError('order', id);
      check(order);
      order.status = to;
      if (to === 'CANCELLED') await this.#announce(em, { type: 'order.cancelled', payload: { orderId } });
      if (to === 'SHIPPED') await this.#announce(em, { type: 'order.shipped', payload: { orderId } });
      await em.flush();
      return order;
    });
  }

  async #page(
    where: { userId?: number; status?: OrderStatus },
    page?: number | null,
    pageSize?: number | null,
  ): Promise<Page<Order>> {
    const request = pageRequest(page, pageSize);
    const [items, totalCount] = await this.#em.findAndCount(Order, where, {
      orderBy: NEWEST_FIRST,
      limit: request.pageSize,
      offset: request.offset,
    });
    return toPage(items, totalCount, request);
  }

  async #byIdempotencyKey(userId: number, key: string, fingerprint: string | null): Promise<Order | null> {
    const order = await this.#em.findOne(Order, { userId, idempotencyKey: key });
    if (order && order.requestFingerprint !== fingerprint) {
      throw new ConflictError(
        `idempotencyKey "${key}" was already used for a different order (${order.id}); use a new key for a new order`,
        'input.idempotencyKey',
      );
    }
    return order;
  }

  #announce(em: EntityManager, event: OrderEvent): Promise<void> {
    return enqueueEvent(em, ORDER_EVENTS_TOPIC, orderEvent(event, this.#request.requestId));
  }

  #canSee(viewer: Viewer, order: Order): boolean {
    return isStaff(viewer) || order.userId === viewer.userId;
  }

  #viewer(): Viewer {
    if (!this.#request.viewer) throw new UnauthenticatedError();
    return this.#request.viewer;
  }
}
