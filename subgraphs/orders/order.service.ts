/**
 * Orders, one instance per request: placing them (a PENDING order and its `order.placed` event in one
 * transaction), reading them with their owner's or staff's rights, moving them through the state machine,
 * and the pharmacist's review of prescription orders. Inventory's replies confirm or reject them, or send
 * them to review (stock-replies.consumer.ts). Every status change is recorded (order-status.ts).
 */
import { LockMode, raw, UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../lib/database.ts';
import { NotFoundError, ConflictError, ForbiddenError } from '../../lib/errors.ts';
import { requireViewer, type RequestScope } from '../../lib/request-scope.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import { isRowId, parseRowId } from '../../lib/ids.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { createGroupLoader, createRowLoader } from '../../lib/row-loader.ts';
import { STAFF_ROLES, type Viewer } from '../../lib/viewer.ts';
import type { Catalogue } from './catalogue.ts';
import { OrderLineLot } from './order-line-lot.entity.ts';
import { OrderLine } from './order-line.entity.ts';
import { assertNoWithdrawnLotHeld } from './order-lots.ts';
import { OrderStatusChange } from './order-status-change.entity.ts';
import { insertPlacedOrder } from './order-placement.ts';
import { changeOrderStatus } from './order-status.ts';
import { Order, type OrderStatus } from './order.entity.ts';
import { ORDER_EVENTS_TOPIC, orderEvent, type OrderEvent } from '../contracts/order-events.ts';
import {
  assertAwaitingReview,
  assertPrescriptionGiven,
  assertStatusChange,
  isCancellable,
  priceLines,
  rejectionByPharmacist,
  requestFingerprint,
  reviewNote,
  validatePlaceOrder,
  type PlaceOrderInput,
  type Prescription,
} from './order.rules.ts';
import { PrescriptionReview, type ReviewDecision } from './prescription-review.entity.ts';
import { RecallNotice } from './recall-notice.entity.ts';

export interface OrderFilter {
  status?: OrderStatus | null;
  userId?: string | null;
  hasRecallNotice?: boolean | null;
}

function isStaff(viewer: Viewer): boolean {
  return STAFF_ROLES.includes(viewer.role);
}

/** Newest first: the order of every list of orders but the review queue. */
const NEWEST_FIRST = { createdAt: 'desc', id: 'desc' } as const;
/** The review queue is served oldest first. */
const OLDEST_FIRST = { createdAt: 'asc', id: 'asc' } as const;

/** What other services hear of a status change made here. */
const ANNOUNCED: Partial<Record<OrderStatus, 'order.cancelled' | 'order.shipped' | 'order.rejected'>> = {
  CANCELLED: 'order.cancelled',
  SHIPPED: 'order.shipped',
  // Only a pharmacist's rejection moves an order to REJECTED here (inventory's rejections are its own).
  REJECTED: 'order.rejected',
};

interface StatusChange {
  to: OrderStatus;
  /** Throws when the viewer may not make the change; runs with the order locked. */
  check(order: Order, em: EntityManager): void | Promise<void>;
  reason?: string | null;
  /** What else the change writes, in its transaction. */
  effect?(order: Order, em: EntityManager): void;
}

/** The prescription an order was placed with, or null. */
export function prescriptionOf(order: Order): Prescription | null {
  const { prescriberName, prescriberLicence, prescriptionIssuedOn, prescriptionReference } = order;
  // All four or none (a check constraint of customer_order); none is ever blank.
  if (!prescriberName || !prescriberLicence || !prescriptionIssuedOn || !prescriptionReference) return null;
  return {
    prescriberName,
    prescriberLicence,
    issuedOn: prescriptionIssuedOn,
    reference: prescriptionReference,
  };
}

export class OrderService {
  readonly #em: EntityManager;
  readonly #scope: RequestScope;
  readonly #catalogue: Catalogue;
  // Every order's lines (lots, review, notices, trail) that one request needs, in one query each.
  readonly #lines: DataLoader<number, OrderLine[]>;
  readonly #lots: DataLoader<number, OrderLineLot[]>;
  readonly #reviews: DataLoader<number, PrescriptionReview | null>;
  readonly #recallNotices: DataLoader<number, RecallNotice[]>;
  readonly #statusHistory: DataLoader<number, OrderStatusChange[]>;

  constructor(scope: RequestScope, catalogue: Catalogue) {
    const { em } = scope;
    this.#em = em;
    this.#scope = scope;
    this.#catalogue = catalogue;
    this.#lines = createGroupLoader(em, OrderLine, 'orderId');
    this.#lots = createGroupLoader(em, OrderLineLot, 'orderLineId');
    this.#reviews = createRowLoader(em, PrescriptionReview, 'orderId');
    this.#recallNotices = createGroupLoader(em, RecallNotice, 'orderId');
    this.#statusHistory = createGroupLoader(em, OrderStatusChange, 'orderId');
  }

  /**
   * placeOrder: prices the lines from the catalogue and writes the order PENDING with its `order.placed`
   * event. The same idempotency key again returns the order it first created.
   */
  async place(input: PlaceOrderInput): Promise<Order> {
    const viewer = requireViewer(this.#scope);
    const request = validatePlaceOrder(input);
    const { idempotencyKey } = request;
    const fingerprint = idempotencyKey === null ? null : requestFingerprint(request);
    if (idempotencyKey !== null) {
      const earlier = await this.#byIdempotencyKey(viewer.userId, idempotencyKey, fingerprint);
      if (earlier) return earlier;
    }
    const catalogue = await this.#catalogue.products(
      request.lines.map(({ productId }) => productId),
      { requestId: this.#scope.requestId, viewer, logger: this.#scope.logger },
    );
    const priced = priceLines(request.lines, catalogue);
    assertPrescriptionGiven(priced, request.prescription);
    try {
      return await this.#em.transactional(async (em) => {
        const order = await insertPlacedOrder(em, {
          viewer,
          totalMinor: priced.totalMinor,
          currency: priced.currency,
          shippingAddress: request.shippingAddress,
          notes: request.notes,
          requiresPrescription: priced.prescriptionProducts.length > 0,
          prescription: request.prescription ?? null,
          idempotencyKey,
          requestFingerprint: fingerprint,
          lines: priced.lines,
        });
        await this.#announce(em, {
          type: 'order.placed',
          payload: {
            orderId: order.id,
            userId: viewer.userId,
            lines: priced.lines.map(({ productId, quantity }) => ({ productId, quantity })),
          },
        });
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
    const viewer = requireViewer(this.#scope);
    if (!isRowId(id)) return null;
    const order = await this.#em.findOne(Order, { id: Number(id) });
    return order && this.#canSee(viewer, order) ? order : null;
  }

  /** For federation: an order another subgraph references, under the same rule as `find`. */
  findReference(id: string): Promise<Order | null> {
    return this.#scope.viewer ? this.find(id) : Promise.resolve(null);
  }

  /** myOrders: the viewer's orders, newest first. */
  mine(page?: number | null, pageSize?: number | null): Promise<Page<Order>> {
    return this.#page({ userId: requireViewer(this.#scope).userId }, page, pageSize);
  }

  /** User.orders: a user's orders, for that user or staff. */
  ofUser(userId: string, page?: number | null, pageSize?: number | null): Promise<Page<Order>> {
    const viewer = requireViewer(this.#scope);
    if (!isStaff(viewer) && String(viewer.userId) !== userId) {
      throw new ForbiddenError("only staff can read another user's orders");
    }
    return this.#page({ userId: parseRowId(userId, 'id') }, page, pageSize);
  }

  /** orders (staff): every order, optionally of one status or one customer, with or without recall notices. */
  list(filter: OrderFilter | null | undefined, page?: number | null, pageSize?: number | null) {
    const hasRecallNotice = filter?.hasRecallNotice;
    return this.#page(
      {
        ...(filter?.status ? { status: filter.status } : {}),
        ...(filter?.userId ? { userId: parseRowId(filter.userId, 'filter.userId') } : {}),
        ...(typeof hasRecallNotice === 'boolean'
          ? {
              [raw((alias) => `exists (select 1 from recall_notice n where n.order_id = ${alias}.id)`)]:
                hasRecallNotice,
            }
          : {}),
      },
      page,
      pageSize,
    );
  }

  /** ordersAwaitingReview (staff): the pharmacists' queue, oldest first. */
  awaitingReview(page?: number | null, pageSize?: number | null): Promise<Page<Order>> {
    return this.#page({ status: 'AWAITING_REVIEW' }, page, pageSize, OLDEST_FIRST);
  }

  linesOf(order: Order): Promise<OrderLine[]> {
    return this.#lines.load(order.id);
  }

  lotsOf(line: OrderLine): Promise<OrderLineLot[]> {
    return this.#lots.load(line.id);
  }

  reviewOf(order: Order): Promise<PrescriptionReview | null> {
    return this.#reviews.load(order.id);
  }

  recallNoticesOf(order: Order): Promise<RecallNotice[]> {
    return this.#recallNotices.load(order.id);
  }

  statusHistoryOf(order: Order): Promise<OrderStatusChange[]> {
    return this.#statusHistory.load(order.id);
  }

  /** approvePrescriptionOrder (PHARMACIST): the order's prescription checks out; it becomes CONFIRMED. */
  approve(id: string, note: string | null | undefined): Promise<Order> {
    return this.#review(id, 'APPROVED', reviewNote(note));
  }

  /** rejectPrescriptionOrder (PHARMACIST): it becomes REJECTED with the reason; inventory releases its stock. */
  reject(id: string, reason: string): Promise<Order> {
    return this.#review(id, 'REJECTED', rejectionByPharmacist(reason));
  }

  /** cancelOrder: the owner or staff cancel an order that has not shipped; inventory releases its stock. */
  cancel(id: string): Promise<Order> {
    return this.#changeStatus(id, {
      to: 'CANCELLED',
      check: (order) => {
        if (!isCancellable(order.status)) {
          throw new ConflictError(`a ${order.status} order cannot be cancelled`, 'id');
        }
      },
    });
  }

  /**
   * updateOrderStatus (staff): the moves of the state machine that staff make. An order still holding a
   * withdrawn lot that inventory could not replace does not ship.
   */
  updateStatus(id: string, status: OrderStatus): Promise<Order> {
    return this.#changeStatus(id, {
      to: status,
      check: async (order, em) => {
        assertStatusChange(order.status, status);
        if (status === 'SHIPPED') await assertNoWithdrawnLotHeld(em, order.id);
      },
    });
  }

  /** The order lock serializes reviews: of two racing pharmacists the second finds the order decided. */
  #review(id: string, decision: ReviewDecision, note: string | null): Promise<Order> {
    const viewer = requireViewer(this.#scope);
    return this.#changeStatus(id, {
      to: decision === 'APPROVED' ? 'CONFIRMED' : 'REJECTED',
      check: (order) => {
        if (order.userId === viewer.userId) {
          throw new ForbiddenError(
            'a pharmacist cannot review their own order: another pharmacist must review it',
          );
        }
        assertAwaitingReview(order.status);
      },
      reason: note,
      effect: (order, em) => {
        em.create(PrescriptionReview, {
          orderId: order.id,
          decision,
          reviewerId: viewer.userId,
          decidedAt: new Date(),
          note,
        });
        if (decision === 'REJECTED') order.rejectionReason = note;
      },
    });
  }

  async #changeStatus(id: string, change: StatusChange): Promise<Order> {
    const viewer = requireViewer(this.#scope);
    const orderId = parseRowId(id, 'id');
    return this.#em.transactional(async (em) => {
      // Locked, so a reply from inventory and a change by hand cannot both act on the same old status.
      const order = await em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!order || !this.#canSee(viewer, order)) throw new NotFoundError('order', id);
      await change.check(order, em);
      changeOrderStatus(em, order, change.to, { viewer }, change.reason ?? null);
      change.effect?.(order, em);
      const announced = ANNOUNCED[change.to];
      if (announced) await this.#announce(em, { type: announced, payload: { orderId } });
      await em.flush();
      return order;
    });
  }

  async #page(
    where: FilterQuery<Order>,
    page?: number | null,
    pageSize?: number | null,
    orderBy: typeof NEWEST_FIRST | typeof OLDEST_FIRST = NEWEST_FIRST,
  ): Promise<Page<Order>> {
    const request = pageRequest(page, pageSize);
    const [items, totalCount] = await this.#em.findAndCount(Order, where, {
      orderBy,
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
    return enqueueEvent(em, ORDER_EVENTS_TOPIC, orderEvent(event, this.#scope.requestId));
  }

  #canSee(viewer: Viewer, order: Order): boolean {
    return isStaff(viewer) || order.userId === viewer.userId;
  }
}
