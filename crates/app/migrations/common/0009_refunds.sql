-- Unsubscribe (type-4) orders: what the customer asked, whether the 5-day no-reason refund
-- applied, and how each refund was split over the sources that paid the original order, so
-- repeated partial refunds never return more to a source than it paid (pc_domain::refunds).

ALTER TABLE orders ADD COLUMN unsubscribe_type BIGINT;
ALTER TABLE orders ADD COLUMN unsubscribe_reason_type BIGINT;
ALTER TABLE orders ADD COLUMN unsubscribe_reason TEXT;
ALTER TABLE orders ADD COLUMN no_reason BIGINT NOT NULL DEFAULT 0;
CREATE INDEX orders_no_reason ON orders(customer_id, no_reason, created_at);

-- One row per source a refund paid back: source_kind 'cash' (source_id NULL: the customer's
-- balance), 'coupon' (back on the coupon) or 'quota' (the coupon had ended, so its value went
-- back to the quota it was issued from; source_id is still the coupon).
CREATE TABLE refund_sources (
    refund_order_id TEXT NOT NULL REFERENCES orders(id),
    base_order_id TEXT NOT NULL REFERENCES orders(id),
    source_kind TEXT NOT NULL,
    source_id TEXT,
    amount BIGINT NOT NULL CHECK (amount > 0),
    transfer_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX refund_sources_base ON refund_sources(base_order_id);
CREATE INDEX refund_details_resource ON refund_details(resource_id, base_order_id);
