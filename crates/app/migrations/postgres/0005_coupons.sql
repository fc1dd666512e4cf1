-- Coupons (domain.md §9): quotas, issued coupons, and their operation records. Balances are NOT
-- here: a quota's balance is its `coupon_quota:<id>` ledger account, a coupon's its `coupon:<id>`.

CREATE TABLE coupon_quotas (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    parent_quota_id TEXT REFERENCES coupon_quotas(id),
    quota_type BIGINT NOT NULL,
    quota_value BIGINT NOT NULL,
    status BIGINT NOT NULL DEFAULT 0,
    effective_at BIGINT NOT NULL,
    expire_at BIGINT NOT NULL,
    service_types TEXT NOT NULL DEFAULT '',
    product_ids TEXT NOT NULL DEFAULT '',
    min_face BIGINT,
    max_face BIGINT,
    max_count BIGINT,
    issued_count BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (max_count IS NULL OR issued_count <= max_count)
);
CREATE INDEX coupon_quotas_partner ON coupon_quotas(partner_id, created_at);
CREATE INDEX coupon_quotas_parent ON coupon_quotas(parent_quota_id);
CREATE UNIQUE INDEX coupon_quotas_one_child ON coupon_quotas(parent_quota_id, partner_id) WHERE parent_quota_id IS NOT NULL;

CREATE TABLE coupons (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    quota_id TEXT NOT NULL REFERENCES coupon_quotas(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    coupon_type BIGINT NOT NULL,
    face_value BIGINT NOT NULL CHECK (face_value > 0),
    status BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    expire_at BIGINT NOT NULL,
    service_types TEXT NOT NULL DEFAULT '',
    product_ids TEXT NOT NULL DEFAULT '',
    memo TEXT,
    lock_order_id TEXT,
    is_frozen BIGINT NOT NULL DEFAULT 0,
    reclaimed_amount BIGINT,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX coupons_partner ON coupons(partner_id, created_at);
CREATE INDEX coupons_customer ON coupons(customer_id, created_at);
CREATE INDEX coupons_live ON coupons(status, expire_at);

CREATE TABLE coupon_records (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    quota_id TEXT NOT NULL,
    quota_type BIGINT NOT NULL,
    coupon_id TEXT,
    customer_id TEXT NOT NULL,
    operation_type BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    result BIGINT NOT NULL,
    remark TEXT,
    operator TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX coupon_records_partner ON coupon_records(partner_id, seq);

CREATE TABLE quota_records (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    root_id TEXT NOT NULL,
    distributor_id TEXT NOT NULL,
    quota_id TEXT NOT NULL,
    parent_quota_id TEXT NOT NULL,
    indirect_partner_id TEXT NOT NULL,
    operation_type BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    result BIGINT NOT NULL,
    remark TEXT,
    operator TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX quota_records_distributor ON quota_records(distributor_id, seq);
