-- Consumption invoices: each account's one invoice profile (R8.9), the requests, and the amounts
-- each request holds per customer and billing month (and order, for a request by order), so that
-- nothing is invoiced twice and refunds after invoicing show as owed invoices (R8.7).

CREATE TABLE invoice_profiles (
    -- 'customer:<id>' or 'partner:<id>'.
    owner TEXT PRIMARY KEY,
    title_type BIGINT NOT NULL,
    title TEXT NOT NULL,
    tax_id TEXT,
    mailing_address TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE invoice_requests (
    id TEXT PRIMARY KEY,
    -- 'customer' or 'partner', and its id.
    requester_kind TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    -- The partner that issues (resale customers' consumption), or '' for the vendor.
    issuer_partner_id TEXT NOT NULL,
    -- The tenant root of the requester or issuer partner ('' for a customer with no partner and
    -- the vendor as issuer): who may see the request.
    root_id TEXT NOT NULL,
    -- 1 by billing month, 2 by order, 3 by customer per billing month.
    kind BIGINT NOT NULL,
    -- The months (or orders) asked for, comma-separated, as entered.
    scope TEXT NOT NULL,
    amount BIGINT NOT NULL,
    owed_offset BIGINT NOT NULL,
    title_type BIGINT NOT NULL,
    title TEXT NOT NULL,
    tax_id TEXT,
    special BIGINT NOT NULL,
    paper BIGINT NOT NULL,
    mailing_address TEXT,
    remark TEXT,
    status BIGINT NOT NULL,
    reason TEXT,
    invoice_no TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX invoice_requests_requester ON invoice_requests(requester_kind, requester_id, created_at);
CREATE INDEX invoice_requests_issuer ON invoice_requests(issuer_partner_id, status, created_at);

CREATE TABLE invoice_request_lines (
    request_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    bill_cycle TEXT NOT NULL,
    -- '' for a month's consumption, else the order invoiced.
    order_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (request_id, customer_id, bill_cycle, order_id)
);
CREATE INDEX invoice_request_lines_customer ON invoice_request_lines(customer_id, bill_cycle);
