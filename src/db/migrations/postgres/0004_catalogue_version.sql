-- The catalogue version: one number that changes, in the same transaction, with every
-- write that can change which products a product list shows or how many. Instances keep
-- the lists' counts in memory tagged with the version they were counted at
-- (store/count_cache.c) and count again only when the version has moved, so a count
-- never scans while the catalogue is unchanged and is never stale after a write by any
-- instance (DESIGN.md §8).
--
-- Triggers bump it, so that no code path (nor a manual UPDATE) can forget to. A list's
-- membership depends on products.is_active, the sign of total_stock_level
-- (is_available), category_id, store_id, and for search on the product's, category's
-- and store brand's folded names: every column a list filter or search reads must be
-- covered here. Updates that change none of them (the no-op row lock of
-- cat_product_lock, a stock change that keeps the product available, counters, rating)
-- do not bump: they neither invalidate counts nor wait for this row's lock, which every
-- bumping transaction holds until it ends. Inserts, deletes and truncates bump once per
-- statement (a COPY of many products is one bump).
--
-- The new value is at least the current time in microseconds: versions differ between
-- databases (one process may open several: the unit tests) and between histories (a
-- database restored from a backup and written again does not reuse the numbers it had).

CREATE TABLE catalogue_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalogue_version (id, version)
VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);

CREATE FUNCTION catalogue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalogue_version
       SET version = GREATEST(version + 1,
                              (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
     WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_version_insert_delete AFTER INSERT OR DELETE OR TRUNCATE ON products
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();

CREATE TRIGGER products_version_update
AFTER UPDATE OF is_active, total_stock_level, category_id, store_id, name_fold ON products
FOR EACH ROW
WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
      OR (OLD.total_stock_level > 0) IS DISTINCT FROM (NEW.total_stock_level > 0)
      OR OLD.category_id IS DISTINCT FROM NEW.category_id
      OR OLD.store_id IS DISTINCT FROM NEW.store_id
      OR OLD.name_fold IS DISTINCT FROM NEW.name_fold)
EXECUTE FUNCTION catalogue_version_bump();

-- search matches the category's name and the store's brand name too
CREATE TRIGGER categories_version_update AFTER UPDATE OF name_fold ON categories
FOR EACH ROW WHEN (OLD.name_fold IS DISTINCT FROM NEW.name_fold)
EXECUTE FUNCTION catalogue_version_bump();

CREATE TRIGGER stores_version_update AFTER UPDATE OF brand_fold ON stores
FOR EACH ROW WHEN (OLD.brand_fold IS DISTINCT FROM NEW.brand_fold)
EXECUTE FUNCTION catalogue_version_bump();
