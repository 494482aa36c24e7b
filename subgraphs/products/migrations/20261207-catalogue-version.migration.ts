import { Migration } from '../../../lib/database.ts';

/**
 * A version of the catalogue that every write to `product` replaces in the writer's own transaction (a
 * statement trigger, so it holds for any writer that fires triggers: the subgraph, a migration, an
 * operator's SQL), for the listing cache (catalogue-listing-cache.ts): a page read at version v is served
 * again only while the version is still v. A random UUID rather than a counter: no version ever comes back
 * (a counter would after this migration is undone and redone, or a restore, or a failover that lost the
 * last commits), so a kept page can never match a later catalogue. Writers of products queue on the one
 * row; products change rarely.
 */
export class AddCatalogueVersion extends Migration {
  override name = '20261207-catalogue-version';

  override up(): void {
    this.addSql(`
      create table catalogue_version (
        singleton boolean primary key default true check (singleton),
        version uuid not null
      )`);
    this.addSql('insert into catalogue_version (version) values (gen_random_uuid())');
    this.addSql(`
      create function replace_catalogue_version() returns trigger language plpgsql as $$
      begin
        update catalogue_version set version = gen_random_uuid();
        return null;
      end
      $$`);
    this.addSql(`
      create trigger product_replaces_catalogue_version
        after insert or update or delete or truncate on product
        for each statement execute function replace_catalogue_version()`);
  }

  override down(): void {
    this.addSql('drop trigger product_replaces_catalogue_version on product');
    this.addSql('drop function replace_catalogue_version()');
    this.addSql('drop table catalogue_version');
  }
}
