-- Pay-per-use: the catalogue's tiers and resource packages, the usage the deployment's metering
-- imports, the on-demand resources that usage names, and the free quantities packages carry.
-- Quantities are millionths of an hour; amounts are cents.

-- A resource package: a yearly/monthly product that carries `package_quantity` free hours of one
-- resource type (in the product's region) for each period bought.
ALTER TABLE catalog_products ADD COLUMN package_quantity BIGINT;
ALTER TABLE catalog_products ADD COLUMN package_resource_type_code TEXT;

-- A pay-per-use product's hourly price by how much of it the customer used in the month: from
-- `from_quantity` on, an hour costs `hour_price`. Below the first tier, the product's hour_price.
CREATE TABLE catalog_usage_tiers (
    product_id TEXT NOT NULL,
    from_quantity BIGINT NOT NULL,
    hour_price BIGINT NOT NULL,
    PRIMARY KEY (product_id, from_quantity)
);

-- One imported usage line, kept by its id: importing it again finds it here and does nothing.
CREATE TABLE usage_events (
    usage_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    bill_cycle TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    free_quantity BIGINT NOT NULL,
    size BIGINT NOT NULL,
    begin_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    official_amount BIGINT NOT NULL,
    cash_amount BIGINT NOT NULL,
    debt_amount BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX usage_events_customer ON usage_events(customer_id, end_at);

-- How much of each product each customer used in each billing month (the tiers' position).
CREATE TABLE usage_totals (
    customer_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    bill_cycle TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (customer_id, product_id, bill_cycle)
);

-- A pay-per-use resource, known from its first usage on.
CREATE TABLE on_demand_resources (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    service_type_code TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    resource_spec TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    effective_at BIGINT NOT NULL,
    last_usage_at BIGINT NOT NULL,
    -- 1 in use (the vendor's on-demand resource status: 1 normal, 2 frozen, 3 deleted).
    status BIGINT NOT NULL
);
CREATE INDEX on_demand_resources_customer ON on_demand_resources(customer_id, effective_at);

-- A package's free quantity for one period of one resource bought as a package.
CREATE TABLE free_resources (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    package_resource_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    service_type_code TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    region TEXT NOT NULL,
    original_quantity BIGINT NOT NULL,
    remaining BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    expire_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX free_resources_customer ON free_resources(customer_id, resource_type_code, expire_at);

-- Each deduction of a usage line from a package.
CREATE TABLE free_resource_usages (
    id TEXT PRIMARY KEY,
    free_resource_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    usage_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    product_id TEXT NOT NULL,
    used BIGINT NOT NULL,
    remaining_after BIGINT NOT NULL,
    deducted_at BIGINT NOT NULL
);
CREATE INDEX free_resource_usages_free ON free_resource_usages(free_resource_id, deducted_at);
CREATE INDEX free_resource_usages_customer ON free_resource_usages(customer_id, deducted_at);

-- A pay-per-use record's hours used and hours a package covered (millionths; NULL for others).
ALTER TABLE consumption_records ADD COLUMN usage_quantity BIGINT;
ALTER TABLE consumption_records ADD COLUMN free_quantity BIGINT;
