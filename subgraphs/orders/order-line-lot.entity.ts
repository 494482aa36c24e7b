import { defineEntity, p } from '@mikro-orm/postgresql';

/** Units of one inventory lot that cover an order line, as inventory reported them. */
export const OrderLineLotSchema = defineEntity({
  name: 'OrderLineLot',
  tableName: 'order_line_lot',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderLineId: p.integer(),
    lotNumber: p.text(),
    /** The lot's expiry day (YYYY-MM-DD); null for stock received without one. */
    expiresOn: p.date().nullable(),
    quantity: p.integer(),
  },
});

export class OrderLineLot extends OrderLineLotSchema.class {}
OrderLineLotSchema.setClass(OrderLineLot);
