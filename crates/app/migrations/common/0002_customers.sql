-- Customer association, invite links, SMS verification codes, distributor ↔ reseller delegation.

CREATE TABLE invite_links (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    token TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    label TEXT,
    association_type BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE INDEX invite_links_partner ON invite_links(partner_id, created_at);

CREATE TABLE verification_codes (
    id TEXT PRIMARY KEY,
    mobile TEXT NOT NULL,
    scene BIGINT NOT NULL,
    code_hash TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX verification_codes_mobile ON verification_codes(mobile, created_at);

CREATE TABLE delegations (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    reseller_id TEXT NOT NULL REFERENCES partners(id),
    distributor_id TEXT NOT NULL REFERENCES partners(id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_by TEXT,
    cancelled_at BIGINT
);
CREATE UNIQUE INDEX delegations_one_active ON delegations(reseller_id) WHERE cancelled_at IS NULL;

ALTER TABLE associations ADD COLUMN invite_link_id TEXT;
ALTER TABLE customers ADD COLUMN in_arrears BIGINT NOT NULL DEFAULT 0;
