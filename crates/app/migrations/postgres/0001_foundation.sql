-- Foundation schema (PostgreSQL). Keep in meaning identical to sqlite/0001_foundation.sql: every
-- integer, money amount (cents), timestamp (UTC Unix ms) and flag is a 64-bit integer.

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    parent_id TEXT REFERENCES partners(id),
    name TEXT NOT NULL,
    partner_type TEXT NOT NULL,
    domain_id TEXT NOT NULL UNIQUE,
    xaccount_type TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL
);
CREATE INDEX partners_parent ON partners(parent_id);
CREATE INDEX partners_root ON partners(root_id);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    domain_name TEXT NOT NULL UNIQUE,
    real_name TEXT,
    mobile TEXT,
    country_code TEXT,
    email TEXT,
    customer_type BIGINT NOT NULL DEFAULT -1,
    verified_status TEXT NOT NULL DEFAULT '-1',
    is_frozen BIGINT NOT NULL DEFAULT 0,
    customer_level TEXT,
    xaccount_id TEXT,
    xaccount_type TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_xaccount ON customers(xaccount_type, xaccount_id);

CREATE TABLE associations (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    association_type BIGINT NOT NULL,
    label TEXT,
    associated_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason TEXT
);
CREATE UNIQUE INDEX associations_one_active ON associations(customer_id) WHERE ended_at IS NULL;
CREATE INDEX associations_partner ON associations(partner_id, associated_at);
CREATE INDEX associations_root ON associations(root_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    partner_id TEXT REFERENCES partners(id),
    customer_id TEXT REFERENCES customers(id),
    lang TEXT NOT NULL DEFAULT 'zh-CN',
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE access_keys (
    access_key TEXT PRIMARY KEY,
    owner_kind TEXT NOT NULL,
    partner_id TEXT REFERENCES partners(id),
    customer_id TEXT REFERENCES customers(id),
    root_id TEXT,
    secret_enc TEXT NOT NULL,
    description TEXT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX access_keys_partner ON access_keys(partner_id);

CREATE TABLE ledger_accounts (
    id TEXT PRIMARY KEY,
    root_id TEXT,
    kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    balance BIGINT NOT NULL DEFAULT 0,
    lower_limit BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, owner_id),
    CHECK (lower_limit IS NULL OR balance >= lower_limit)
);

CREATE TABLE ledger_transfers (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    root_id TEXT,
    from_account TEXT NOT NULL REFERENCES ledger_accounts(id),
    to_account TEXT NOT NULL REFERENCES ledger_accounts(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    from_balance_after BIGINT NOT NULL,
    to_balance_after BIGINT NOT NULL,
    kind TEXT NOT NULL,
    memo TEXT,
    request_id TEXT,
    created_at BIGINT NOT NULL,
    CHECK (from_account <> to_account)
);
CREATE INDEX ledger_transfers_from ON ledger_transfers(from_account, seq);
CREATE INDEX ledger_transfers_to ON ledger_transfers(to_account, seq);

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    role TEXT NOT NULL,
    root_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    transfer_ids TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_root ON audit_log(root_id, seq);

CREATE TABLE outbox (
    seq BIGSERIAL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    root_id TEXT,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    sent_at BIGINT
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The audit log and the ledger's transfers are append-only (DESIGN §3.5).
CREATE FUNCTION pc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION pc_append_only();
CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION pc_append_only();
