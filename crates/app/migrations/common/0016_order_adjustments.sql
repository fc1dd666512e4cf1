-- Order price adjustments (订单调价, discount type 609): an operator takes an amount off a
-- pending order; the payment must use it (R11.5). One per order; changes are audited.
CREATE TABLE order_adjustments (
    order_id TEXT PRIMARY KEY REFERENCES orders(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
