import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Order as OrderEntity } from '../order.entity.ts';
import type { OrderLine as OrderLineEntity } from '../order-line.entity.ts';
import type { OrderLineLot as OrderLineLotEntity } from '../order-line-lot.entity.ts';
import type { PrescriptionReview as PrescriptionReviewEntity } from '../prescription-review.entity.ts';
import type { RecallNotice as RecallNoticeEntity } from '../recall-notice.entity.ts';
import type { OrderStatusChange as OrderStatusChangeEntity } from '../order-status-change.entity.ts';
import type { EntityReference } from '../../../lib/federation.ts';
import type { OrdersContext } from '../orders.subgraph.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A calendar day, "YYYY-MM-DD", e.g. "2027-03-31". */
  Date: { input: string; output: string; }
  /** An ISO-8601 instant, e.g. "2026-01-31T12:00:00.000Z". */
  DateTime: { input: Date; output: Date; }
  /** An exact decimal amount as a string, e.g. "9.99". Never a float. */
  Decimal: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** The state of an inventory lot (declared as the inventory subgraph does). */
export type LotStatus =
  | 'EXPIRED'
  | 'QUARANTINED'
  | 'RECALLED'
  | 'RELEASED';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Approves the prescription of an AWAITING_REVIEW order: it becomes CONFIRMED. The note is optional, up to
   * 2,000 characters. PHARMACIST only, and never for the pharmacist's own order (FORBIDDEN); CONFLICT for an
   * order that is not awaiting review.
   */
  approvePrescriptionOrder: Order;
  /**
   * Cancels a PENDING, AWAITING_REVIEW or CONFIRMED order of the caller's (any order for PHARMACIST or ADMIN)
   * and releases its stock. CONFLICT for an order that has shipped or ended; NOT_FOUND for an order the caller may not see.
   */
  cancelOrder: Order;
  /**
   * Places an order for the caller, PENDING, priced from the catalogue. Inventory then reserves its stock
   * and it becomes CONFIRMED (AWAITING_REVIEW for a prescription order), or REJECTED with a reason, within
   * a moment. Unknown or discontinued products, bad quantities, quantities above a product's
   * maxQuantityPerOrder, too many lines and a missing or bad prescription are refused with BAD_USER_INPUT and
   * nothing is written.
   */
  placeOrder: Order;
  /**
   * Rejects the prescription of an AWAITING_REVIEW order with a reason (1 to 2,000 characters): it becomes
   * REJECTED and its stock is released. PHARMACIST only, never for the pharmacist's own order (FORBIDDEN);
   * CONFLICT for an order that is not awaiting review.
   */
  rejectPrescriptionOrder: Order;
  /**
   * Moves an order along the state machine: CONFIRMED → SHIPPED → DELIVERED, or PENDING/AWAITING_REVIEW/
   * CONFIRMED → CANCELLED. Any other move is refused with CONFLICT, as is shipping an order that still holds
   * a recalled, quarantined or expired lot inventory could not replace. PHARMACIST or ADMIN.
   */
  updateOrderStatus: Order;
};


export type MutationApprovePrescriptionOrderArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


export type MutationCancelOrderArgs = {
  id: Scalars['ID']['input'];
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};


export type MutationRejectPrescriptionOrderArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationUpdateOrderStatusArgs = {
  id: Scalars['ID']['input'];
  status: OrderStatus;
};

/** A customer's order. Prices come from the catalogue when it is placed; the total is computed by the server. */
export type Order = {
  __typename?: 'Order';
  createdAt: Scalars['DateTime']['output'];
  currency: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  lines: Array<OrderLine>;
  notes?: Maybe<Scalars['String']['output']>;
  /** The prescription given at placement; null when none was given. */
  prescription?: Maybe<Prescription>;
  /** What inventory said about withdrawn lots this order held, oldest first. */
  recallNotices: Array<RecallNotice>;
  /**
   * Why the order was refused: inventory's reason naming the products short of stock, or the pharmacist's
   * reason; null unless REJECTED.
   */
  rejectionReason?: Maybe<Scalars['String']['output']>;
  /** Some product of the order needs a prescription, so a pharmacist reviews the order before it is confirmed. */
  requiresPrescription: Scalars['Boolean']['output'];
  /** The pharmacist's decision on a prescription order; null until decided (and for orders needing none). */
  review?: Maybe<PrescriptionReview>;
  shippingAddress: Scalars['String']['output'];
  status: OrderStatus;
  /** Every status change, the placement first. PHARMACIST or ADMIN. */
  statusHistory: Array<OrderStatusChange>;
  /** The sum of the line totals. */
  total: Scalars['Decimal']['output'];
  updatedAt: Scalars['DateTime']['output'];
  /** The customer who placed the order; null only while the users service cannot be reached. */
  user?: Maybe<User>;
};

export type OrderFilter = {
  /** true: only orders with a recall notice; false: only orders without one. */
  hasRecallNotice?: InputMaybe<Scalars['Boolean']['input']>;
  status?: InputMaybe<OrderStatus>;
  userId?: InputMaybe<Scalars['ID']['input']>;
};

/** One product of an order, at the catalogue price it had when the order was placed. */
export type OrderLine = {
  __typename?: 'OrderLine';
  /** unitPrice × quantity. */
  lineTotal: Scalars['Decimal']['output'];
  /** The lots that cover the line, first to expire first; empty until inventory has reserved the stock. */
  lots: Array<OrderLineLot>;
  /** The product as the catalogue has it now; null only while the products service cannot be reached. */
  product?: Maybe<Product>;
  /** The product's name when the order was placed. */
  productName: Scalars['String']['output'];
  quantity: Scalars['Int']['output'];
  /** The product's SKU when the order was placed: the order's own record, whatever the catalogue says now. */
  sku: Scalars['String']['output'];
  unitPrice: Scalars['Decimal']['output'];
};

export type OrderLineInput = {
  productId: Scalars['ID']['input'];
  /** From 1 to 1000. */
  quantity: Scalars['Int']['input'];
};

/** Units of one inventory lot held for (and shipped with) an order line. */
export type OrderLineLot = {
  __typename?: 'OrderLineLot';
  /** The lot's expiry day; null for stock received without one. */
  expiresOn?: Maybe<Scalars['Date']['output']>;
  lotNumber: Scalars['String']['output'];
  quantity: Scalars['Int']['output'];
};

export type OrderPage = {
  __typename?: 'OrderPage';
  hasNextPage: Scalars['Boolean']['output'];
  items: Array<Order>;
  page: Scalars['Int']['output'];
  pageSize: Scalars['Int']['output'];
  totalCount: Scalars['Int']['output'];
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

/**
 * One change of an order's status: by a person (actor, with their role at that moment) or by an event of the
 * order saga (eventType, eventId).
 */
export type OrderStatusChange = {
  __typename?: 'OrderStatusChange';
  /** The person who made the change; null when an event did. */
  actor?: Maybe<User>;
  actorRole?: Maybe<Role>;
  eventId?: Maybe<Scalars['ID']['output']>;
  /** The event that made the change (e.g. inventory.reserved); null when a person did. */
  eventType?: Maybe<Scalars['String']['output']>;
  /** Null for the placement. */
  from?: Maybe<OrderStatus>;
  occurredAt: Scalars['DateTime']['output'];
  reason?: Maybe<Scalars['String']['output']>;
  to: OrderStatus;
};

export type PlaceOrderInput = {
  /**
   * Makes placeOrder safe to retry: the same key again (with the same lines, address and notes) returns the
   * order it first created, never a second one. Up to 100 characters, unique per customer.
   */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 100 lines, each product once. */
  lines: Array<OrderLineInput>;
  notes?: InputMaybe<Scalars['String']['input']>;
  /**
   * Required when any product needs a prescription (BAD_USER_INPUT otherwise). Given for an order that needs
   * none, it is kept with the order and the order skips review all the same.
   */
  prescription?: InputMaybe<PrescriptionInput>;
  shippingAddress: Scalars['String']['input'];
};

/** The prescription an order was placed with (the customer's statement; the pharmacist checks it in review). */
export type Prescription = {
  __typename?: 'Prescription';
  issuedOn: Scalars['Date']['output'];
  /** The prescriber's licence (registration) number. */
  prescriberLicence: Scalars['String']['output'];
  prescriberName: Scalars['String']['output'];
  /** Where the prescription is: the id of an uploaded copy or of the paper one at the pharmacy. */
  reference: Scalars['String']['output'];
};

export type PrescriptionInput = {
  /** Today or earlier. */
  issuedOn: Scalars['Date']['input'];
  /** The prescriber's licence (registration) number, up to 50 characters. */
  prescriberLicence: Scalars['String']['input'];
  /** Up to 200 characters. */
  prescriberName: Scalars['String']['input'];
  /** Where the prescription is (an uploaded copy's id, or the paper one's number), up to 200 characters. */
  reference: Scalars['String']['input'];
};

/** A pharmacist's decision on a prescription order. Final: one per order. */
export type PrescriptionReview = {
  __typename?: 'PrescriptionReview';
  decidedAt: Scalars['DateTime']['output'];
  decision: ReviewDecision;
  /** The pharmacist's note on an approval, or the reason for a rejection. */
  note?: Maybe<Scalars['String']['output']>;
  /** The pharmacist; null only while the users service cannot be reached. */
  reviewer?: Maybe<User>;
};

export type Product = {
  __typename?: 'Product';
  id: Scalars['ID']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** The caller's orders, newest first. pageSize is at most 100. */
  myOrders: OrderPage;
  /** An order of the caller's (any order for PHARMACIST or ADMIN); null when there is none they may see. */
  order?: Maybe<Order>;
  /** Every order, newest first, optionally of one status or customer. PHARMACIST or ADMIN. */
  orders: OrderPage;
  /** The review queue: AWAITING_REVIEW orders, oldest first. pageSize is at most 100. PHARMACIST or ADMIN. */
  ordersAwaitingReview: OrderPage;
};


export type QueryMyOrdersArgs = {
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrdersArgs = {
  filter?: InputMaybe<OrderFilter>;
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOrdersAwaitingReviewArgs = {
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * A lot an order held was recalled, quarantined or expired. When inventory could move the order's units to other lots
 * (covered), the order carries on; otherwise it cannot ship while it still holds the lot, until the lot is
 * released from quarantine (resolvedAt).
 */
export type RecallNotice = {
  __typename?: 'RecallNotice';
  /** Inventory moved the order's units of the lot to other lots. */
  covered: Scalars['Boolean']['output'];
  lotNumber: Scalars['String']['output'];
  /** RECALLED, QUARANTINED or EXPIRED. */
  lotStatus: LotStatus;
  noticedAt: Scalars['DateTime']['output'];
  /** Null only while the products service cannot be reached. */
  product?: Maybe<Product>;
  reason: Scalars['String']['output'];
  /** When the (quarantined) lot was released: the notice no longer keeps the order from shipping. */
  resolvedAt?: Maybe<Scalars['DateTime']['output']>;
};

export type ReviewDecision =
  | 'APPROVED'
  | 'REJECTED';

export type Role =
  | 'ADMIN'
  | 'CUSTOMER'
  | 'PHARMACIST';

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  /** The user's orders, newest first. pageSize is at most 100. The user themself, or PHARMACIST or ADMIN. */
  orders?: Maybe<OrderPage>;
};


export type UserOrdersArgs = {
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Order: Order;
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Decimal: ResolverTypeWrapper<Scalars['Decimal']['output']>;
  LotStatus: LotStatus;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Order: ResolverTypeWrapper<OrderEntity>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  OrderFilter: OrderFilter;
  OrderLine: ResolverTypeWrapper<OrderLineEntity>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  OrderLineInput: OrderLineInput;
  OrderLineLot: ResolverTypeWrapper<OrderLineLotEntity>;
  OrderPage: ResolverTypeWrapper<Omit<OrderPage, 'items'> & { items: Array<ResolversTypes['Order']> }>;
  OrderStatus: OrderStatus;
  OrderStatusChange: ResolverTypeWrapper<OrderStatusChangeEntity>;
  PlaceOrderInput: PlaceOrderInput;
  Prescription: ResolverTypeWrapper<Prescription>;
  PrescriptionInput: PrescriptionInput;
  PrescriptionReview: ResolverTypeWrapper<PrescriptionReviewEntity>;
  Product: ResolverTypeWrapper<EntityReference>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RecallNotice: ResolverTypeWrapper<RecallNoticeEntity>;
  ReviewDecision: ReviewDecision;
  Role: Role;
  User: ResolverTypeWrapper<EntityReference>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Date: Scalars['Date']['output'];
  DateTime: Scalars['DateTime']['output'];
  Decimal: Scalars['Decimal']['output'];
  Mutation: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  Order: OrderEntity;
  Boolean: Scalars['Boolean']['output'];
  OrderFilter: OrderFilter;
  OrderLine: OrderLineEntity;
  Int: Scalars['Int']['output'];
  OrderLineInput: OrderLineInput;
  OrderLineLot: OrderLineLotEntity;
  OrderPage: Omit<OrderPage, 'items'> & { items: Array<ResolversParentTypes['Order']> };
  OrderStatusChange: OrderStatusChangeEntity;
  PlaceOrderInput: PlaceOrderInput;
  Prescription: Prescription;
  PrescriptionInput: PrescriptionInput;
  PrescriptionReview: PrescriptionReviewEntity;
  Product: EntityReference;
  Query: Record<PropertyKey, never>;
  RecallNotice: RecallNoticeEntity;
  User: EntityReference;
  String: Scalars['String']['output'];
}>;

export type RequiresRoleDirectiveArgs = {
  roles: Array<Scalars['String']['input']>;
};

export type RequiresRoleDirectiveResolver<Result, Parent, ContextType = OrdersContext, Args = RequiresRoleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface DecimalScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Decimal'], any> {
  name: 'Decimal';
}

export type MutationResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  approvePrescriptionOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationApprovePrescriptionOrderArgs, 'id'>>;
  cancelOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'id'>>;
  placeOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
  rejectPrescriptionOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationRejectPrescriptionOrderArgs, 'id' | 'reason'>>;
  updateOrderStatus?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationUpdateOrderStatusArgs, 'id' | 'status'>>;
}>;

export type OrderResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['OrderLine']>, ParentType, ContextType>;
  notes?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  prescription?: Resolver<Maybe<ResolversTypes['Prescription']>, ParentType, ContextType>;
  recallNotices?: Resolver<Array<ResolversTypes['RecallNotice']>, ParentType, ContextType>;
  rejectionReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  requiresPrescription?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  review?: Resolver<Maybe<ResolversTypes['PrescriptionReview']>, ParentType, ContextType>;
  shippingAddress?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  statusHistory?: Resolver<Array<ResolversTypes['OrderStatusChange']>, ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Decimal'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
}>;

export type OrderLineResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['OrderLine'] = ResolversParentTypes['OrderLine']> = ResolversObject<{
  lineTotal?: Resolver<ResolversTypes['Decimal'], ParentType, ContextType>;
  lots?: Resolver<Array<ResolversTypes['OrderLineLot']>, ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  productName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  sku?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  unitPrice?: Resolver<ResolversTypes['Decimal'], ParentType, ContextType>;
}>;

export type OrderLineLotResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['OrderLineLot'] = ResolversParentTypes['OrderLineLot']> = ResolversObject<{
  expiresOn?: Resolver<Maybe<ResolversTypes['Date']>, ParentType, ContextType>;
  lotNumber?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderPageResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['OrderPage'] = ResolversParentTypes['OrderPage']> = ResolversObject<{
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['Order']>, ParentType, ContextType>;
  page?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pageSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderStatusChangeResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['OrderStatusChange'] = ResolversParentTypes['OrderStatusChange']> = ResolversObject<{
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  actorRole?: Resolver<Maybe<ResolversTypes['Role']>, ParentType, ContextType>;
  eventId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  eventType?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  from?: Resolver<Maybe<ResolversTypes['OrderStatus']>, ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  to?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
}>;

export type PrescriptionResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['Prescription'] = ResolversParentTypes['Prescription']> = ResolversObject<{
  issuedOn?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  prescriberLicence?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prescriberName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reference?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type PrescriptionReviewResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['PrescriptionReview'] = ResolversParentTypes['PrescriptionReview']> = ResolversObject<{
  decidedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  decision?: Resolver<ResolversTypes['ReviewDecision'], ParentType, ContextType>;
  note?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reviewer?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
}>;

export type ProductResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  myOrders?: Resolver<ResolversTypes['OrderPage'], ParentType, ContextType, RequireFields<QueryMyOrdersArgs, 'page' | 'pageSize'>>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  orders?: Resolver<ResolversTypes['OrderPage'], ParentType, ContextType, RequireFields<QueryOrdersArgs, 'page' | 'pageSize'>>;
  ordersAwaitingReview?: Resolver<ResolversTypes['OrderPage'], ParentType, ContextType, RequireFields<QueryOrdersAwaitingReviewArgs, 'page' | 'pageSize'>>;
}>;

export type RecallNoticeResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['RecallNotice'] = ResolversParentTypes['RecallNotice']> = ResolversObject<{
  covered?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  lotNumber?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lotStatus?: Resolver<ResolversTypes['LotStatus'], ParentType, ContextType>;
  noticedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  resolvedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = OrdersContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orders?: Resolver<Maybe<ResolversTypes['OrderPage']>, ParentType, ContextType, RequireFields<UserOrdersArgs, 'page' | 'pageSize'>>;
}>;

export type Resolvers<ContextType = OrdersContext> = ResolversObject<{
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  Decimal?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderLine?: OrderLineResolvers<ContextType>;
  OrderLineLot?: OrderLineLotResolvers<ContextType>;
  OrderPage?: OrderPageResolvers<ContextType>;
  OrderStatusChange?: OrderStatusChangeResolvers<ContextType>;
  Prescription?: PrescriptionResolvers<ContextType>;
  PrescriptionReview?: PrescriptionReviewResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RecallNotice?: RecallNoticeResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = OrdersContext> = ResolversObject<{
  requiresRole?: RequiresRoleDirectiveResolver<any, any, ContextType>;
}>;
