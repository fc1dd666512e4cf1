-- Billing months and the monthly bills their close writes. A month is open until the close job
-- runs after it has ended (in Asia/Shanghai); closing writes one bill line per customer, partner
-- (at charge time), service type, resource type, charging mode and bill type, summed from the
-- month's consumption records, and marks the month closed. A record that arrives for a closed
-- month goes to the next open month (consumption_records.late_from names the month it belonged
-- to), so a closed month's records and bills never change.
CREATE TABLE bill_months (
    cycle TEXT PRIMARY KEY,
    closed_at BIGINT NOT NULL,
    records BIGINT NOT NULL,
    payment_amount BIGINT NOT NULL
);

CREATE TABLE monthly_bills (
    cycle TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    -- '' when the charges had no partner.
    partner_id TEXT NOT NULL,
    service_type_code TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    charging_mode BIGINT NOT NULL,
    -- 1 consumption, 2 refund, 3 adjustment.
    bill_type BIGINT NOT NULL,
    records BIGINT NOT NULL,
    official_amount BIGINT NOT NULL,
    discount_amount BIGINT NOT NULL,
    payment_amount BIGINT NOT NULL,
    cash_amount BIGINT NOT NULL,
    credit_amount BIGINT NOT NULL,
    coupon_amount BIGINT NOT NULL,
    flexipurchase_coupon_amount BIGINT NOT NULL,
    stored_value_card_amount BIGINT NOT NULL,
    debt_amount BIGINT NOT NULL,
    writeoff_amount BIGINT NOT NULL,
    PRIMARY KEY (cycle, customer_id, partner_id, service_type_code, resource_type_code, charging_mode, bill_type)
);
CREATE INDEX monthly_bills_partner ON monthly_bills(partner_id, cycle, customer_id);

ALTER TABLE consumption_records ADD COLUMN late_from TEXT;
