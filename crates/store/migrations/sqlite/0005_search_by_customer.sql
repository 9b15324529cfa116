-- Search keys kept in the customer's order (WITHOUT ROWID, keyed by
-- customer and term) instead of in a rowid table with an index on each
-- side: a customer's keys are found (to rewrite or delete them) through the
-- table itself, and a million customers' 17 million keys are stored twice
-- instead of three times. A bulk load appends to the table in id order.
-- PostgreSQL keeps its heap and two indexes: it has no clustered tables.
CREATE TABLE customer_search_by_customer (
    term         TEXT NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, term)
) WITHOUT ROWID;
INSERT INTO customer_search_by_customer (term, customer_id)
    SELECT term, customer_id FROM customer_search ORDER BY customer_id, term;
DROP TABLE customer_search;
ALTER TABLE customer_search_by_customer RENAME TO customer_search;
-- A load stopped half-way may have set the old indexes aside.
DELETE FROM suspended_indexes WHERE name IN ('customer_search_term', 'customer_search_customer');
CREATE INDEX customer_search_term ON customer_search (term, customer_id);
