-- Customer association: partner contact details (a partner's mobile cannot register customers,
-- R10.3; list_indirect_partners shows them) and the outcome of every use of an invite link (the
-- partner's expansion records: who associated through which link, and who was refused and why).

ALTER TABLE partners ADD COLUMN contact_mobile TEXT;
ALTER TABLE partners ADD COLUMN contact_email TEXT;
CREATE INDEX partners_contact_mobile ON partners(contact_mobile);

CREATE TABLE invite_events (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    invite_link_id TEXT NOT NULL REFERENCES invite_links(id),
    at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    error_code TEXT,
    customer_id TEXT,
    account_name TEXT
);
CREATE INDEX invite_events_partner ON invite_events(partner_id, at);

CREATE INDEX associations_invite ON associations(invite_link_id);
CREATE INDEX customers_mobile ON customers(mobile);
CREATE INDEX verification_codes_live ON verification_codes(mobile, scene, requested_by) WHERE used_at IS NULL;
