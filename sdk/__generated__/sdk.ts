/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentNode } from 'graphql';
import * as Operations from './typed/graphql.ts';
export type CreateProductInput = {
  category: string;
  currency?: string | null | undefined;
  description?: string | null | undefined;
  manufacturer?: string | null | undefined;
  /** At least 1; null or absent for no limit. */
  maxQuantityPerOrder?: number | null | undefined;
  name: string;
  price: string;
  requiresPrescription?: boolean | null | undefined;
  sku: string;
};

/**
 * How a lot stands. Staff move it: RELEASED -> QUARANTINED (quarantineLot), QUARANTINED -> RELEASED
 * (releaseLot), RELEASED or QUARANTINED -> RECALLED (recallLot; final). EXPIRED is not set by anyone: it is how
 * a RELEASED lot reads once its expiry day has passed (UTC). Only a RELEASED lot can be reserved.
 */
export type LotStatus =
  | 'EXPIRED'
  | 'QUARANTINED'
  | 'RECALLED'
  | 'RELEASED';

export type OrderFilter = {
  /** true: only orders with a recall notice; false: only orders without one. */
  hasRecallNotice?: boolean | null | undefined;
  status?: OrderStatus | null | undefined;
  userId?: string | null | undefined;
};

export type OrderLineInput = {
  productId: string;
  /** From 1 to 1000. */
  quantity: number;
};

/**
 * Where an order is in its life. PENDING until inventory answers: REJECTED (not enough stock) or, once its
 * stock is reserved, CONFIRMED; an order with a prescription product goes to AWAITING_REVIEW instead, until a
 * pharmacist approves it (CONFIRMED) or rejects it (REJECTED, its stock released). Staff move CONFIRMED →
 * SHIPPED → DELIVERED; PENDING, AWAITING_REVIEW or CONFIRMED orders can be CANCELLED, which releases their
 * stock.
 */
export type OrderStatus =
  /** Stock reserved; a prescription order waits for a pharmacist's review. */
  | 'AWAITING_REVIEW'
  | 'CANCELLED'
  | 'CONFIRMED'
  | 'DELIVERED'
  | 'PENDING'
  | 'REJECTED'
  | 'SHIPPED';

export type PlaceOrderInput = {
  /**
   * Makes placeOrder safe to retry: the same key again (with the same lines, address and notes) returns the
   * order it first created, never a second one. Up to 100 characters, unique per customer.
   */
  idempotencyKey?: string | null | undefined;
  /** 1 to 100 lines, each product once. */
  lines: Array<OrderLineInput>;
  notes?: string | null | undefined;
  /**
   * Required when any product needs a prescription (BAD_USER_INPUT otherwise). Given for an order that needs
   * none, it is kept with the order and the order skips review all the same.
   */
  prescription?: PrescriptionInput | null | undefined;
  shippingAddress: string;
};

export type PrescriptionInput = {
  /** Today or earlier. */
  issuedOn: string;
  /** The prescriber's licence (registration) number, up to 50 characters. */
  prescriberLicence: string;
  /** Up to 200 characters. */
  prescriberName: string;
  /** Where the prescription is (an uploaded copy's id, or the paper one's number), up to 200 characters. */
  reference: string;
};

/**
 * Every given filter must match. Text filters are case-insensitive substrings of at most 100 characters
 * (longer: BAD_USER_INPUT).
 */
export type ProductFilter = {
  /** Exact category, case-insensitive. */
  category?: string | null | undefined;
  manufacturer?: string | null | undefined;
  name?: string | null | undefined;
  requiresPrescription?: boolean | null | undefined;
  /** Matches the name or the manufacturer. */
  search?: string | null | undefined;
};

export type RegisterInput = {
  email: string;
  fullName?: string | null | undefined;
  /** At least 8 characters. */
  password: string;
  /** 3 to 32 letters, digits, dots, dashes or underscores; unique regardless of case. */
  username: string;
};

export type ReviewDecision =
  | 'APPROVED'
  | 'REJECTED';

/** A user's role, as the users subgraph defines it. */
export type Role =
  | 'ADMIN'
  | 'CUSTOMER'
  | 'PHARMACIST';

/**
 * What changed the stock of a lot: a change by staff, the order saga holding, giving back or shipping units,
 * or a change of the lot's status (those move no units: both deltas are 0).
 */
export type StockMovementKind =
  /** Units added or removed by staff (adjustInventory). */
  | 'ADJUSTMENT'
  /**
   * The lot passed its expiry day with units on the shelf (recorded by the expiry sweep, which also moves open
   * orders' units off it to unexpired lots, as for a recall).
   */
  | 'LOT_EXPIRED'
  /** The lot was quarantined (quarantineLot). */
  | 'LOT_QUARANTINED'
  /** The lot was recalled (recallLot). */
  | 'LOT_RECALLED'
  /** The lot was released from quarantine (releaseLot). */
  | 'LOT_RELEASED'
  /**
   * Units an open order held moved off a withdrawn or expired lot (reservedDelta < 0) to another lot
   * (reservedDelta > 0).
   */
  | 'REALLOCATION'
  /** Units of a lot received by staff (receiveStock). */
  | 'RECEIPT'
  /** Units an order held, given back when it was cancelled or rejected in review. */
  | 'RELEASE'
  /** Units held for a placed order: reserved rises, the shelf does not change. */
  | 'RESERVATION'
  /** Held units that left with a shipped order: the shelf and the reservation both fall. */
  | 'SHIPMENT';

/**
 * Only the given fields change. null clears an optional field (description, manufacturer,
 * maxQuantityPerOrder).
 */
export type UpdateProductInput = {
  category?: string | null | undefined;
  currency?: string | null | undefined;
  description?: string | null | undefined;
  manufacturer?: string | null | undefined;
  /** At least 1; null removes the limit. */
  maxQuantityPerOrder?: number | null | undefined;
  name?: string | null | undefined;
  price?: string | null | undefined;
  requiresPrescription?: boolean | null | undefined;
  sku?: string | null | undefined;
};

export type RegisterMutationVariables = Exact<{
  input: RegisterInput;
}>;


export type RegisterMutation = { register: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } };

export type LoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type LoginMutation = { login: { accessToken: string, tokenType: string, expiresIn: number, refreshToken: string, refreshExpiresIn: number, user: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } } };

export type RefreshSessionMutationVariables = Exact<{
  refreshToken: string;
}>;


export type RefreshSessionMutation = { refreshSession: { accessToken: string, tokenType: string, expiresIn: number, refreshToken: string, refreshExpiresIn: number, user: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type RevokeSessionsMutationVariables = Exact<{
  userId: string;
}>;


export type RevokeSessionsMutation = { revokeSessions: number };

export type SetUserActiveMutationVariables = Exact<{
  userId: string;
  active: boolean;
}>;


export type SetUserActiveMutation = { setUserActive: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } };

export type UsersQueryVariables = Exact<{
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type UsersQuery = { users: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string }> } };

export type SetUserRoleMutationVariables = Exact<{
  userId: string;
  role: Role;
}>;


export type SetUserRoleMutation = { setUserRole: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } };

export type MyAccountQueryVariables = Exact<{
  ordersPage?: number | null | undefined;
  ordersPageSize?: number | null | undefined;
}>;


export type MyAccountQuery = { me: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string, orders: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> }> } | null } };

export type ProductsQueryVariables = Exact<{
  filter?: ProductFilter | null | undefined;
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type ProductsQuery = { products: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string }> } };

export type ProductQueryVariables = Exact<{
  id: string;
}>;


export type ProductQuery = { product: { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string } | null };

export type ProductBySkuQueryVariables = Exact<{
  sku: string;
}>;


export type ProductBySkuQuery = { productBySku: { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string } | null };

export type CategoriesQueryVariables = Exact<{ [key: string]: never; }>;


export type CategoriesQuery = { categories: Array<string> };

export type CreateProductMutationVariables = Exact<{
  input: CreateProductInput;
}>;


export type CreateProductMutation = { createProduct: { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string } };

export type UpdateProductMutationVariables = Exact<{
  id: string;
  input: UpdateProductInput;
}>;


export type UpdateProductMutation = { updateProduct: { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string } };

export type DeleteProductMutationVariables = Exact<{
  id: string;
}>;


export type DeleteProductMutation = { deleteProduct: { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string } };

export type ProductsWithStockQueryVariables = Exact<{
  filter?: ProductFilter | null | undefined;
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type ProductsWithStockQuery = { products: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string, inventory: { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null } | null }> } };

export type ProductWithStockQueryVariables = Exact<{
  id: string;
  movementsPage?: number | null | undefined;
  movementsPageSize?: number | null | undefined;
}>;


export type ProductWithStockQuery = { product: { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string, inventory: { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, movements: { totalCount: number, hasNextPage: boolean, items: Array<{ id: string, kind: StockMovementKind, delta: number, quantityAfter: number, reservedDelta: number, reservedAfter: number, reason: string, orderId: string | null, lotNumber: string | null, actorRole: Role | null, eventType: string | null, eventId: string | null, occurredAt: string, actor: { id: string } | null }> } } | null } | null };

export type UserFieldsFragment = { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string };

export type ProductFieldsFragment = { id: string, sku: string, name: string, description: string | null, price: string, currency: string, category: string, manufacturer: string | null, requiresPrescription: boolean, maxQuantityPerOrder: number | null, isActive: boolean, createdAt: string, updatedAt: string };

export type StockLevelFieldsFragment = { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null };

export type StockFieldsFragment = { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, product: { id: string, sku: string, name: string } | null };

export type StockMovementFieldsFragment = { id: string, kind: StockMovementKind, delta: number, quantityAfter: number, reservedDelta: number, reservedAfter: number, reason: string, orderId: string | null, lotNumber: string | null, actorRole: Role | null, eventType: string | null, eventId: string | null, occurredAt: string, actor: { id: string } | null };

export type LotFieldsFragment = { lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null };

export type OrderFieldsFragment = { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> };

export type OrderStatusChangeFieldsFragment = { from: OrderStatus | null, to: OrderStatus, actorRole: Role | null, eventType: string | null, eventId: string | null, reason: string | null, occurredAt: string, actor: { id: string } | null };

export type SessionFieldsFragment = { accessToken: string, tokenType: string, expiresIn: number, refreshToken: string, refreshExpiresIn: number, user: { id: string, email: string, username: string, fullName: string | null, role: Role, isActive: boolean, createdAt: string } };

export type InventoryQueryVariables = Exact<{
  productId: string;
  movementsPage?: number | null | undefined;
  movementsPageSize?: number | null | undefined;
}>;


export type InventoryQuery = { inventory: { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, movements: { totalCount: number, hasNextPage: boolean, items: Array<{ id: string, kind: StockMovementKind, delta: number, quantityAfter: number, reservedDelta: number, reservedAfter: number, reason: string, orderId: string | null, lotNumber: string | null, actorRole: Role | null, eventType: string | null, eventId: string | null, occurredAt: string, actor: { id: string } | null }> }, product: { id: string, sku: string, name: string } | null } };

export type InventoryItemsQueryVariables = Exact<{
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type InventoryItemsQuery = { inventoryItems: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, product: { id: string, sku: string, name: string } | null }> } };

export type LowStockItemsQueryVariables = Exact<{ [key: string]: never; }>;


export type LowStockItemsQuery = { lowStockItems: Array<{ quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, product: { id: string, sku: string, name: string } | null }> };

export type AdjustInventoryMutationVariables = Exact<{
  productId: string;
  adjustment: number;
  reason: string;
  lotNumber?: string | null | undefined;
}>;


export type AdjustInventoryMutation = { adjustInventory: { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, product: { id: string, sku: string, name: string } | null } };

export type LotsQueryVariables = Exact<{
  productId: string;
}>;


export type LotsQuery = { inventory: { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, lots: Array<{ lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null }>, product: { id: string, sku: string, name: string } | null } };

export type ExpiringLotsQueryVariables = Exact<{
  withinDays: number;
}>;


export type ExpiringLotsQuery = { expiringLots: Array<{ lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null }> };

export type ReceiveStockMutationVariables = Exact<{
  productId: string;
  lotNumber: string;
  expiresOn: string;
  quantity: number;
  reason?: string | null | undefined;
}>;


export type ReceiveStockMutation = { receiveStock: { lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null } };

export type RecallLotMutationVariables = Exact<{
  productId: string;
  lotNumber: string;
  reason: string;
}>;


export type RecallLotMutation = { recallLot: { lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null } };

export type QuarantineLotMutationVariables = Exact<{
  productId: string;
  lotNumber: string;
  reason: string;
}>;


export type QuarantineLotMutation = { quarantineLot: { lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null } };

export type ReleaseLotMutationVariables = Exact<{
  productId: string;
  lotNumber: string;
  reason?: string | null | undefined;
}>;


export type ReleaseLotMutation = { releaseLot: { lotNumber: string, expiresOn: string | null, quantity: number, reserved: number, available: number, status: LotStatus, statusReason: string | null, product: { id: string, sku: string, name: string } | null } };

export type RecalledLotOrdersQueryVariables = Exact<{
  productId: string;
  lotNumber: string;
}>;


export type RecalledLotOrdersQuery = { recalledLotOrders: Array<{ id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> }> };

export type SetReorderLevelMutationVariables = Exact<{
  productId: string;
  reorderLevel: number;
}>;


export type SetReorderLevelMutation = { setReorderLevel: { quantity: number, reserved: number, available: number, reorderLevel: number, isLowStock: boolean, updatedAt: string | null, product: { id: string, sku: string, name: string } | null } };

export type LowStockAlertsSubscriptionVariables = Exact<{
  productIds?: Array<string> | string | null | undefined;
  category?: string | null | undefined;
}>;


export type LowStockAlertsSubscription = { lowStockAlerts: { id: string, quantity: number, reserved: number, available: number, reorderLevel: number, shortage: number, orderId: string | null, occurredAt: string, product: { id: string, sku: string, name: string, manufacturer: string | null, category: string } | null } };

export type PlaceOrderMutationVariables = Exact<{
  input: PlaceOrderInput;
}>;


export type PlaceOrderMutation = { placeOrder: { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> } };

export type OrderQueryVariables = Exact<{
  id: string;
}>;


export type OrderQuery = { order: { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> } | null };

export type MyOrdersQueryVariables = Exact<{
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type MyOrdersQuery = { myOrders: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> }> } };

export type OrdersQueryVariables = Exact<{
  filter?: OrderFilter | null | undefined;
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type OrdersQuery = { orders: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> }> } };

export type CancelOrderMutationVariables = Exact<{
  id: string;
}>;


export type CancelOrderMutation = { cancelOrder: { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> } };

export type UpdateOrderStatusMutationVariables = Exact<{
  id: string;
  status: OrderStatus;
}>;


export type UpdateOrderStatusMutation = { updateOrderStatus: { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> } };

export type OrdersAwaitingReviewQueryVariables = Exact<{
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type OrdersAwaitingReviewQuery = { ordersAwaitingReview: { totalCount: number, page: number, pageSize: number, hasNextPage: boolean, items: Array<{ id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> }> } };

export type ApprovePrescriptionOrderMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type ApprovePrescriptionOrderMutation = { approvePrescriptionOrder: { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> } };

export type RejectPrescriptionOrderMutationVariables = Exact<{
  id: string;
  reason: string;
}>;


export type RejectPrescriptionOrderMutation = { rejectPrescriptionOrder: { id: string, total: string, currency: string, status: OrderStatus, rejectionReason: string | null, shippingAddress: string, notes: string | null, requiresPrescription: boolean, createdAt: string, updatedAt: string, user: { id: string } | null, lines: Array<{ sku: string, productName: string, quantity: number, unitPrice: string, lineTotal: string, product: { id: string, sku: string, name: string } | null, lots: Array<{ lotNumber: string, quantity: number, expiresOn: string | null }> }>, prescription: { prescriberName: string, prescriberLicence: string, issuedOn: string, reference: string } | null, review: { decision: ReviewDecision, decidedAt: string, note: string | null, reviewer: { id: string } | null } | null, recallNotices: Array<{ lotNumber: string, lotStatus: LotStatus, reason: string, covered: boolean, noticedAt: string, resolvedAt: string | null, product: { id: string } | null }> } };

export type OrderStatusHistoryQueryVariables = Exact<{
  id: string;
}>;


export type OrderStatusHistoryQuery = { order: { id: string, status: OrderStatus, statusHistory: Array<{ from: OrderStatus | null, to: OrderStatus, actorRole: Role | null, eventType: string | null, eventId: string | null, reason: string | null, occurredAt: string, actor: { id: string } | null }> } | null };












































export type Requester<C = {}> = <R, V>(doc: DocumentNode, vars?: V, options?: C) => Promise<R> | AsyncIterable<R>
export function getSdk<C>(requester: Requester<C>) {
  return {
    Register(variables: RegisterMutationVariables, options?: C): Promise<RegisterMutation> {
      return requester<RegisterMutation, RegisterMutationVariables>(Operations.RegisterDocument, variables, options) as Promise<RegisterMutation>;
    },
    Login(variables: LoginMutationVariables, options?: C): Promise<LoginMutation> {
      return requester<LoginMutation, LoginMutationVariables>(Operations.LoginDocument, variables, options) as Promise<LoginMutation>;
    },
    RefreshSession(variables: RefreshSessionMutationVariables, options?: C): Promise<RefreshSessionMutation> {
      return requester<RefreshSessionMutation, RefreshSessionMutationVariables>(Operations.RefreshSessionDocument, variables, options) as Promise<RefreshSessionMutation>;
    },
    Logout(variables?: LogoutMutationVariables, options?: C): Promise<LogoutMutation> {
      return requester<LogoutMutation, LogoutMutationVariables>(Operations.LogoutDocument, variables, options) as Promise<LogoutMutation>;
    },
    RevokeSessions(variables: RevokeSessionsMutationVariables, options?: C): Promise<RevokeSessionsMutation> {
      return requester<RevokeSessionsMutation, RevokeSessionsMutationVariables>(Operations.RevokeSessionsDocument, variables, options) as Promise<RevokeSessionsMutation>;
    },
    SetUserActive(variables: SetUserActiveMutationVariables, options?: C): Promise<SetUserActiveMutation> {
      return requester<SetUserActiveMutation, SetUserActiveMutationVariables>(Operations.SetUserActiveDocument, variables, options) as Promise<SetUserActiveMutation>;
    },
    Me(variables?: MeQueryVariables, options?: C): Promise<MeQuery> {
      return requester<MeQuery, MeQueryVariables>(Operations.MeDocument, variables, options) as Promise<MeQuery>;
    },
    Users(variables?: UsersQueryVariables, options?: C): Promise<UsersQuery> {
      return requester<UsersQuery, UsersQueryVariables>(Operations.UsersDocument, variables, options) as Promise<UsersQuery>;
    },
    SetUserRole(variables: SetUserRoleMutationVariables, options?: C): Promise<SetUserRoleMutation> {
      return requester<SetUserRoleMutation, SetUserRoleMutationVariables>(Operations.SetUserRoleDocument, variables, options) as Promise<SetUserRoleMutation>;
    },
    MyAccount(variables?: MyAccountQueryVariables, options?: C): Promise<MyAccountQuery> {
      return requester<MyAccountQuery, MyAccountQueryVariables>(Operations.MyAccountDocument, variables, options) as Promise<MyAccountQuery>;
    },
    Products(variables?: ProductsQueryVariables, options?: C): Promise<ProductsQuery> {
      return requester<ProductsQuery, ProductsQueryVariables>(Operations.ProductsDocument, variables, options) as Promise<ProductsQuery>;
    },
    Product(variables: ProductQueryVariables, options?: C): Promise<ProductQuery> {
      return requester<ProductQuery, ProductQueryVariables>(Operations.ProductDocument, variables, options) as Promise<ProductQuery>;
    },
    ProductBySku(variables: ProductBySkuQueryVariables, options?: C): Promise<ProductBySkuQuery> {
      return requester<ProductBySkuQuery, ProductBySkuQueryVariables>(Operations.ProductBySkuDocument, variables, options) as Promise<ProductBySkuQuery>;
    },
    Categories(variables?: CategoriesQueryVariables, options?: C): Promise<CategoriesQuery> {
      return requester<CategoriesQuery, CategoriesQueryVariables>(Operations.CategoriesDocument, variables, options) as Promise<CategoriesQuery>;
    },
    CreateProduct(variables: CreateProductMutationVariables, options?: C): Promise<CreateProductMutation> {
      return requester<CreateProductMutation, CreateProductMutationVariables>(Operations.CreateProductDocument, variables, options) as Promise<CreateProductMutation>;
    },
    UpdateProduct(variables: UpdateProductMutationVariables, options?: C): Promise<UpdateProductMutation> {
      return requester<UpdateProductMutation, UpdateProductMutationVariables>(Operations.UpdateProductDocument, variables, options) as Promise<UpdateProductMutation>;
    },
    DeleteProduct(variables: DeleteProductMutationVariables, options?: C): Promise<DeleteProductMutation> {
      return requester<DeleteProductMutation, DeleteProductMutationVariables>(Operations.DeleteProductDocument, variables, options) as Promise<DeleteProductMutation>;
    },
    ProductsWithStock(variables?: ProductsWithStockQueryVariables, options?: C): Promise<ProductsWithStockQuery> {
      return requester<ProductsWithStockQuery, ProductsWithStockQueryVariables>(Operations.ProductsWithStockDocument, variables, options) as Promise<ProductsWithStockQuery>;
    },
    ProductWithStock(variables: ProductWithStockQueryVariables, options?: C): Promise<ProductWithStockQuery> {
      return requester<ProductWithStockQuery, ProductWithStockQueryVariables>(Operations.ProductWithStockDocument, variables, options) as Promise<ProductWithStockQuery>;
    },
    Inventory(variables: InventoryQueryVariables, options?: C): Promise<InventoryQuery> {
      return requester<InventoryQuery, InventoryQueryVariables>(Operations.InventoryDocument, variables, options) as Promise<InventoryQuery>;
    },
    InventoryItems(variables?: InventoryItemsQueryVariables, options?: C): Promise<InventoryItemsQuery> {
      return requester<InventoryItemsQuery, InventoryItemsQueryVariables>(Operations.InventoryItemsDocument, variables, options) as Promise<InventoryItemsQuery>;
    },
    LowStockItems(variables?: LowStockItemsQueryVariables, options?: C): Promise<LowStockItemsQuery> {
      return requester<LowStockItemsQuery, LowStockItemsQueryVariables>(Operations.LowStockItemsDocument, variables, options) as Promise<LowStockItemsQuery>;
    },
    AdjustInventory(variables: AdjustInventoryMutationVariables, options?: C): Promise<AdjustInventoryMutation> {
      return requester<AdjustInventoryMutation, AdjustInventoryMutationVariables>(Operations.AdjustInventoryDocument, variables, options) as Promise<AdjustInventoryMutation>;
    },
    Lots(variables: LotsQueryVariables, options?: C): Promise<LotsQuery> {
      return requester<LotsQuery, LotsQueryVariables>(Operations.LotsDocument, variables, options) as Promise<LotsQuery>;
    },
    ExpiringLots(variables: ExpiringLotsQueryVariables, options?: C): Promise<ExpiringLotsQuery> {
      return requester<ExpiringLotsQuery, ExpiringLotsQueryVariables>(Operations.ExpiringLotsDocument, variables, options) as Promise<ExpiringLotsQuery>;
    },
    ReceiveStock(variables: ReceiveStockMutationVariables, options?: C): Promise<ReceiveStockMutation> {
      return requester<ReceiveStockMutation, ReceiveStockMutationVariables>(Operations.ReceiveStockDocument, variables, options) as Promise<ReceiveStockMutation>;
    },
    RecallLot(variables: RecallLotMutationVariables, options?: C): Promise<RecallLotMutation> {
      return requester<RecallLotMutation, RecallLotMutationVariables>(Operations.RecallLotDocument, variables, options) as Promise<RecallLotMutation>;
    },
    QuarantineLot(variables: QuarantineLotMutationVariables, options?: C): Promise<QuarantineLotMutation> {
      return requester<QuarantineLotMutation, QuarantineLotMutationVariables>(Operations.QuarantineLotDocument, variables, options) as Promise<QuarantineLotMutation>;
    },
    ReleaseLot(variables: ReleaseLotMutationVariables, options?: C): Promise<ReleaseLotMutation> {
      return requester<ReleaseLotMutation, ReleaseLotMutationVariables>(Operations.ReleaseLotDocument, variables, options) as Promise<ReleaseLotMutation>;
    },
    RecalledLotOrders(variables: RecalledLotOrdersQueryVariables, options?: C): Promise<RecalledLotOrdersQuery> {
      return requester<RecalledLotOrdersQuery, RecalledLotOrdersQueryVariables>(Operations.RecalledLotOrdersDocument, variables, options) as Promise<RecalledLotOrdersQuery>;
    },
    SetReorderLevel(variables: SetReorderLevelMutationVariables, options?: C): Promise<SetReorderLevelMutation> {
      return requester<SetReorderLevelMutation, SetReorderLevelMutationVariables>(Operations.SetReorderLevelDocument, variables, options) as Promise<SetReorderLevelMutation>;
    },
    LowStockAlerts(variables?: LowStockAlertsSubscriptionVariables, options?: C): AsyncIterable<LowStockAlertsSubscription> {
      return requester<LowStockAlertsSubscription, LowStockAlertsSubscriptionVariables>(Operations.LowStockAlertsDocument, variables, options) as AsyncIterable<LowStockAlertsSubscription>;
    },
    PlaceOrder(variables: PlaceOrderMutationVariables, options?: C): Promise<PlaceOrderMutation> {
      return requester<PlaceOrderMutation, PlaceOrderMutationVariables>(Operations.PlaceOrderDocument, variables, options) as Promise<PlaceOrderMutation>;
    },
    Order(variables: OrderQueryVariables, options?: C): Promise<OrderQuery> {
      return requester<OrderQuery, OrderQueryVariables>(Operations.OrderDocument, variables, options) as Promise<OrderQuery>;
    },
    MyOrders(variables?: MyOrdersQueryVariables, options?: C): Promise<MyOrdersQuery> {
      return requester<MyOrdersQuery, MyOrdersQueryVariables>(Operations.MyOrdersDocument, variables, options) as Promise<MyOrdersQuery>;
    },
    Orders(variables?: OrdersQueryVariables, options?: C): Promise<OrdersQuery> {
      return requester<OrdersQuery, OrdersQueryVariables>(Operations.OrdersDocument, variables, options) as Promise<OrdersQuery>;
    },
    CancelOrder(variables: CancelOrderMutationVariables, options?: C): Promise<CancelOrderMutation> {
      return requester<CancelOrderMutation, CancelOrderMutationVariables>(Operations.CancelOrderDocument, variables, options) as Promise<CancelOrderMutation>;
    },
    UpdateOrderStatus(variables: UpdateOrderStatusMutationVariables, options?: C): Promise<UpdateOrderStatusMutation> {
      return requester<UpdateOrderStatusMutation, UpdateOrderStatusMutationVariables>(Operations.UpdateOrderStatusDocument, variables, options) as Promise<UpdateOrderStatusMutation>;
    },
    OrdersAwaitingReview(variables?: OrdersAwaitingReviewQueryVariables, options?: C): Promise<OrdersAwaitingReviewQuery> {
      return requester<OrdersAwaitingReviewQuery, OrdersAwaitingReviewQueryVariables>(Operations.OrdersAwaitingReviewDocument, variables, options) as Promise<OrdersAwaitingReviewQuery>;
    },
    ApprovePrescriptionOrder(variables: ApprovePrescriptionOrderMutationVariables, options?: C): Promise<ApprovePrescriptionOrderMutation> {
      return requester<ApprovePrescriptionOrderMutation, ApprovePrescriptionOrderMutationVariables>(Operations.ApprovePrescriptionOrderDocument, variables, options) as Promise<ApprovePrescriptionOrderMutation>;
    },
    RejectPrescriptionOrder(variables: RejectPrescriptionOrderMutationVariables, options?: C): Promise<RejectPrescriptionOrderMutation> {
      return requester<RejectPrescriptionOrderMutation, RejectPrescriptionOrderMutationVariables>(Operations.RejectPrescriptionOrderDocument, variables, options) as Promise<RejectPrescriptionOrderMutation>;
    },
    OrderStatusHistory(variables: OrderStatusHistoryQueryVariables, options?: C): Promise<OrderStatusHistoryQuery> {
      return requester<OrderStatusHistoryQuery, OrderStatusHistoryQueryVariables>(Operations.OrderStatusHistoryDocument, variables, options) as Promise<OrderStatusHistoryQuery>;
    }
  };
}
export type Sdk = ReturnType<typeof getSdk>;