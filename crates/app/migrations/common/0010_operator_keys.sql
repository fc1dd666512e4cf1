-- Native API support: operator-owned access keys and the partner discount list.
-- Operator access keys for the native API (`owner_kind = 'operator'`): the key belongs to one
-- operator user, whose identity every call signed with it acts as. Partner and customer keys
-- leave the column empty.
ALTER TABLE access_keys ADD COLUMN user_id TEXT REFERENCES users(id);
CREATE INDEX access_keys_user ON access_keys(user_id);

-- A partner lists the discounts it granted (native API, console discounts page).
CREATE INDEX partner_discounts_partner ON partner_discounts(partner_id, created_at);
