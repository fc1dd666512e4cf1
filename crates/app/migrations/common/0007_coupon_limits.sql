-- Coupon quota limits granted by operators beyond services, products, face value and count
-- (domain.md §9.5 CBC.99000022 / CBC.99000024): the order types a quota's coupons may pay
-- (comma-separated `order_type` codes, '' = any), and whether it may only be issued to customers
-- associated for the first time (0/1). Coupons keep the order types they were issued with.

ALTER TABLE coupon_quotas ADD COLUMN order_types TEXT NOT NULL DEFAULT '';
ALTER TABLE coupon_quotas ADD COLUMN first_association_only BIGINT NOT NULL DEFAULT 0;
ALTER TABLE coupons ADD COLUMN order_types TEXT NOT NULL DEFAULT '';
