-- Offline top-ups (services/topups.rs): a customer declares a bank transfer, an operator confirms
-- it (the ledger transfer `customer_topup` credits the customer's cash account) or rejects it.
-- `root_id` is the customer's partner root when it declared (NULL for a customer without a
-- partner), so the row shards with its tenant. Only `pending` rows ever change, once.
CREATE TABLE topup_requests (
    id TEXT PRIMARY KEY,
    root_id TEXT,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reference TEXT NOT NULL,
    order_id TEXT REFERENCES orders(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'credited', 'rejected', 'cancelled')),
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    reject_reason TEXT,
    transfer_id TEXT REFERENCES ledger_transfers(id)
);
-- The operator's queue (pending, oldest first) and its filters by a decided status.
CREATE INDEX topup_requests_status ON topup_requests(status, created_at);
CREATE INDEX topup_requests_decided ON topup_requests(status, decided_at);
-- A customer's own requests, newest first.
CREATE INDEX topup_requests_customer ON topup_requests(customer_id, created_at);
-- One remittance is declared once: the same reference may not be pending or credited twice for
-- a customer (a rejected or cancelled one may be declared again).
CREATE UNIQUE INDEX topup_requests_reference ON topup_requests(customer_id, reference)
    WHERE status IN ('pending', 'credited');
