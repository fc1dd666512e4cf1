-- The home pages' figures, each read through an index bounded by its tenant and its window:
-- a partner's orders waiting for payment and its orders of the last months by status;
-- the coupons a partner issued that expire soon;
-- a partner's allocations to and reclaims from its customers over the last months (partial
-- indexes: only those two kinds of transfer pay for them).
CREATE INDEX orders_partner_status ON orders(partner_id, status, created_at);
CREATE INDEX coupons_partner_expiry ON coupons(partner_id, status, expire_at);
CREATE INDEX ledger_transfers_allocations ON ledger_transfers(from_account, created_at)
    WHERE kind = 'allocate_customer';
CREATE INDEX ledger_transfers_reclaims ON ledger_transfers(to_account, created_at)
    WHERE kind = 'reclaim_customer';
