-- How many orders each partner has, kept by triggers in the transaction that writes the order, so
-- an unfiltered `list_customer_orders` (and the console's order list) reads its total in one
-- point query instead of counting the partner's orders on every page (decision 0005: a partner
-- with 1,000,000 orders lists as fast as one with 1,000). `partner-center verify` recomputes it.
CREATE TABLE partner_order_counts (
    partner_id TEXT PRIMARY KEY REFERENCES partners(id),
    orders BIGINT NOT NULL DEFAULT 0 CHECK (orders >= 0)
);
INSERT INTO partner_order_counts (partner_id, orders)
    SELECT partner_id, COUNT(*) FROM orders GROUP BY partner_id;

CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO partner_order_counts (partner_id, orders) VALUES (NEW.partner_id, 1)
        ON CONFLICT (partner_id) DO UPDATE SET orders = orders + 1;
END;
CREATE TRIGGER orders_count_update AFTER UPDATE OF partner_id ON orders
    WHEN OLD.partner_id <> NEW.partner_id
BEGIN
    UPDATE partner_order_counts SET orders = orders - 1 WHERE partner_id = OLD.partner_id;
    INSERT INTO partner_order_counts (partner_id, orders) VALUES (NEW.partner_id, 1)
        ON CONFLICT (partner_id) DO UPDATE SET orders = orders + 1;
END;
CREATE TRIGGER orders_count_delete AFTER DELETE ON orders
BEGIN
    UPDATE partner_order_counts SET orders = orders - 1 WHERE partner_id = OLD.partner_id;
END;

-- A page of a partner's (or a customer's) orders in list order, ties broken by id, read from the
-- index alone up to the page: the sort never visits the rest of the partner's orders.
CREATE INDEX orders_partner_page ON orders(partner_id, created_at, id);
CREATE INDEX orders_customer_page ON orders(customer_id, created_at, id);
DROP INDEX orders_partner;
DROP INDEX orders_customer;
