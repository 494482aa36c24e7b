import { defineEntity, p } from '@mikro-orm/postgresql';

/** A catalogue product. The price is held in minor units (cents); see lib/money.ts. */
export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    id: p.integer().primary().autoincrement(),
    sku: p.string().length(64).unique(),
    name: p.string().length(200),
    description: p.text().nullable(),
    priceMinor: p.integer(),
    currency: p.string().length(3),
    category: p.string().length(100),
    manufacturer: p.string().length(200).nullable(),
    requiresPrescription: p.boolean(),
    /** The most units of this product one order may hold; null for no limit. */
    maxQuantityPerOrder: p.integer().nullable(),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Product extends ProductSchema.class {}
ProductSchema.setClass(Product);

/**
 * A product as the API reads it: an entity, or a listing's row kept in memory (catalogue-listing-cache.ts),
 * which is plain frozen data, shared by every request that reads that page.
 */
export type ProductRecord = Readonly<
  Pick<
    Product,
    | 'id'
    | 'sku'
    | 'name'
    | 'description'
    | 'priceMinor'
    | 'currency'
    | 'category'
    | 'manufacturer'
    | 'requiresPrescription'
    | 'maxQuantityPerOrder'
    | 'isActive'
    | 'createdAt'
    | 'updatedAt'
  >
>;
