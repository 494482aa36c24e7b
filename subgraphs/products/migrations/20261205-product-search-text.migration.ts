import { Migration } from '../../../lib/database.ts';

/**
 * What `products(filter: { search })` matches, kept lower-cased in one column: the name and the manufacturer
 * joined by a control character (SEARCH_TEXT_SEPARATOR in product.service.ts), under one trigram index of
 * active products. A search then checks each candidate row with one case-sensitive LIKE on text lowered
 * once when the row was written, instead of lowering two columns per row for two ILIKEs through a BitmapOr
 * of two indexes (half the Postgres CPU per search on 100,000 products).
 *
 * The catalogue's trigram indexes take new rows at once (fastupdate off) instead of in a pending list: a
 * search scans that whole list on every query until a vacuum merges it, which after loading 90,000 products
 * made each search twice as slow. Catalogue writes are rare and may pay for it; the lists the older two
 * indexes hold are merged here.
 */
export class AddProductSearchText extends Migration {
  override name = '20261205-product-search-text';

  override up(): void {
    this.addSql(`
      alter table product
        add column search_text text not null
          generated always as (lower(name) || E'\\x01' || lower(coalesce(manufacturer, ''))) stored`);
    this.addSql(
      `create index product_active_search_text_trgm on product using gin (search_text gin_trgm_ops)
         with (fastupdate = off) where is_active`,
    );
    for (const index of ['product_name_trgm', 'product_manufacturer_trgm']) {
      this.addSql(`alter index ${index} set (fastupdate = off)`);
      this.addSql(`select gin_clean_pending_list('${index}'::regclass)`);
    }
  }

  override down(): void {
    this.addSql('alter table product drop column search_text');
    for (const index of ['product_name_trgm', 'product_manufacturer_trgm']) {
      this.addSql(`alter index ${index} reset (fastupdate)`);
    }
  }
}
