import { Migration } from '../../../lib/database.ts';

/**
 * A version of the catalogue that every write to `product` raises in the writer's own transaction (a
 * statement trigger, so it holds for any writer: the subgraph, a migration, an operator's SQL), for the
 * listing cache (catalogue-listing-cache.ts): a page read at version v is served again only while the
 * version is still v. Writers of products queue on the one row; products change rarely.
 */
export class AddCatalogueVersion extends Migration {
  override name = '20261207-catalogue-version';

  override up(): void {
    this.addSql(`
      create table catalogue_version (
        singleton boolean primary key default true check (singleton),
        version bigint not null
      )`);
    this.addSql('insert into catalogue_version (version) values (1)');
    this.addSql(`
      create function raise_catalogue_version() returns trigger language plpgsql as $$
      begin
        update catalogue_version set version = version + 1;
        return null;
      end
      $$`);
    this.addSql(`
      create trigger product_raises_catalogue_version
        after insert or update or delete or truncate on product
        for each statement execute function raise_catalogue_version()`);
  }

  override down(): void {
    this.addSql('drop trigger product_raises_catalogue_version on product');
    this.addSql('drop function raise_catalogue_version()');
    this.addSql('drop table catalogue_version');
  }
}
