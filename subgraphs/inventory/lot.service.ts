/**
 * Lots as staff receive, read, withdraw and trace them, one instance per request. Every change locks the
 * product's item first (stock-levels.ts) and writes the lot, the item's sums, the ledger and the events it
 * causes in one transaction.
 */
import type DataLoader from 'dataloader';
import { addDays, today } from '../../lib/calendar-day.ts';
import type { EntityManager } from '../../lib/database.ts';
import { BadUserInputError, ConflictError } from '../../lib/errors.ts';
import { requireViewer, type RequestScope } from '../../lib/request-scope.ts';
import type { EntityReference } from '../../lib/federation.ts';
import { parseRowId } from '../../lib/ids.ts';
import { createGroupLoader } from '../../lib/row-loader.ts';
import {
  validateExpiry,
  validateLotNumber,
  validateOptionalReason,
  validateReason,
  validateReceivedQuantity,
  validateWithinDays,
} from './inventory.rules.ts';
import { Lot, UNLOTTED, type StoredLotStatus } from './lot.entity.ts';
import { statusAfter, type LotAction } from './lot.rules.ts';
import { ReservationService } from './reservation.service.ts';
import {
  announceLowStock,
  applyLotChange,
  findLot,
  lockItems,
  MAX_QUANTITY,
  type ChangeCause,
} from './stock-levels.ts';
import type { StockMovementKind } from './stock-movement.entity.ts';

export interface ReceiveStockInput {
  productId: string;
  lotNumber: string;
  expiresOn: string;
  quantity: number;
  reason?: string | null;
}

/** The ledger kind of each status a lot can be moved to. */
const STATUS_MOVEMENTS: Record<StoredLotStatus, StockMovementKind> = {
  QUARANTINED: 'LOT_QUARANTINED',
  RECALLED: 'LOT_RECALLED',
  RELEASED: 'LOT_RELEASED',
};

export class LotService {
  readonly #em: EntityManager;
  readonly #scope: RequestScope;
  /** A product's lots with units on the shelf, first to expire first; one query per request. */
  readonly #byProduct: DataLoader<number, Lot[]>;

  constructor(scope: RequestScope) {
    this.#em = scope.em;
    this.#scope = scope;
    this.#byProduct = createGroupLoader(scope.em, Lot, 'productId', {
      where: { quantity: { $gt: 0 } },
      orderBy: [{ expiresOn: 'asc nulls last' }, { id: 'asc' }],
    });
  }

  /** The lots of a product that still have units on the shelf, first to expire first. */
  lotsOf(productId: number): Promise<Lot[]> {
    return this.#byProduct.load(productId);
  }

  /**
   * receiveStock: puts units of a lot on the shelf, creating the lot or topping it up (same expiry day
   * only; a recalled lot takes no more). A RECEIPT movement with the viewer as actor.
   */
  async receive(input: ReceiveStockInput): Promise<Lot> {
    const cause = this.#causeByViewer();
    const productId = parseRowId(input.productId, 'productId');
    const lotNumber = validateLotNumber(input.lotNumber);
    if (lotNumber === UNLOTTED) {
      throw new BadUserInputError('lotNumber', `${UNLOTTED} is kept for stock received without a lot number`);
    }
    const expiresOn = validateExpiry(input.expiresOn, today());
    const quantity = validateReceivedQuantity(input.quantity);
    const reason = validateOptionalReason(input.reason, `received lot ${lotNumber}`);
    return this.#em.transactional(async (em) => {
      const item = (await lockItems(em, [productId])).get(productId);
      if (item && item.quantity + quantity > MAX_QUANTITY) {
        throw new ConflictError(`the quantity cannot exceed ${MAX_QUANTITY} units`, 'quantity');
      }
      await em.execute(
        `insert into lot (product_id, lot_number, expires_on) values (?, ?, ?)
         on conflict (product_id, lot_number) do nothing`,
        [productId, lotNumber, expiresOn],
      );
      const lot = await findLot(em, productId, lotNumber);
      if (lot.expiresOn !== expiresOn) {
        throw new BadUserInputError(
          'expiresOn',
          `lot ${lotNumber} expires on ${lot.expiresOn ?? 'no day'}, not ${expiresOn}: one lot has one expiry day`,
        );
      }
      if (lot.status === 'RECALLED') {
        throw new ConflictError(`lot ${lotNumber} was recalled: it cannot receive stock`, 'lotNumber');
      }
      await applyLotChange(
        em,
        { kind: 'RECEIPT', lot, delta: quantity, reservedDelta: 0, reason, orderId: null },
        cause,
      );
      await announceLowStock(em, [productId], null, this.#scope.requestId);
      return this.#reload(em, lot.id);
    });
  }

  /**
   * quarantineLot / recallLot / releaseLot: moves a lot along its state machine (lot.rules.ts), records the
   * change in the ledger, and for a withdrawal moves what open orders hold of the lot to other lots where
   * they can (reservation.service.ts), announcing each such order; a release is announced too.
   */
  async changeStatus(
    productIdText: string,
    lotNumberText: string,
    action: LotAction,
    reasonText?: string | null,
  ): Promise<Lot> {
    const cause = this.#causeByViewer();
    const productId = parseRowId(productIdText, 'productId');
    const lotNumber = validateLotNumber(lotNumberText);
    const reason =
      action === 'release'
        ? validateOptionalReason(reasonText, `lot ${lotNumber} released from quarantine`)
        : validateReason(reasonText);
    return this.#em.transactional(async (em) => {
      await lockItems(em, [productId], { create: false });
      const lot = await findLot(em, productId, lotNumber);
      const status = statusAfter(lot.status, action, lotNumber);
      await em.execute('update lot set status = ?, status_reason = ? where id = ?', [
        status,
        status === 'RELEASED' ? null : reason,
        lot.id,
      ]);
      await applyLotChange(
        em,
        { kind: STATUS_MOVEMENTS[status], lot, delta: 0, reservedDelta: 0, reason, orderId: null },
        cause,
      );
      const reservations = new ReservationService(em, cause, this.#scope.logger);
      if (status === 'RELEASED') await reservations.announceReleasedLot(lot, reason);
      else await reservations.moveOffWithdrawnLot(lot, status, reason);
      await announceLowStock(em, [productId], null, this.#scope.requestId);
      return this.#reload(em, lot.id);
    });
  }

  /**
   * expiringLots: every lot with units on the shelf whose expiry day is at most `withinDays` days away,
   * those already expired included, whatever its status; the first to expire first.
   */
  expiring(withinDays: number): Promise<Lot[]> {
    const until = addDays(today(), validateWithinDays(withinDays));
    return this.#em.find(
      Lot,
      { quantity: { $gt: 0 }, expiresOn: { $ne: null, $lte: until } },
      { orderBy: [{ expiresOn: 'asc' }, { productId: 'asc' }, { lotNumber: 'asc' }] },
    );
  }

  /**
   * recalledLotOrders: every order that ever held units of the lot, by id: those it still holds, shipped,
   * released, or moved to another lot (the ledger keeps them all).
   */
  async ordersThatHeld(productIdText: string, lotNumberText: string): Promise<EntityReference[]> {
    const productId = parseRowId(productIdText, 'productId');
    const lotNumber = validateLotNumber(lotNumberText);
    await findLot(this.#em, productId, lotNumber);
    const rows = await this.#em.execute<{ order_id: number }[]>(
      `select distinct order_id from stock_movement
       where product_id = ? and lot_number = ? and order_id is not null
       order by order_id`,
      [productId, lotNumber],
    );
    return rows.map((row) => ({ id: String(row.order_id) }));
  }

  /** The viewer's change, carrying the request's id to the events it causes. */
  #causeByViewer(): ChangeCause {
    return { actor: requireViewer(this.#scope), event: null, correlationId: this.#scope.requestId };
  }

  #reload(em: EntityManager, id: number): Promise<Lot> {
    return em.findOneOrFail(Lot, { id }, { refresh: true });
  }
}
