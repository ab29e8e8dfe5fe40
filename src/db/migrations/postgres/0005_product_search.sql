-- Product search (API.md §0.3, §3.2) without scanning products.
-- products.search_fold is the product's three search fields, folded (core/fold.c):
-- name_fold, U+001F, the category's name_fold, U+001F, the store's brand_fold ('' for
-- none). Search terms never contain U+001F (the term splitter treats it as whitespace),
-- so a term matches within one field or not at all, as with three separate LIKEs.
-- Triggers keep it current on every path that changes a field (product insert, rename,
-- category or store change; category rename; store rename), in the writer's transaction.
-- A GIN trigram index (pg_trgm, a trusted extension: a database owner may create it)
-- serves LIKE '%term%' for terms of three characters or more.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE products ADD COLUMN search_fold TEXT NOT NULL DEFAULT '';

-- (name_fold, category_id, store_id) -> search_fold
CREATE FUNCTION products_search_text(TEXT, BIGINT, BIGINT)
RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT $1 || chr(31)
        || COALESCE((SELECT c.name_fold FROM categories c WHERE c.id = $2), '') || chr(31)
        || COALESCE((SELECT s.brand_fold FROM stores s WHERE s.id = $3), '')
$$;

-- A product entering a category or store (insert, or a change of either) takes a share
-- lock on it first. A concurrent rename then either waits for this transaction (its bulk
-- update, a later statement, sees this row) or this one waits for the rename and reads
-- the new name. Other updates need no lock: the rename's bulk update and this row's
-- update are ordered by the row lock, and the later one recomputes the text.
CREATE FUNCTION products_search_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.category_id IS DISTINCT FROM OLD.category_id THEN
        PERFORM 1 FROM categories WHERE id = NEW.category_id FOR SHARE;
    END IF;
    IF NEW.store_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.store_id IS DISTINCT FROM OLD.store_id) THEN
        PERFORM 1 FROM stores WHERE id = NEW.store_id FOR SHARE;
    END IF;
    NEW.search_fold := products_search_text(NEW.name_fold, NEW.category_id, NEW.store_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER products_search BEFORE INSERT OR UPDATE OF name_fold, category_id, store_id
ON products FOR EACH ROW EXECUTE FUNCTION products_search_fill();

-- renames: every product of the category / store (products_category / products_store)
CREATE FUNCTION products_search_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'categories' THEN
        UPDATE products p SET search_fold =
            products_search_text(p.name_fold, p.category_id, p.store_id)
        WHERE p.category_id = NEW.id;
    ELSE
        UPDATE products p SET search_fold =
            products_search_text(p.name_fold, p.category_id, p.store_id)
        WHERE p.store_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_search_rename AFTER UPDATE OF name_fold ON categories
FOR EACH ROW WHEN (OLD.name_fold IS DISTINCT FROM NEW.name_fold)
EXECUTE FUNCTION products_search_follow();

CREATE TRIGGER stores_search_rename AFTER UPDATE OF brand_fold ON stores
FOR EACH ROW WHEN (OLD.brand_fold IS DISTINCT FROM NEW.brand_fold)
EXECUTE FUNCTION products_search_follow();

UPDATE products SET search_fold = products_search_text(name_fold, category_id, store_id);

CREATE INDEX products_search ON products USING gin (search_fold gin_trgm_ops);
