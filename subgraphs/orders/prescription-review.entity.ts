import { defineEntity, p } from '@mikro-orm/postgresql';

export const REVIEW_DECISIONS = ['APPROVED', 'REJECTED'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/**
 * A pharmacist's decision on a prescription order: one per order (a second decision fails on the unique
 * order id), final (a trigger refuses changes), and required in the database before the order is CONFIRMED.
 */
export const PrescriptionReviewSchema = defineEntity({
  name: 'PrescriptionReview',
  tableName: 'prescription_review',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.integer(),
    decision: p.enum(REVIEW_DECISIONS),
    /** The users subgraph's id of the pharmacist. */
    reviewerId: p.integer(),
    decidedAt: p.datetime(),
    /** The pharmacist's note on an approval (optional), or the reason for a rejection. */
    note: p.text().nullable(),
  },
});

export class PrescriptionReview extends PrescriptionReviewSchema.class {}
PrescriptionReviewSchema.setClass(PrescriptionReview);
