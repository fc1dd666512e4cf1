-- Consumption records: one row per charge (or refund, negative) on one resource, with the
-- vendor's bill fields, what paid it, and the customer's partner association *at the time of
-- the charge* (bills, incentives and settlement stand on these rows and must not change when the
-- association later does). Money in cents; times in UTC Unix ms; bill_cycle is the
-- Asia/Shanghai month of trade_time (`YYYY-MM`).
CREATE TABLE consumption_records (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    -- The association at charge time (NULL: the customer had none).
    partner_id TEXT,
    root_id TEXT,
    association_type BIGINT,
    bill_cycle TEXT NOT NULL,
    trade_time BIGINT NOT NULL,
    consume_time BIGINT NOT NULL,
    -- Order id for orders (bill detail types 1, 2, 3, 4, 8, 20), else a trade id.
    trade_id TEXT NOT NULL,
    order_type BIGINT,
    bill_detail_type BIGINT NOT NULL,
    charging_mode BIGINT NOT NULL,
    service_type_code TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    region TEXT NOT NULL,
    product_id TEXT,
    product_spec_desc TEXT NOT NULL DEFAULT '',
    resource_id TEXT,
    resource_name TEXT,
    period_type BIGINT,
    period_num BIGINT,
    official_amount BIGINT NOT NULL,
    discount_amount BIGINT NOT NULL,
    payment_amount BIGINT NOT NULL,
    cash_amount BIGINT NOT NULL DEFAULT 0,
    credit_amount BIGINT NOT NULL DEFAULT 0,
    coupon_amount BIGINT NOT NULL DEFAULT 0,
    flexipurchase_coupon_amount BIGINT NOT NULL DEFAULT 0,
    stored_value_card_amount BIGINT NOT NULL DEFAULT 0,
    debt_amount BIGINT NOT NULL DEFAULT 0,
    writeoff_amount BIGINT NOT NULL DEFAULT 0,
    -- Which order line (or usage row) made it: one record per source, so recording twice is a
    -- no-op (the unique index) rather than a double charge.
    source_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
-- A customer's month, newest first (the customer's bill reads, a partner's per-customer detail).
CREATE INDEX consumption_customer_cycle ON consumption_records(customer_id, bill_cycle, trade_time, id);
-- A partner's month over all its customers (monthly sums, incentives).
CREATE INDEX consumption_partner_cycle ON consumption_records(partner_id, bill_cycle, customer_id);
