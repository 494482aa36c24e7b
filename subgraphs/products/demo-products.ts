/** The ten demo products of the original system, loaded by `npm start` (only those whose SKU is missing). */
import { readFileSync } from 'node:fs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Product } from './product.entity.ts';
import { ProductService } from './product.service.ts';
import type { ProductInputFields } from './product.rules.ts';

export function demoProducts(): ProductInputFields[] {
  return JSON.parse(
    readFileSync(new URL('./demo-products.json', import.meta.url), 'utf8'),
  ) as ProductInputFields[];
}

/** Returns how many products it added. */
export async function seedDemoProducts(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const existing = new Set((await em.find(Product, {}, { fields: ['sku'] })).map((product) => product.sku));
  const missing = demoProducts().filter((product) => !existing.has(product.sku ?? ''));
  const catalogue = new ProductService({ em });
  for (const product of missing) await catalogue.create(product);
  return missing.length;
}
