-- Orders, second part: the coupons that paid each order (so a refund can return their value),
-- the per-original-order details of refund (unsubscribe) orders, and partners' return
-- addresses (domain.md §3). Money in cents, times in UTC Unix ms.

-- One row per coupon a payment used: how much of the order it covered.
CREATE TABLE order_coupons (
    order_id TEXT NOT NULL REFERENCES orders(id),
    coupon_id TEXT NOT NULL REFERENCES coupons(id),
    coupon_type BIGINT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, coupon_id)
);
CREATE INDEX order_coupons_coupon ON order_coupons(coupon_id);

-- Where the money of a refund (type-4) order comes from: negative amounts are refunded, positive
-- ones consumed or charged as a fee, each against the original order that paid it.
CREATE TABLE refund_details (
    id TEXT PRIMARY KEY,
    refund_order_id TEXT NOT NULL REFERENCES orders(id),
    base_order_id TEXT NOT NULL REFERENCES orders(id),
    resource_id TEXT NOT NULL REFERENCES resources(id),
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX refund_details_order ON refund_details(refund_order_id);

-- A partner's return addresses (伙伴平台回跳地址): the top-up entry shown when a customer's
-- balance is insufficient, and where the customer lands after paying. Both optional.
CREATE TABLE partner_redirects (
    partner_id TEXT PRIMARY KEY REFERENCES partners(id),
    topup_url TEXT,
    paid_url TEXT,
    updated_at BIGINT NOT NULL
);

-- The resource a renewal (type-2) line extends; NULL on new-purchase lines.
ALTER TABLE order_lines ADD COLUMN resource_id TEXT;
