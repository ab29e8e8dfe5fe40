-- Product search (API.md §0.3, §3.2) without scanning products.
-- products.search_fold is the product's three search fields, folded (core/fold.c):
-- name_fold, U+001F, the category's name_fold, U+001F, the store's brand_fold ('' for
-- none). Search terms never contain U+001F (the term splitter treats it as whitespace),
-- so a term matches within one field or not at all, as with three separate LIKEs.
-- Triggers keep it current on every path that changes a field (product insert, rename,
-- category or store change; category rename; store rename), in the writer's transaction.
--
-- products_fts indexes search_fold by trigrams. case_sensitive 1: the text is folded
-- already and the terms are folded the same way, so the tokenizer must not fold again;
-- its phrase match is then exact substring match on code points. The queries still
-- check each term with LIKE on search_fold. The table keeps its own copy of the text
-- (not external content): a row is deleted by rowid alone, whatever the trigger order.

ALTER TABLE products ADD COLUMN search_fold TEXT NOT NULL DEFAULT '';

UPDATE products SET search_fold = name_fold || char(31)
    || (SELECT c.name_fold FROM categories c WHERE c.id = products.category_id) || char(31)
    || COALESCE((SELECT s.brand_fold FROM stores s WHERE s.id = products.store_id), '');

CREATE VIRTUAL TABLE products_fts USING fts5(search_fold, tokenize = 'trigram case_sensitive 1');
INSERT INTO products_fts (rowid, search_fold) SELECT id, search_fold FROM products;

-- the index follows search_fold (set only by the triggers below)
CREATE TRIGGER products_fts_update AFTER UPDATE OF search_fold ON products
WHEN OLD.search_fold IS NOT NEW.search_fold
BEGIN
    DELETE FROM products_fts WHERE rowid = OLD.id;
    INSERT INTO products_fts (rowid, search_fold) VALUES (NEW.id, NEW.search_fold);
END;

CREATE TRIGGER products_fts_delete AFTER DELETE ON products
BEGIN
    DELETE FROM products_fts WHERE rowid = OLD.id;
END;

-- a new product: index the inserted text, then compute it (products_fts_update
-- re-indexes when it differs)
CREATE TRIGGER products_search_insert AFTER INSERT ON products
BEGIN
    INSERT INTO products_fts (rowid, search_fold) VALUES (NEW.id, NEW.search_fold);
    UPDATE products SET search_fold = NEW.name_fold || char(31)
        || (SELECT c.name_fold FROM categories c WHERE c.id = NEW.category_id) || char(31)
        || COALESCE((SELECT s.brand_fold FROM stores s WHERE s.id = NEW.store_id), '')
    WHERE id = NEW.id;
END;

CREATE TRIGGER products_search_change AFTER UPDATE OF name_fold, category_id, store_id ON products
WHEN OLD.name_fold IS NOT NEW.name_fold OR OLD.category_id IS NOT NEW.category_id
    OR OLD.store_id IS NOT NEW.store_id
BEGIN
    UPDATE products SET search_fold = NEW.name_fold || char(31)
        || (SELECT c.name_fold FROM categories c WHERE c.id = NEW.category_id) || char(31)
        || COALESCE((SELECT s.brand_fold FROM stores s WHERE s.id = NEW.store_id), '')
    WHERE id = NEW.id;
END;

-- renames: every product of the category / store (products_category / products_store)
CREATE TRIGGER categories_search_rename AFTER UPDATE OF name_fold ON categories
WHEN OLD.name_fold IS NOT NEW.name_fold
BEGIN
    UPDATE products SET search_fold = name_fold || char(31) || NEW.name_fold || char(31)
        || COALESCE((SELECT s.brand_fold FROM stores s WHERE s.id = products.store_id), '')
    WHERE category_id = NEW.id;
END;

CREATE TRIGGER stores_search_rename AFTER UPDATE OF brand_fold ON stores
WHEN OLD.brand_fold IS NOT NEW.brand_fold
BEGIN
    UPDATE products SET search_fold = name_fold || char(31)
        || (SELECT c.name_fold FROM categories c WHERE c.id = products.category_id)
        || char(31) || NEW.brand_fold
    WHERE store_id = NEW.id;
END;
