-- Yearly/monthly to pay-per-use (包年/包月转按需): when a yearly/monthly resource became
-- pay-per-use, at its expiry or at once; NULL while it is yearly/monthly. A resource that became
-- pay-per-use leaves the yearly/monthly list and lives on in on_demand_resources under the same id.
ALTER TABLE resources ADD COLUMN on_demand_at BIGINT;
