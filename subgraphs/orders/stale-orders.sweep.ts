/**
 * The stale order sweep: an order stays PENDING until inventory answers its `order.placed`, and an event
 * that never reaches inventory (moved to the dead letters: the Pub/Sub emulator counts a broken stream as
 * an attempt) would leave it PENDING for ever. Every STALE_ORDER_SWEEP_INTERVAL_SECONDS each orders
 * replica:
 *
 * - republishes `order.placed` (a new event, the same payload) for orders PENDING longer than
 *   STALE_ORDER_REPUBLISH_AFTER_SECONDS, at most once per that time per order. Safe: inventory reserves an
 *   order once and answers a placement it has already decided again with its earlier answer.
 * - rejects orders PENDING longer than STALE_ORDER_REJECT_AFTER_SECONDS, with a reason the customer can
 *   read, and announces `order.rejected` so that inventory releases whatever it may hold for them.
 *
 * Rows are taken with `for update skip locked`, so replicas sweeping at once share the work and a reply
 * of inventory being applied to an order (which locks it) is never overtaken.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { EnvReader } from '../../lib/config.ts';
import type { EntityManager } from '../../lib/database.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import type { Logger } from '../../lib/logger.ts';
import { schedulePeriodicSweep, type PeriodicSweep } from '../../lib/periodic-sweep.ts';
import { ORDER_EVENTS_TOPIC, orderEvent } from '../contracts/order-events.ts';
import { OrderLine } from './order-line.entity.ts';
import { Order } from './order.entity.ts';
import { changeOrderStatus } from './order-status.ts';

export interface StaleOrderConfig {
  sweepIntervalMs: number;
  republishAfterSeconds: number;
  rejectAfterSeconds: number;
}

export function readStaleOrderConfig(read: EnvReader): StaleOrderConfig {
  const config = {
    sweepIntervalMs: read.int('STALE_ORDER_SWEEP_INTERVAL_SECONDS', 30, { min: 1, max: 3_600 }) * 1000,
    republishAfterSeconds: read.int('STALE_ORDER_REPUBLISH_AFTER_SECONDS', 120, { min: 1, max: 86_400 }),
    rejectAfterSeconds: read.int('STALE_ORDER_REJECT_AFTER_SECONDS', 1_800, { min: 2, max: 7 * 86_400 }),
  };
  if (config.rejectAfterSeconds <= config.republishAfterSeconds) {
    read.problem(
      'STALE_ORDER_REJECT_AFTER_SECONDS must be above STALE_ORDER_REPUBLISH_AFTER_SECONDS (an order is republished before it is given up)',
    );
  }
  return config;
}

/** What the customer reads on an order given up by the sweep. */
export const STALE_ORDER_REASON =
  'We could not confirm stock for this order in time, so it was not placed and nothing is held for it. Please place it again.';

/** Orders handled per sweep and kind, so that one sweep after a long outage stays a short transaction. */
const BATCH = 200;

export interface StaleOrderSweepResult {
  republished: number[];
  rejected: number[];
}

/** One sweep, in one transaction. */
export async function sweepStaleOrders(
  em: EntityManager,
  logger: Logger,
  config: Omit<StaleOrderConfig, 'sweepIntervalMs'>,
): Promise<StaleOrderSweepResult> {
  const correlationId = `stale-order-sweep-${randomUUID()}`;
  return em.transactional(async (em) => {
    const tooOld = await em.execute<{ id: number }[]>(
      `select id from customer_order
       where status = 'PENDING' and created_at < now() - make_interval(secs => ?)
       order by created_at, id limit ${BATCH} for update skip locked`,
      [config.rejectAfterSeconds],
    );
    const rejected: number[] = [];
    for (const { id } of tooOld) {
      const order = await em.findOneOrFail(Order, { id });
      const announced = orderEvent({ type: 'order.rejected', payload: { orderId: id } }, correlationId);
      order.rejectionReason = STALE_ORDER_REASON;
      // The trail names a person or an event as the cause of every change: no person made this one, so it
      // is recorded with the event it announces (its reason says the sweep gave the order up).
      changeOrderStatus(em, order, 'REJECTED', { event: announced }, STALE_ORDER_REASON);
      await enqueueEvent(em, ORDER_EVENTS_TOPIC, announced);
      logger.warn(
        { orderId: id, pendingForMoreThanSeconds: config.rejectAfterSeconds },
        'stale order rejected: inventory never answered',
      );
      rejected.push(id);
    }
    // Written before the next query, which must not find them PENDING.
    await em.flush();
    const due = await em.execute<{ id: number; user_id: number }[]>(
      `select id, user_id from customer_order
       where status = 'PENDING' and created_at < now() - make_interval(secs => ?)
         and (placed_republished_at is null or placed_republished_at < now() - make_interval(secs => ?))
       order by created_at, id limit ${BATCH} for update skip locked`,
      [config.republishAfterSeconds, config.republishAfterSeconds],
    );
    const republished: number[] = [];
    for (const { id, user_id: userId } of due) {
      const lines = await em.find(OrderLine, { orderId: id }, { orderBy: { id: 'asc' } });
      await enqueueEvent(
        em,
        ORDER_EVENTS_TOPIC,
        orderEvent(
          {
            type: 'order.placed',
            payload: {
              orderId: id,
              userId,
              lines: lines.map(({ productId, quantity }) => ({ productId, quantity })),
            },
          },
          correlationId,
        ),
      );
      await em.execute(`update customer_order set placed_republished_at = now() where id = ?`, [id]);
      logger.warn(
        { orderId: id, pendingForMoreThanSeconds: config.republishAfterSeconds },
        'stale order: order.placed republished',
      );
      republished.push(id);
    }
    await em.flush();
    return { republished, rejected };
  });
}

export function scheduleStaleOrderSweep(
  orm: MikroORM,
  logger: Logger,
  config: StaleOrderConfig,
): PeriodicSweep {
  return schedulePeriodicSweep({
    name: 'stale order sweep',
    intervalMs: config.sweepIntervalMs,
    logger,
    run: () => sweepStaleOrders(orm.em.fork(), logger, config),
    worthLogging: ({ republished, rejected }) => republished.length + rejected.length > 0,
    // Nothing is stale the moment a process starts that was not stale for its predecessor's last sweep.
    delayFirst: true,
  });
}
