-- A customer's renewal settings (set_resources_renew_config, services/subscriptions/renew_config.rs):
-- how many days before a resource's expiry its automatic renewal is paid (2 to 7). One row per
-- customer that set it; without one, automatic renewal is paid at expiry.
CREATE TABLE renew_configs (
    customer_id TEXT PRIMARY KEY,
    deduction_days BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
