import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { InventoryItem as InventoryItemEntity } from '../inventory-item.entity.ts';
import type { StockMovement as StockMovementEntity } from '../stock-movement.entity.ts';
import type { LowStockAlert as LowStockAlertEntity } from '../low-stock-alert.entity.ts';
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
  /** An ISO-8601 instant, e.g. "2026-01-31T12:00:00.000Z". */
  DateTime: { input: Date; output: Date; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** The stock of one product. available = quantity - reserved. */
export type InventoryItem = {
  __typename?: 'InventoryItem';
  /** Units that can still be ordered. */
  available: Scalars['Int']['output'];
  isLowStock: Scalars['Boolean']['output'];
  /** The product's stock movements, newest first. pageSize is at most 100. PHARMACIST or ADMIN. */
  movements: StockMovementPage;
  product: Product;
  /** Units on the shelf. */
  quantity: Scalars['Int']['output'];
  /** At or below this many available units the product is low on stock. */
  reorderLevel: Scalars['Int']['output'];
  /** Units held for confirmed orders that have not shipped. */
  reserved: Scalars['Int']['output'];
  /** Last stock change; null until the product is first stocked. */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};


/** The stock of one product. available = quantity - reserved. */
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
 * A product's fall to or below its reorder level, by an order's reservation or a change by hand. One alert
 * per fall: none while it stays low.
 */
export type LowStockAlert = {
  __typename?: 'LowStockAlert';
  /** Units that could still be ordered (quantity - reserved). */
  available: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  occurredAt: Scalars['DateTime']['output'];
  /** The order whose reservation caused the fall; null for a change by hand. */
  orderId?: Maybe<Scalars['ID']['output']>;
  product: Product;
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
   * Adds (positive) or removes (negative) units on the shelf and records the movement with its reason. Refused
   * with CONFLICT when it would take the available units below zero. A fall to the reorder level publishes
   * inventory.low-stock. PHARMACIST or ADMIN.
   */
  adjustInventory: InventoryItem;
  /** Sets the level at or below which the product counts as low on stock. PHARMACIST or ADMIN. */
  setReorderLevel: InventoryItem;
};


export type MutationAdjustInventoryArgs = {
  adjustment: Scalars['Int']['input'];
  productId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationSetReorderLevelArgs = {
  productId: Scalars['ID']['input'];
  reorderLevel: Scalars['Int']['input'];
};

export type Product = {
  __typename?: 'Product';
  id: Scalars['ID']['output'];
  /** Every product has stock information; quantity is 0 until it is stocked. */
  inventory: InventoryItem;
};

export type Query = {
  __typename?: 'Query';
  /** The stock of a product; a product never stocked has quantity 0. PHARMACIST or ADMIN. */
  inventory: InventoryItem;
  /** Every product whose stock or reorder level was ever set, by product id. pageSize is at most 100. PHARMACIST or ADMIN. */
  inventoryItems: InventoryItemPage;
  /** A low-stock alert by its id (the id of its inventory.low-stock event). PHARMACIST or ADMIN. */
  lowStockAlert?: Maybe<LowStockAlert>;
  /** Items whose available units are at or below their reorder level, the most short first. PHARMACIST or ADMIN. */
  lowStockItems: Array<InventoryItem>;
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

/** One change of a product's stock, as recorded in the ledger. */
export type StockMovement = {
  __typename?: 'StockMovement';
  /** The staff member who made the change, if it was made by hand. */
  actor?: Maybe<User>;
  /** Units added to (positive) or taken off (negative) the shelf. */
  delta: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  kind: StockMovementKind;
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

/** What changed the stock: a change by hand, or the order saga holding, giving back or shipping units. */
export type StockMovementKind =
  /** Units added or removed by staff (adjustInventory). */
  | 'ADJUSTMENT'
  /** Units an order held, given back when it was cancelled. */
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
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  InventoryItem: ResolverTypeWrapper<InventoryItemEntity>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  InventoryItemPage: ResolverTypeWrapper<Omit<InventoryItemPage, 'items'> & { items: Array<ResolversTypes['InventoryItem']> }>;
  LowStockAlert: ResolverTypeWrapper<LowStockAlertEntity>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Product: ResolverTypeWrapper<EntityReference>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StockMovement: ResolverTypeWrapper<StockMovementEntity>;
  StockMovementKind: StockMovementKind;
  StockMovementPage: ResolverTypeWrapper<Omit<StockMovementPage, 'items'> & { items: Array<ResolversTypes['StockMovement']> }>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  User: ResolverTypeWrapper<EntityReference>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  DateTime: Scalars['DateTime']['output'];
  InventoryItem: InventoryItemEntity;
  Int: Scalars['Int']['output'];
  Boolean: Scalars['Boolean']['output'];
  InventoryItemPage: Omit<InventoryItemPage, 'items'> & { items: Array<ResolversParentTypes['InventoryItem']> };
  LowStockAlert: LowStockAlertEntity;
  ID: Scalars['ID']['output'];
  Mutation: Record<PropertyKey, never>;
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

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InventoryItemResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['InventoryItem'] = ResolversParentTypes['InventoryItem']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  isLowStock?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  movements?: Resolver<ResolversTypes['StockMovementPage'], ParentType, ContextType, RequireFields<InventoryItemMovementsArgs, 'page' | 'pageSize'>>;
  product?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
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

export type LowStockAlertResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['LowStockAlert'] = ResolversParentTypes['LowStockAlert']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  orderId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  product?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reorderLevel?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  shortage?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  adjustInventory?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType, RequireFields<MutationAdjustInventoryArgs, 'adjustment' | 'productId' | 'reason'>>;
  setReorderLevel?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType, RequireFields<MutationSetReorderLevelArgs, 'productId' | 'reorderLevel'>>;
}>;

export type ProductResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product'], FederationReferenceType extends FederationReferenceTypes['Product'] = FederationReferenceTypes['Product']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Product']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inventory?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  inventory?: Resolver<ResolversTypes['InventoryItem'], ParentType, ContextType, RequireFields<QueryInventoryArgs, 'productId'>>;
  inventoryItems?: Resolver<ResolversTypes['InventoryItemPage'], ParentType, ContextType, RequireFields<QueryInventoryItemsArgs, 'page' | 'pageSize'>>;
  lowStockAlert?: Resolver<Maybe<ResolversTypes['LowStockAlert']>, ParentType, ContextType, RequireFields<QueryLowStockAlertArgs, 'id'>>;
  lowStockItems?: Resolver<Array<ResolversTypes['InventoryItem']>, ParentType, ContextType>;
}>;

export type StockMovementResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['StockMovement'] = ResolversParentTypes['StockMovement']> = ResolversObject<{
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  delta?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['StockMovementKind'], ParentType, ContextType>;
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
  DateTime?: GraphQLScalarType;
  InventoryItem?: InventoryItemResolvers<ContextType>;
  InventoryItemPage?: InventoryItemPageResolvers<ContextType>;
  LowStockAlert?: LowStockAlertResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
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
