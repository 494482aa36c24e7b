import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { InventoryItem as InventoryItemEntity } from '../inventory-item.entity.ts';
import type { StockMovement as StockMovementEntity } from '../stock-movement.entity.ts';
import type { LowStockAlert as LowStockAlertEntity } from '../low-stock-alert.entity.ts';
import type { Lot as LotEntity } from '../lot.entity.ts';
import type { EntityReference } from '../../../lib/federation.ts';
import type { InventoryContext } from '../inventory.subgraph.ts';
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
  _FieldSet: { input: unknown; output: unknown; }
};

/**
 * The stock of one product, held in lots. quantity and reserved are the sums of its lots; available counts
 * only the units of RELEASED lots that have not expired and are not held for orders.
 */
export type InventoryItem = {
  __typename?: 'InventoryItem';
  /** Units that can still be ordered: unheld units of RELEASED lots up to their expiry day. Expired stock leaves it at once. */
  available: Scalars['Int']['output'];
  isLowStock: Scalars['Boolean']['output'];
  /**
   * The lots with units on the shelf, the first to expire first (the lot without expiry last). A lot that
   * has been emptied drops off the list; its movements stay in the ledger. PHARMACIST or ADMIN.
   */
  lots: Array<Lot>;
  /** The product's stock movements, newest first. pageSize is at most 100. PHARMACIST or ADMIN. */
  movements: StockMovementPage;
  /** Null only while the products service cannot be reached (as for every product reference here). */
  product?: Maybe<Product>;
  /** Units on the shelf, in every lot (expired, quarantined and recalled units included until written off). */
  quantity: Scalars['Int']['output'];
  /** At or below this many available units the product is low on stock. */
  reorderLevel: Scalars['Int']['output'];
  /** Units held for orders that have not shipped. */
  reserved: Scalars['Int']['output'];
  /** Last stock change; null until the product is first stocked. */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};


/**
 * The stock of one product, held in lots. quantity and reserved are the sums of its lots; available counts
 * only the units of RELEASED lots that have not expired and are not held for orders.
 */
export type InventoryItemMovementsArgs = {
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
};

export type InventoryItemPage = {
  __typename?: 'InventoryItemPage';
  hasNextPage: Scalars['Boolean']['output'];
  items: Array<InventoryItem>;
  page: Scalars['Int']['output'];
  pageSize: Scalars['Int']['output'];
  totalCount: Scalars['Int']['output'];
};

/**
 * Units of a product from one manufacturer's lot. Stock that arrived without a lot number (adjustInventory
 * without lotNumber, and all stock from before lots existed) is the lot "UNLOTTED", without expiry.
 * Reservations, shipments and removals draw first from the RELEASED lot that expires first (FEFO), lots
 * without expiry last, never from an expired, quarantined or recalled lot.
 */
export type Lot = {
  __typename?: 'Lot';
  /** Units that can still be ordered from this lot: 0 unless RELEASED and unexpired. */
  available: Scalars['Int']['output'];
  /** Usable through this day (UTC); null for the UNLOTTED stock. */
  expiresOn?: Maybe<Scalars['Date']['output']>;
  /** The manufacturer's lot number, in upper case; unique per product. */
  lotNumber: Scalars['String']['output'];
  product?: Maybe<Product>;
  /** Units on the shelf. */
  quantity: Scalars['Int']['output'];
  /** Units held for orders that have not shipped. */
  reserved: Scalars['Int']['output'];
  status: LotStatus;
  /** Why it was quarantined or recalled; null while released. */
  statusReason?: Maybe<Scalars['String']['output']>;
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

/**
 * A product's fall to or below its reorder level, by an order's reservation, a change by hand, a withdrawn lot
 * or stock that expired (announced by the first change or expiry sweep that sees it). One alert per fall: none
 * while it stays low.
 */
export type LowStockAlert = {
  __typename?: 'LowStockAlert';
  /** Units that could still be ordered (unheld units of released, unexpired lots). */
  available: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  occurredAt: Scalars['DateTime']['output'];
  /** The order whose reservation caused the fall; null for a change by hand. */
  orderId?: Maybe<Scalars['ID']['output']>;
  product?: Maybe<Product>;
  /** Units on the shelf at that moment. */
  quantity: Scalars['Int']['output'];
  reorderLevel: Scalars['Int']['output'];
  /** Units held for orders at that moment. */
  reserved: Scalars['Int']['output'];
  /** How far available is below the reorder level (0 when it is at it). */
  shortage: Scalars['Int']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Adds (positive) or removes (negative) units on the shelf and records the movement with its reason. Units
   * added go into the lot UNLOTTED (no expiry); units removed come from the usable lots that expire first.
   * With lotNumber, the units are added to or removed from that lot whatever its status (e.g. writing off
   * expired or recalled units; NOT_FOUND when it does not exist). Refused with CONFLICT when it would take
   * the available units (or the lot's unheld units) below zero. A fall to the reorder level publishes
   * inventory.low-stock. PHARMACIST or ADMIN.
   */
  adjustInventory: InventoryItem;
  /**
   * Quarantines a released lot: it can no longer be reserved until released; open orders holding it are moved
   * and announced as for a recall. CONFLICT when it is not RELEASED. PHARMACIST or ADMIN.
   */
  quarantineLot: Lot;
  /**
   * Recalls a lot (final): it can no longer be reserved. Every open order holding its units has all of them
   * moved to other lots (first to expire first) when they can cover them all, or keeps them, and is announced
   * with inventory.order-lots-changed (covered or not). CONFLICT when already recalled; NOT_FOUND for an
   * unknown lot. PHARMACIST or ADMIN.
   */
  recallLot: Lot;
  /**
   * Receives units of a lot: creates it, or tops it up when it exists with the same expiry day. BAD_USER_INPUT
   * for an expiry day in the past, a quantity outside 1..1000000, a blank lot number or one over 50
   * characters, UNLOTTED, or a different expiry day than the lot's; CONFLICT for a recalled lot. The reason
   * defaults to "received lot <lotNumber>". PHARMACIST or ADMIN.
   */
  receiveStock: Lot;
  /**
   * Releases a quarantined lot: it can be reserved again. CONFLICT unless it is QUARANTINED (a recalled lot is
   * never released). The reason defaults to "lot <lotNumber> released from quarantine". PHARMACIST or ADMIN.
   */
  releaseLot: Lot;
  /** Sets the level at or below which the product counts as low on stock. PHARMACIST or ADMIN. */
  setReorderLevel: InventoryItem;
};


export type MutationAdjustInventoryArgs = {
  adjustment: Scalars['Int']['input'];
  lotNumber?: InputMaybe<Scalars['String']['input']>;
  productId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationQuarantineLotArgs = {
  lotNumber: Scalars['String']['input'];
  productId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationRecallLotArgs = {
  lotNumber: Scalars['String']['input'];
  productId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationReceiveStockArgs = {
  expiresOn: Scalars['Date']['input'];
  lotNumber: Scalars['String']['input'];
  productId: Scalars['ID']['input'];
  quantity: Scalars['Int']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationReleaseLotArgs = {
  lotNumber: Scalars['String']['input'];
  productId: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationSetReorderLevelArgs = {
  productId: Scalars['ID']['input'];
  reorderLevel: Scalars['Int']['input'];
};

export type Order = {
  __typename?: 'Order';
  id: Scalars['ID']['output'];
};

export type Product = {
  __typename?: 'Product';
  id: Scalars['ID']['output'];
  /**
   * Every product has stock information; quantity is 0 until it is stocked. Null only while the inventory
   * service cannot be reached.
   */
  inventory?: Maybe<InventoryItem>;
};

export type Query = {
  __typename?: 'Query';
  /**
   * Lots with units on the shelf whose expiry day is at most withinDays days from today (UTC, 0 to 3650),
   * already expired ones included, whatever their status; the first to expire first. PHARMACIST or ADMIN.
   */
  expiringLots: Array<Lot>;
  /** The stock of a product; a product never stocked has quantity 0. PHARMACIST or ADMIN. */
  inventory: InventoryItem;
  /** Every product whose stock or reorder level was ever set, by product id. pageSize is at most 100. PHARMACIST or ADMIN. */
  inventoryItems: InventoryItemPage;
  /** A low-stock alert by its id (the id of its inventory.low-stock event). PHARMACIST or ADMIN. */
  lowStockAlert?: Maybe<LowStockAlert>;
  /** Items whose available units are at or below their reorder level, the most short first. PHARMACIST or ADMIN. */
  lowStockItems: Array<InventoryItem>;
  /**
   * Traceability: every order that ever held units of the lot (holding them now, shipped, released, or moved
   * to another lot), by order id. NOT_FOUND for an unknown lot. PHARMACIST or ADMIN.
   */
  recalledLotOrders: Array<Order>;
};


export type QueryExpiringLotsArgs = {
  withinDays: Scalars['Int']['input'];
};


export type QueryInventoryArgs = {
  productId: Scalars['ID']['input'];
};


export type QueryInventoryItemsArgs = {
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryLowStockAlertArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRecalledLotOrdersArgs = {
  lotNumber: Scalars['String']['input'];
  productId: Scalars['ID']['input'];
};

/** A user's role, as the users subgraph defines it. */
export type Role =
  | 'ADMIN'
  | 'CUSTOMER'
  | 'PHARMACIST';

/**
 * One change of a product's stock in one lot, as recorded in the ledger, with who or what made it: a person
 * (actor and actorRole), an event (eventType and eventId, e.g. order.placed), or neither (the system: the
 * expiry sweep).
 */
export type StockMovement = {
  __typename?: 'StockMovement';
  /** The person who made the change (by hand, or by withdrawing a lot); null when an event or the system did. */
  actor?: Maybe<User>;
  /** The actor's role when they made the change; null when not a person. */
  actorRole?: Maybe<Role>;
  /** Units added to (positive) or taken off (negative) the shelf. */
  delta: Scalars['Int']['output'];
  /** The id of that event. */
  eventId?: Maybe<Scalars['ID']['output']>;
  /** The type of the event that made the change (order.placed, order.cancelled, order.rejected, order.shipped). */
  eventType?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  kind: StockMovementKind;
  /** The lot whose units changed (UNLOTTED for stock without a lot). */
  lotNumber?: Maybe<Scalars['String']['output']>;
  occurredAt: Scalars['DateTime']['output'];
  /** The order that caused the change, if any. */
  orderId?: Maybe<Scalars['ID']['output']>;
  /** The product's quantity right after this change. */
  quantityAfter: Scalars['Int']['output'];
  reason: Scalars['String']['output'];
  /** The product's reserved units right after this change. */
  reservedAfter: Scalars['Int']['output'];
  /** Units added to (positive) or taken from (negative) the reservations. */
  reservedDelta: Scalars['Int']['output'];
};

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

export type StockMovementPage = {
  __typename?: 'StockMovementPage';
  hasNextPage: Scalars['Boolean']['output'];
  items: Array<StockMovement>;
  page: Scalars['Int']['output'];
  pageSize: Scalars['Int']['output'];
  totalCount: Scalars['Int']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * A live stream of low-stock alerts, served by the router over WebSocket (graphql-transport-ws): one event
   * per fall of a product to its reorder level, within a second. productIds and category narrow it.
   * lowStockItems stays the source of truth; this is its live view. PHARMACIST or ADMIN.
   */
  lowStockAlerts: LowStockAlert;
};


export type SubscriptionLowStockAlertsArgs = {
  category?: InputMaybe<Scalars['String']['input']>;
  productIds?: InputMaybe<Array<Scalars['ID']['input']>>;
};

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
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
  Product: Product;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Product:
    ( { __typename: 'Product' }
    & GraphQLRecursivePick<FederationTypes['Product'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  InventoryItem: ResolverTypeWrapper<InventoryItemEntity>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  InventoryItemPage: ResolverTypeWrapper<Omit<InventoryItemPage, 'items'> & { items: Array<ResolversTypes['InventoryItem']> }>;
  Lot: ResolverTypeWrapper<LotEntity>;
  LotStatus: LotStatus;
  LowStockAlert: ResolverTypeWrapper<LowStockAlertEntity>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Order: ResolverTypeWrapper<EntityReference>;
  Product: ResolverTypeWrapper<EntityReference>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Role: Role;
  StockMovement: ResolverTypeWrapper<StockMovementEntity>;
  StockMovementKind: StockMovementKind;
  StockMovementPage: ResolverTypeWrapper<Omit<StockMovementPage, 'items'> & { items: Array<ResolversTypes['StockMovement']> }>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  User: ResolverTypeWrapper<EntityReference>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Date: Scalars['Date']['output'];
  DateTime: Scalars['DateTime']['output'];
  InventoryItem: InventoryItemEntity;
  Int: Scalars['Int']['output'];
  Boolean: Scalars['Boolean']['output'];
  InventoryItemPage: Omit<InventoryItemPage, 'items'> & { items: Array<ResolversParentTypes['InventoryItem']> };
  Lot: LotEntity;
  LowStockAlert: LowStockAlertEntity;
  ID: Scalars['ID']['output'];
  Mutation: Record<PropertyKey, never>;
  Order: EntityReference;
  Product: EntityReference;
  Query: Record<PropertyKey, never>;
  StockMovement: StockMovementEntity;
  StockMovementPage: Omit<StockMovementPage, 'items'> & { items: Array<ResolversParentTypes['StockMovement']> };
  Subscription: Record<PropertyKey, never>;
  User: EntityReference;
  String: Scalars['String']['output'];
}>;

export type RequiresRoleDirectiveArgs = {
  roles: Array<Scalars['String']['input']>;
};

export type RequiresRoleDirectiveResolver<Result, Parent, ContextType = InventoryContext, Args = RequiresRoleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InventoryItemResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['InventoryItem'] = ResolversParentTypes['InventoryItem']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  isLowStock?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  lots?: Resolver<Array<ResolversTypes['Lot']>, ParentType, ContextType>;
  movements?: Resolver<ResolversTypes['StockMovementPage'], ParentType, ContextType, RequireFields<InventoryItemMovementsArgs, 'page' | 'pageSize'>>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reorderLevel?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
}>;

export type InventoryItemPageResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['InventoryItemPage'] = ResolversParentTypes['InventoryItemPage']> = ResolversObject<{
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['InventoryItem']>, ParentType, ContextType>;
  page?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pageSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type LotResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Lot'] = ResolversParentTypes['Lot']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expiresOn?: Resolver<Maybe<ResolversTypes['Date']>, ParentType, ContextType>;
  lotNumber?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['LotStatus'], ParentType, ContextType>;
  statusReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type LowStockAlertResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['LowStockAlert'] = ResolversParentTypes['LowStockAlert']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  orderId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reorderLevel?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  shortage?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  adjustInventory?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType, RequireFields<MutationAdjustInventoryArgs, 'adjustment' | 'productId' | 'reason'>>;
  quarantineLot?: Resolver<ResolversTypes['Lot'], ParentType, ContextType, RequireFields<MutationQuarantineLotArgs, 'lotNumber' | 'productId' | 'reason'>>;
  recallLot?: Resolver<ResolversTypes['Lot'], ParentType, ContextType, RequireFields<MutationRecallLotArgs, 'lotNumber' | 'productId' | 'reason'>>;
  receiveStock?: Resolver<ResolversTypes['Lot'], ParentType, ContextType, RequireFields<MutationReceiveStockArgs, 'expiresOn' | 'lotNumber' | 'productId' | 'quantity'>>;
  releaseLot?: Resolver<ResolversTypes['Lot'], ParentType, ContextType, RequireFields<MutationReleaseLotArgs, 'lotNumber' | 'productId'>>;
  setReorderLevel?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType, RequireFields<MutationSetReorderLevelArgs, 'productId' | 'reorderLevel'>>;
}>;

export type OrderResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type ProductResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product'], FederationReferenceType extends FederationReferenceTypes['Product'] = FederationReferenceTypes['Product']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Product']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inventory?: Resolver<Maybe<ResolversTypes['InventoryItem']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  expiringLots?: Resolver<Array<ResolversTypes['Lot']>, ParentType, ContextType, RequireFields<QueryExpiringLotsArgs, 'withinDays'>>;
  inventory?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType, RequireFields<QueryInventoryArgs, 'productId'>>;
  inventoryItems?: Resolver<ResolversTypes['InventoryItemPage'], ParentType, ContextType, RequireFields<QueryInventoryItemsArgs, 'page' | 'pageSize'>>;
  lowStockAlert?: Resolver<Maybe<ResolversTypes['LowStockAlert']>, ParentType, ContextType, RequireFields<QueryLowStockAlertArgs, 'id'>>;
  lowStockItems?: Resolver<Array<ResolversTypes['InventoryItem']>, ParentType, ContextType>;
  recalledLotOrders?: Resolver<Array<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryRecalledLotOrdersArgs, 'lotNumber' | 'productId'>>;
}>;

export type StockMovementResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['StockMovement'] = ResolversParentTypes['StockMovement']> = ResolversObject<{
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  actorRole?: Resolver<Maybe<ResolversTypes['Role']>, ParentType, ContextType>;
  delta?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  eventId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  eventType?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['StockMovementKind'], ParentType, ContextType>;
  lotNumber?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  orderId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  quantityAfter?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reservedAfter?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reservedDelta?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type StockMovementPageResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['StockMovementPage'] = ResolversParentTypes['StockMovementPage']> = ResolversObject<{
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['StockMovement']>, ParentType, ContextType>;
  page?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pageSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SubscriptionResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  lowStockAlerts?: SubscriptionResolver<ResolversTypes['LowStockAlert'], "lowStockAlerts", ParentType, ContextType, Partial<SubscriptionLowStockAlertsArgs>>;
}>;

export type UserResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = InventoryContext> = ResolversObject<{
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  InventoryItem?: InventoryItemResolvers<ContextType>;
  InventoryItemPage?: InventoryItemPageResolvers<ContextType>;
  Lot?: LotResolvers<ContextType>;
  LowStockAlert?: LowStockAlertResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StockMovement?: StockMovementResolvers<ContextType>;
  StockMovementPage?: StockMovementPageResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = InventoryContext> = ResolversObject<{
  requiresRole?: RequiresRoleDirectiveResolver<any, any, ContextType>;
}>;
