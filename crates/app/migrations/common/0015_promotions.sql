-- Operator promotions (促销折扣, discount type 0; fee item 700): a ratio of the list price off one
-- product or every product, for every customer, between two times. Usable at payment like a
-- partner-granted discount (at most one discount per payment).
CREATE TABLE promotions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    product_id TEXT REFERENCES catalog_products(id),
    ratio_bp BIGINT NOT NULL CHECK (ratio_bp > 0 AND ratio_bp < 10000),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CHECK (ends_at > starts_at)
);
CREATE INDEX promotions_live ON promotions(revoked_at, ends_at);
